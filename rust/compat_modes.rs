// SPDX-License-Identifier: GPL-2.0

//! The pure decisions of KVM's CPU compatibility-mode interface on POWER.
//!
//! Which compatibility modes a KVM host may give its guests, whether a logical
//! PVR written to `KVM_REG_PPC_ARCH_COMPAT` is acceptable and with which
//! processor compatibility register (PCR) value, and the verdicts on the
//! versioned `struct kvm_ppc_compat_caps` of `KVM_PPC_GET_COMPAT_CAPS`.
//!
//! Everything here is computation on plain values: no user memory, no
//! hypervisor call, no device tree, no kernel dependency. `book3s_hv_compat.rs`
//! reads those and hands the values in, and its KUnit suite tests them.

use core::num::NonZeroU64;

/// Logical processor version register values, as written to
/// `KVM_REG_PPC_ARCH_COMPAT` and found in a CPU node's `cpu-version`.
pub(crate) mod pvr {
    /// ISA 2.05 (Power6).
    pub(crate) const ARCH_205: u32 = 0x0f00_0002;
    /// ISA 2.06 (Power7).
    pub(crate) const ARCH_206: u32 = 0x0f00_0003;
    /// ISA 2.06+ (Power7+).
    pub(crate) const ARCH_206P: u32 = 0x0f10_0003;
    /// ISA 2.07 (Power8).
    pub(crate) const ARCH_207: u32 = 0x0f00_0004;
    /// ISA 3.00 (Power9).
    pub(crate) const ARCH_300: u32 = 0x0f00_0005;
    /// ISA 3.1 (Power10).
    pub(crate) const ARCH_31: u32 = 0x0f00_0006;
    /// ISA 3.1 as implemented by Power11.
    pub(crate) const ARCH_31_P11: u32 = 0x0f00_0007;
    /// ISA 3.2.
    pub(crate) const ARCH_32: u32 = 0x0f00_0008;
}

// `ArchLevel::from_logical_pvr()` finds the levels by the order of their
// logical PVRs: check that it finds each.
const _: () = {
    let levels = [
        (pvr::ARCH_205, ArchLevel::V205),
        (pvr::ARCH_206, ArchLevel::V206),
        (pvr::ARCH_206P, ArchLevel::V206),
        (pvr::ARCH_207, ArchLevel::V207),
        (pvr::ARCH_300, ArchLevel::V300),
        (pvr::ARCH_31, ArchLevel::V31),
        (pvr::ARCH_31_P11, ArchLevel::V31P11),
        (pvr::ARCH_32, ArchLevel::V32),
    ];
    let mut i = 0;
    while i < levels.len() {
        let (value, level) = levels[i];
        assert!(matches!(ArchLevel::from_logical_pvr(value), Some(l) if l as u8 == level as u8));
        i += 1;
    }
};

/// Version fields (the upper half of the PVR) of the processors a nested host
/// can be.
pub(crate) mod pvr_version {
    /// Power9.
    pub(crate) const POWER9: u16 = 0x004e;
    /// Power10.
    pub(crate) const POWER10: u16 = 0x0080;
    /// Power11.
    pub(crate) const POWER11: u16 = 0x0082;
}

/// Architecture-level bits of the processor compatibility register.
pub(crate) mod pcr {
    /// Run as ISA 2.05.
    pub(crate) const ARCH_205: u64 = 0x2;
    /// Run as ISA 2.06.
    pub(crate) const ARCH_206: u64 = 0x4;
    /// Run as ISA 2.07.
    pub(crate) const ARCH_207: u64 = 0x8;
    /// Run as ISA 3.00.
    pub(crate) const ARCH_300: u64 = 0x10;
    /// Run as ISA 3.1.
    pub(crate) const ARCH_31: u64 = 0x20;
    /// Run as ISA 3.2 (no name in the C headers yet; KVM uses the next bit).
    pub(crate) const ARCH_32: u64 = ARCH_31 << 1;
    /// Facility-disable bits (MMA, vector, VSX, transactional memory).
    pub(crate) const HIGH_BITS: u64 = 0xf000_0000_0000_0000;
    /// All architecture-level bits known to KVM's C headers.
    pub(crate) const LOW_BITS: u64 = ARCH_205 | ARCH_206 | ARCH_207 | ARCH_300 | ARCH_31;
    /// The reserved bits, always set in a guest's PCR.
    pub(crate) const MASK: u64 = !(HIGH_BITS | LOW_BITS);
}

/// Bits of `compat_capabilities` in `struct kvm_ppc_compat_caps` (UAPI).
pub(crate) mod uapi {
    /// The guest may run in Power9 mode.
    pub(crate) const CAP_POWER9: u64 = 1 << 62;
    /// The guest may run in Power10 mode.
    pub(crate) const CAP_POWER10: u64 = 1 << 61;
    /// The guest may run in Power11 mode.
    pub(crate) const CAP_POWER11: u64 = 1 << 60;
    /// Size of the first published `struct kvm_ppc_compat_caps`.
    pub(crate) const SIZE_VER0: u64 = 24;
}

/// Bits of the capability word of `H_GUEST_GET_CAPABILITIES` (PAPR, nested
/// API v2), big-endian bit numbering.
pub(crate) mod hcall {
    /// Power9 guests can be run.
    pub(crate) const CAP_POWER9: u64 = 1 << (63 - 1);
    /// Power10 guests can be run.
    pub(crate) const CAP_POWER10: u64 = 1 << (63 - 2);
    /// Power11 guests can be run.
    pub(crate) const CAP_POWER11: u64 = 1 << (63 - 3);
}

/// A compatibility mode that a nested KVM host can give a guest.
///
/// Only Power9 and later: a nested host runs radix guests only, which older
/// processors cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mode {
    /// Power9 (ISA 3.00).
    Power9,
    /// Power10 (ISA 3.1).
    Power10,
    /// Power11 (ISA 3.1, Power11 PVR).
    Power11,
}

impl Mode {
    /// Every mode, oldest first.
    pub(crate) const ALL: [Mode; 3] = [Mode::Power9, Mode::Power10, Mode::Power11];

    /// The logical PVR that selects this mode (the host tests' oracle).
    #[cfg(test)]
    pub(crate) const fn logical_pvr(self) -> u32 {
        match self {
            Mode::Power9 => pvr::ARCH_300,
            Mode::Power10 => pvr::ARCH_31,
            Mode::Power11 => pvr::ARCH_31_P11,
        }
    }

    /// The architecture level of this mode, the one its logical PVR selects.
    pub(crate) const fn level(self) -> ArchLevel {
        match self {
            Mode::Power9 => ArchLevel::V300,
            Mode::Power10 => ArchLevel::V31,
            Mode::Power11 => ArchLevel::V31P11,
        }
    }

    /// This mode's bit in `struct kvm_ppc_compat_caps`.
    pub(crate) const fn uapi_bit(self) -> u64 {
        match self {
            Mode::Power9 => uapi::CAP_POWER9,
            Mode::Power10 => uapi::CAP_POWER10,
            Mode::Power11 => uapi::CAP_POWER11,
        }
    }

    /// The mode a processor is, from the version field of its (real) PVR;
    /// `None` for one older than Power9 or newer than this code knows.
    pub(crate) const fn from_pvr_version(version: u16) -> Option<Mode> {
        match version {
            pvr_version::POWER9 => Some(Mode::Power9),
            pvr_version::POWER10 => Some(Mode::Power10),
            pvr_version::POWER11 => Some(Mode::Power11),
            _ => None,
        }
    }
}

/// A set of [`Mode`]s.
///
/// Held as the modes' bits of `compat_capabilities` shifted down to bit 0
/// (Power9 is bit 2, Power11 bit 0), so that the set goes to and from the UAPI
/// word and the hcall's capability word, which number the modes alike, with
/// one shift.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ModeSet(u8);

/// Where [`ModeSet`]'s bits sit in the UAPI and hcall words.
const MODES_SHIFT: u32 = 60;

// The capability word of `H_GUEST_GET_CAPABILITIES` numbers the modes as the
// UAPI does (the C implementation masks one with the other, too).
const _: () = assert!(hcall::CAP_POWER9 == uapi::CAP_POWER9);
const _: () = assert!(hcall::CAP_POWER10 == uapi::CAP_POWER10);
const _: () = assert!(hcall::CAP_POWER11 == uapi::CAP_POWER11);
const _: () = assert!(ModeSet::ALL.to_uapi() >> MODES_SHIFT == 0b111);

impl ModeSet {
    /// No mode.
    pub(crate) const EMPTY: ModeSet = ModeSet(0);

    /// Every mode.
    pub(crate) const ALL: ModeSet = ModeSet(
        ModeSet::of(Mode::Power9).0 | ModeSet::of(Mode::Power10).0 | ModeSet::of(Mode::Power11).0,
    );

    /// The set holding `mode` and every older mode: what a host running in
    /// `mode` can run.
    pub(crate) const fn up_to(mode: Mode) -> ModeSet {
        match mode {
            Mode::Power9 => ModeSet::of(Mode::Power9),
            Mode::Power10 => ModeSet::of(Mode::Power9).union(ModeSet::of(Mode::Power10)),
            Mode::Power11 => ModeSet::ALL,
        }
    }

    /// The set holding `mode` only.
    pub(crate) const fn of(mode: Mode) -> ModeSet {
        ModeSet((mode.uapi_bit() >> MODES_SHIFT) as u8)
    }

    /// Whether `mode` is in the set.
    pub(crate) const fn contains(self, mode: Mode) -> bool {
        self.0 & ModeSet::of(mode).0 != 0
    }

    /// The modes in both sets.
    pub(crate) const fn intersection(self, other: ModeSet) -> ModeSet {
        ModeSet(self.0 & other.0)
    }

    /// The modes in either set.
    pub(crate) const fn union(self, other: ModeSet) -> ModeSet {
        ModeSet(self.0 | other.0)
    }

    /// The names of the modes, oldest first and separated by spaces, or
    /// "none": what the kernel log says of the set.
    pub(crate) const fn names(self) -> &'static str {
        // Indexed by the set's bits: Power11 is bit 0, Power9 bit 2.
        const NAMES: [&str; 8] = [
            "none",
            "power11",
            "power10",
            "power10 power11",
            "power9",
            "power9 power11",
            "power9 power10",
            "power9 power10 power11",
        ];
        NAMES[(self.0 & ModeSet::ALL.0) as usize]
    }

    /// The set as `compat_capabilities` bits of `struct kvm_ppc_compat_caps`.
    pub(crate) const fn to_uapi(self) -> u64 {
        (self.0 as u64) << MODES_SHIFT
    }

    /// The set as bits of the `H_GUEST_*_CAPABILITIES` capability word.
    pub(crate) const fn to_hcall(self) -> u64 {
        self.to_uapi()
    }

    /// The modes named by an `H_GUEST_GET_CAPABILITIES` answer. Bits this
    /// code does not know (newer modes, `CAP_COPY_MEM`, ...) are dropped: a
    /// mode is only ever reported when this kernel knows how to run it.
    pub(crate) const fn from_hcall(bits: u64) -> ModeSet {
        ModeSet((bits >> MODES_SHIFT) as u8 & ModeSet::ALL.0)
    }
}

/// An architecture level that a logical PVR names, oldest first (the order
/// of their PCR bits, Power11's after Power10's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ArchLevel {
    /// ISA 2.05 (Power6).
    V205,
    /// ISA 2.06 and 2.06+ (Power7, Power7+).
    V206,
    /// ISA 2.07 (Power8).
    V207,
    /// ISA 3.00 (Power9).
    V300,
    /// ISA 3.1 (Power10).
    V31,
    /// ISA 3.1 as implemented by Power11.
    V31P11,
    /// ISA 3.2.
    V32,
}

impl ArchLevel {
    /// Every level, oldest first.
    pub(crate) const ALL: [ArchLevel; 7] = [
        ArchLevel::V205,
        ArchLevel::V206,
        ArchLevel::V207,
        ArchLevel::V300,
        ArchLevel::V31,
        ArchLevel::V31P11,
        ArchLevel::V32,
    ];

    /// The level a logical PVR selects, or `None` for any other value
    /// (a raw PVR, or a logical one this code does not know).
    pub(crate) const fn from_logical_pvr(value: u32) -> Option<ArchLevel> {
        match ArchLevel::index_of(value) {
            Some(i) => Some(ArchLevel::ALL[i]),
            None => None,
        }
    }

    /// The index in [`ArchLevel::ALL`] of the level a logical PVR selects.
    #[inline]
    const fn index_of(value: u32) -> Option<usize> {
        if value == pvr::ARCH_206P {
            return ArchLevel::index_of(pvr::ARCH_206);
        }
        // The other levels' logical PVRs are consecutive, in the order of
        // `ALL` (checked at the top of this file).
        let i = value.wrapping_sub(pvr::ARCH_205) as usize;
        if i < ArchLevel::ALL.len() {
            Some(i)
        } else {
            None
        }
    }

    /// The PCR architecture bit that runs a guest at this level. Power10 and
    /// Power11 share one.
    pub(crate) const fn pcr_bit(self) -> u64 {
        match self {
            ArchLevel::V205 => pcr::ARCH_205,
            ArchLevel::V206 => pcr::ARCH_206,
            ArchLevel::V207 => pcr::ARCH_207,
            ArchLevel::V300 => pcr::ARCH_300,
            ArchLevel::V31 | ArchLevel::V31P11 => pcr::ARCH_31,
            ArchLevel::V32 => pcr::ARCH_32,
        }
    }

    /// Whether a host whose newest level is this one runs a guest at `level`;
    /// `p11_pvr`: whether the host is a Power11. Power11 mode needs a
    /// Power11 (its PCR bit is Power10's, so the bit alone does not tell).
    pub(crate) const fn runs(self, p11_pvr: bool, level: ArchLevel) -> bool {
        if matches!(level, ArchLevel::V31P11) && !p11_pvr {
            return false;
        }
        level.pcr_bit() <= self.pcr_bit()
    }

    /// The mode a nested host could report for this level, if any.
    pub(crate) const fn mode(self) -> Option<Mode> {
        match self {
            ArchLevel::V300 => Some(Mode::Power9),
            ArchLevel::V31 => Some(Mode::Power10),
            ArchLevel::V31P11 => Some(Mode::Power11),
            _ => None,
        }
    }
}

/// The CPU features of the host that decide what it can run, as read from
/// the kernel's CPU feature bits, and the processor it really is.
///
/// A host that runs in a compatibility mode has the features of that mode: a
/// Power11 in Power10 mode has those of a Power10. Only its PVR register
/// tells the processor, and that is what a guest in raw mode sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HostCpu {
    /// The mode of the processor itself (the version field of its PVR), in
    /// which a guest runs in raw mode; `None` when it is older than Power9
    /// or newer than this code knows.
    pub(crate) native: Option<Mode>,
    /// `CPU_FTR_ARCH_206`.
    pub(crate) arch_206: bool,
    /// `CPU_FTR_ARCH_207S`.
    pub(crate) arch_207s: bool,
    /// `CPU_FTR_ARCH_300`.
    pub(crate) arch_300: bool,
    /// `CPU_FTR_ARCH_31`.
    pub(crate) arch_31: bool,
    /// `CPU_FTR_P11_PVR`.
    pub(crate) p11_pvr: bool,
    /// `CPU_FTR_ARCH_32`.
    pub(crate) arch_32: bool,
}

impl HostCpu {
    /// The newest level the host runs, whose PCR bit is the host's own. A
    /// Power11 counts as ISA 3.1: its PCR bit is Power10's.
    pub(crate) const fn level(self) -> ArchLevel {
        if self.arch_32 {
            ArchLevel::V32
        } else if self.p11_pvr || self.arch_31 {
            ArchLevel::V31
        } else if self.arch_300 {
            ArchLevel::V300
        } else if self.arch_207s {
            ArchLevel::V207
        } else if self.arch_206 {
            ArchLevel::V206
        } else {
            ArchLevel::V205
        }
    }

    /// Whether the host can run a guest at `level`.
    pub(crate) const fn runs(self, level: ArchLevel) -> bool {
        self.level().runs(self.p11_pvr, level)
    }

    /// The modes this host's kernel can run a guest in.
    pub(crate) fn runnable(self) -> ModeSet {
        Mode::ALL
            .iter()
            .filter(|m| self.runs(m.level()))
            .fold(ModeSet::EMPTY, |set, &m| set.union(ModeSet::of(m)))
    }
}

/// The `cpu-version` properties of a nested API v1 host's CPU nodes, taken
/// one node at a time, and the modes they allow.
///
/// The hypervisor puts the mode it runs the host in there; the host can run
/// that mode and the older ones. Values that are no logical PVR (a raw PVR)
/// say nothing about a mode and are passed over. If the nodes disagree, the
/// lowest level wins: a guest may be placed on any CPU. If no node has a
/// usable value (the host runs in raw mode), the host runs as what it is, and
/// the modes come from its CPU features. The result never holds a mode this
/// kernel cannot run.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CpuVersions {
    lowest: Option<ArchLevel>,
}

impl CpuVersions {
    /// Takes one CPU node's `cpu-version` (`None` for a node without one).
    pub(crate) fn add(&mut self, cpu_version: Option<u32>) {
        if let Some(level) = cpu_version.and_then(ArchLevel::from_logical_pvr) {
            self.lowest = Some(self.lowest.map_or(level, |lowest| lowest.min(level)));
        }
    }

    /// The modes the nodes taken so far allow, on `host`.
    pub(crate) fn modes(self, host: HostCpu) -> ModeSet {
        let granted = match self.lowest {
            None => ModeSet::ALL,
            Some(level) => match level.mode() {
                Some(mode) => ModeSet::up_to(mode),
                // Below Power9 no mode can be given; above what this code
                // knows, every mode it knows.
                None if level < ArchLevel::V300 => ModeSet::EMPTY,
                None => ModeSet::ALL,
            },
        };
        granted.intersection(host.runnable())
    }
}

/// The modes a nested API v1 host may give its guests, from the
/// `cpu-version` properties of all its CPU nodes: see [`CpuVersions`]. (The
/// kernel takes the nodes one at a time; the tests take them all at once.)
#[cfg(any(test, CONFIG_KVM_BOOK3S_HV_COMPAT_KUNIT_TEST))]
pub(crate) fn nested_v1_modes(
    host: HostCpu,
    cpu_versions: impl IntoIterator<Item = Option<u32>>,
) -> ModeSet {
    let mut versions = CpuVersions::default();
    for version in cpu_versions {
        versions.add(version);
    }
    versions.modes(host)
}

/// The modes a nested API v2 host may give its guests: those the hypervisor
/// grants in its `H_GUEST_GET_CAPABILITIES` answer and this kernel can run.
pub(crate) fn nested_v2_modes(host: HostCpu, hcall_caps: u64) -> ModeSet {
    ModeSet::from_hcall(hcall_caps).intersection(host.runnable())
}

/// This host: what its processor runs and, on a nested host, the modes its
/// hypervisor grants.
///
/// Made from a [`HostCpu`], of which it keeps what the verdicts need. The
/// driver decides its [`Answers`] once, at init.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Host {
    /// [`HostCpu::native`].
    native: Option<Mode>,
    /// [`HostCpu::level()`].
    level: ArchLevel,
    /// [`HostCpu::p11_pvr`].
    p11_pvr: bool,
    /// The granted modes, already restricted to what this kernel can run;
    /// `None` on bare metal.
    granted: Option<ModeSet>,
}

impl Host {
    /// KVM is the top-level hypervisor: no mode set is reported, and a guest
    /// may run at any level the CPU itself runs.
    pub(crate) const fn bare_metal(cpu: HostCpu) -> Host {
        Host {
            native: cpu.native,
            level: cpu.level(),
            p11_pvr: cpu.p11_pvr,
            granted: None,
        }
    }

    /// A nested host (API v1 or v2) granted `modes`.
    pub(crate) const fn nested(cpu: HostCpu, modes: ModeSet) -> Host {
        Host {
            granted: Some(modes),
            ..Host::bare_metal(cpu)
        }
    }

    /// The modes `KVM_PPC_GET_COMPAT_CAPS` reports, `None` where the
    /// interface does not apply (bare metal).
    #[inline]
    pub(crate) const fn reported(self) -> Option<ModeSet> {
        self.granted
    }

    /// The verdict on a logical PVR written to `KVM_REG_PPC_ARCH_COMPAT`:
    /// the guest's PCR value when it is accepted.
    ///
    /// 0 asks for raw mode: the guest runs as the processor itself and sees
    /// its PVR. On bare metal that is always possible. On a nested host it
    /// is accepted exactly when the processor's own mode is reported: a
    /// Power11 host that its hypervisor runs in Power10 mode cannot give a
    /// guest a Power11, whatever the guest would read in its PVR. On a
    /// nested host any other value is accepted exactly when its mode is
    /// reported by [`Host::reported`]: the two answers cannot disagree. On
    /// bare metal every level up to the host's own is accepted, as KVM
    /// always did.
    ///
    /// The same verdict decides whether a vcpu may run (`KVM_RUN`): a vcpu
    /// whose value was never set is in raw mode.
    pub(crate) fn arch_compat_pcr(self, value: u32) -> Result<u64, Rejected> {
        let nested = self.granted;
        if value == 0 {
            return match (nested, self.native) {
                (None, _) => Ok(pcr::MASK),
                (Some(modes), Some(native)) if modes.contains(native) => Ok(pcr::MASK),
                (Some(_), _) => Err(Rejected::RawNotGranted),
            };
        }
        let level = ArchLevel::from_logical_pvr(value).ok_or(Rejected::UnknownPvr)?;
        match nested {
            Some(modes) => match level.mode() {
                Some(mode) if modes.contains(mode) => {}
                _ => return Err(Rejected::NotGranted),
            },
            None if !self.level.runs(self.p11_pvr, level) => return Err(Rejected::TooNew),
            None => {}
        }
        // Every level between the guest's and the host's is switched off.
        // (A level newer than the host's, which the checks above leave to
        // no host, is refused as C refuses it.)
        let off = self
            .level
            .pcr_bit()
            .checked_sub(level.pcr_bit())
            .ok_or(Rejected::TooNew)?;
        Ok(off | pcr::MASK)
    }
}

/// A host's answers, decided once when it is recorded: the modes
/// `KVM_PPC_GET_COMPAT_CAPS` reports and the verdict of
/// [`Host::arch_compat_pcr`] on every value it knows (raw mode and each
/// logical PVR; any other value is refused), so that the ioctl and
/// `SET_ONE_REG` look them up instead of deciding on every call.
#[derive(Clone, Copy)]
pub(crate) struct Answers {
    /// [`Host::reported`], as `compat_capabilities` bits.
    reported: Option<u64>,
    /// The guest's PCR in raw mode (0); `None` where refused.
    raw: Option<NonZeroU64>,
    /// The guest's PCR at each level of [`ArchLevel::ALL`], asked for by its
    /// logical PVR; `None` where refused.
    levels: [Option<NonZeroU64>; ArchLevel::ALL.len()],
}

impl Answers {
    /// Decides every answer of `host`.
    pub(crate) fn new(host: Host) -> Answers {
        // An accepted PCR value holds `pcr::MASK`, never 0.
        let verdict = |value| host.arch_compat_pcr(value).ok().and_then(NonZeroU64::new);
        let mut levels = [None; ArchLevel::ALL.len()];
        // The logical PVRs of `ALL`, in its order (checked at the top of
        // this file).
        for (level, value) in levels.iter_mut().zip(pvr::ARCH_205..) {
            *level = verdict(value);
        }
        Answers {
            reported: host.reported().map(ModeSet::to_uapi),
            raw: verdict(0),
            levels,
        }
    }

    /// [`Host::reported`] as `compat_capabilities` bits.
    #[inline]
    pub(crate) fn reported(&self) -> Option<u64> {
        self.reported
    }

    /// [`Host::arch_compat_pcr`], as decided for this host: the guest's PCR
    /// value, or `None` where refused.
    #[inline]
    pub(crate) fn arch_compat_pcr(&self, value: u32) -> Option<NonZeroU64> {
        if value == 0 {
            return self.raw;
        }
        self.levels
            .get(ArchLevel::index_of(value)?)
            .copied()
            .flatten()
    }
}

/// Why a logical PVR was refused by [`Host::arch_compat_pcr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// Not a logical PVR this code knows.
    UnknownPvr,
    /// Newer than the host runs (bare metal).
    TooNew,
    /// Not among the modes the hypervisor grants (nested host).
    NotGranted,
    /// Raw mode, on a nested host whose hypervisor does not grant the mode
    /// of the processor itself.
    RawNotGranted,
}

/// Why a `KVM_PPC_GET_COMPAT_CAPS` call fails, before the errno it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgError {
    /// `EINVAL`: size below the first version, non-zero flags, or no mode
    /// set on this host.
    Invalid,
    /// `E2BIG`: size above a page. (Unknown non-zero fields beyond the
    /// kernel's struct give `E2BIG` too, from the versioned-struct read.)
    TooBig,
}

/// The verdict on the `size` user space passed, read before anything else.
/// Returns how many bytes follow the kernel's struct (the tail to check).
pub(crate) fn check_size(size: u64, page_size: u64) -> Result<u64, ArgError> {
    if size > page_size {
        return Err(ArgError::TooBig);
    }
    if size < uapi::SIZE_VER0 {
        return Err(ArgError::Invalid);
    }
    Ok(size - uapi::SIZE_VER0)
}

/// The verdict on the request's `flags` once its struct was read: they are
/// reserved, any bit set is refused (`EINVAL`). A dirty tail was refused
/// before (`E2BIG`), as copy_struct_from_user() fails before the flags are
/// looked at.
pub(crate) fn check_flags(flags: u64) -> Result<(), ArgError> {
    if flags != 0 {
        return Err(ArgError::Invalid);
    }
    Ok(())
}

/// The `size` the kernel writes back on success: the bytes it filled.
pub(crate) fn reply_size(size: u64) -> u64 {
    size.min(uapi::SIZE_VER0)
}

#[cfg(any(test, CONFIG_KVM_BOOK3S_HV_COMPAT_KUNIT_TEST))]
pub(crate) mod cases;
