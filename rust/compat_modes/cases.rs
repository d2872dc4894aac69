// SPDX-License-Identifier: GPL-2.0

//! Test cases of [`super`], for its KUnit suite.
//!
//! Every expected value here is written out by hand from the architecture
//! and the scenario it describes, never computed by the code under test.

use super::{
    ArchLevel,
    ArgError,
    Host,
    HostCpu,
    Mode,
    ModeSet,
    Rejected, //
};

/// The reserved PCR bits, worked out by hand: all but the four facility
/// bits (63..60) and the five level bits (0x3e).
pub(crate) const PCR_RESERVED: u64 = 0x0fff_ffff_ffff_ffc1;

/// A Power9 host.
pub(crate) const P9: HostCpu = HostCpu {
    native: Some(Mode::Power9),
    arch_206: true,
    arch_207s: true,
    arch_300: true,
    arch_31: false,
    p11_pvr: false,
    arch_32: false,
};

/// A Power10 host.
pub(crate) const P10: HostCpu = HostCpu {
    native: Some(Mode::Power10),
    arch_31: true,
    ..P9
};

/// A Power11 host.
pub(crate) const P11: HostCpu = HostCpu {
    native: Some(Mode::Power11),
    p11_pvr: true,
    ..P10
};

/// A Power8 host.
pub(crate) const P8: HostCpu = HostCpu {
    native: None,
    arch_300: false,
    ..P9
};

/// A Power11 that its hypervisor runs in Power10 mode: the features of a
/// Power10, the PVR of a Power11.
pub(crate) const P11_AS_P10: HostCpu = HostCpu {
    native: Some(Mode::Power11),
    ..P10
};

/// A Power10 that its hypervisor runs in Power9 mode.
pub(crate) const P10_AS_P9: HostCpu = HostCpu {
    native: Some(Mode::Power10),
    ..P9
};

/// A processor newer than this code knows, in Power11 mode.
pub(crate) const FUTURE_AS_P11: HostCpu = HostCpu {
    native: None,
    ..P11
};

/// `KVM_PPC_COMPAT_CAP_*` bits, by hand.
pub(crate) const U9: u64 = 1 << 62;
/// Power10's bit.
pub(crate) const U10: u64 = 1 << 61;
/// Power11's bit.
pub(crate) const U11: u64 = 1 << 60;

/// `H_GUEST_CAP_*` bits, by hand (PAPR numbers bits from the left).
pub(crate) const H_COPY_MEM: u64 = 0x8000_0000_0000_0000;
/// Power9's bit.
pub(crate) const H9: u64 = 0x4000_0000_0000_0000;
/// Power10's bit.
pub(crate) const H10: u64 = 0x2000_0000_0000_0000;
/// Power11's bit.
pub(crate) const H11: u64 = 0x1000_0000_0000_0000;
/// A bit for a mode that does not exist yet.
pub(crate) const H_FUTURE: u64 = 0x0800_0000_0000_0000;

/// Logical PVR values and the level each names.
pub(crate) const PVRS: &[(u32, Option<ArchLevel>)] = &[
    (0x0f00_0002, Some(ArchLevel::V205)),
    (0x0f00_0003, Some(ArchLevel::V206)),
    (0x0f10_0003, Some(ArchLevel::V206)),
    (0x0f00_0004, Some(ArchLevel::V207)),
    (0x0f00_0005, Some(ArchLevel::V300)),
    (0x0f00_0006, Some(ArchLevel::V31)),
    (0x0f00_0007, Some(ArchLevel::V31P11)),
    (0x0f00_0008, Some(ArchLevel::V32)),
    // ISA 2.04 is a logical PVR, but not one KVM runs.
    (0x0f00_0001, None),
    (0x0f00_0009, None),
    (0x0f00_0000, None),
    // Raw PVRs of Power9, Power10, Power11.
    (0x004e_1202, None),
    (0x0080_1200, None),
    (0x0082_1200, None),
    (0xffff_ffff, None),
    (0, None),
];

/// Nested API v2: host CPU, `H_GUEST_GET_CAPABILITIES` answer, the
/// `KVM_PPC_COMPAT_CAP_*` bits to report.
pub(crate) const NESTED_V2: &[(HostCpu, u64, u64)] = &[
    // QEMU power10 grants P9, P10.
    (P10, H9 | H10, U9 | U10),
    // QEMU power11 grants P9, P10, P11.
    (P11, H9 | H10 | H11, U9 | U10 | U11),
    // A Power10 L1 cannot run what it is granted beyond Power10.
    (P10, H9 | H10 | H11, U9 | U10),
    // Power10 in Power9 mode: the L1 runs Power9 only.
    (P9, H9 | H10, U9),
    // Unknown bits are dropped, known ones kept.
    (
        P11,
        H_COPY_MEM | H_FUTURE | 1 | H9 | H10 | H11,
        U9 | U10 | U11,
    ),
    (P11, H_COPY_MEM | H_FUTURE, 0),
    (P11, 0, 0),
    (P11, u64::MAX, U9 | U10 | U11),
    // Holes are kept as holes.
    (P11, H9 | H11, U9 | U11),
    // A Power8 runs no mode a nested host can give.
    (P8, H9 | H10 | H11, 0),
];

/// Nested API v1: host CPU, the CPU nodes' `cpu-version`, the
/// `KVM_PPC_COMPAT_CAP_*` bits to report.
pub(crate) const NESTED_V1: &[(HostCpu, &[Option<u32>], u64)] = &[
    (P10, &[Some(0x0f00_0006), Some(0x0f00_0006)], U9 | U10),
    (P9, &[Some(0x0f00_0005), Some(0x0f00_0005)], U9),
    (P11, &[Some(0x0f00_0007)], U9 | U10 | U11),
    // The nodes disagree: the lowest wins.
    (P11, &[Some(0x0f00_0007), Some(0x0f00_0006)], U9 | U10),
    (
        P11,
        &[Some(0x0f00_0006), Some(0x0f00_0007), Some(0x0f00_0005)],
        U9,
    ),
    // Nodes without the property, or with a raw PVR, say nothing.
    (P10, &[None, Some(0x0f00_0006), None], U9 | U10),
    (P10, &[Some(0x0080_1200), Some(0x0f00_0005)], U9),
    // Raw mode: no usable cpu-version, the CPU features decide.
    (P10, &[None, None], U9 | U10),
    (P11, &[Some(0x0082_1200)], U9 | U10 | U11),
    (P9, &[], U9),
    // A host in Power8 mode can give no mode.
    (P10, &[Some(0x0f00_0004)], 0),
    // A level newer than this code knows: every mode the CPU runs.
    (P11, &[Some(0x0f00_0008)], U9 | U10 | U11),
    // What the node says is capped by what the CPU runs.
    (P10, &[Some(0x0f00_0007)], U9 | U10),
];

/// Nested Power10 host granted P9 and P10 (QEMU power10).
const N10: Host = Host::nested(P10, ModeSet::up_to(Mode::Power10));
/// Nested Power10 host in Power9 mode, granted P9.
const N9: Host = Host::nested(P10_AS_P9, ModeSet::of(Mode::Power9));
/// Nested Power9 host, granted P9.
const N9_P9: Host = Host::nested(P9, ModeSet::of(Mode::Power9));
/// Nested Power11 host in Power10 mode, granted P9 and P10 (QEMU power11
/// with max-cpu-compat=power10).
const N11_AS_10: Host = Host::nested(P11_AS_P10, ModeSet::up_to(Mode::Power10));
/// Nested Power11 host in Power10 mode, granted Power10 only (a PowerVM-like
/// grant).
const N11_AS_10_ONLY: Host = Host::nested(P11_AS_P10, ModeSet::of(Mode::Power10));
/// Nested host on a processor this code does not know, granted all.
const N_FUTURE: Host = Host::nested(FUTURE_AS_P11, ModeSet::ALL);
/// Nested Power11 host granted P9, P10 and P11.
const N11: Host = Host::nested(P11, ModeSet::ALL);
/// Nested Power10 host granted nothing.
const N0: Host = Host::nested(P10, ModeSet::EMPTY);
/// A bare-metal Power9.
const B9: Host = Host::bare_metal(P9);
/// A bare-metal Power10.
const B10: Host = Host::bare_metal(P10);
/// A bare-metal Power11.
const B11: Host = Host::bare_metal(P11);

/// `KVM_REG_PPC_ARCH_COMPAT`: host, value written, the guest's PCR or why
/// the value is refused.
pub(crate) const ARCH_COMPAT: &[(Host, u32, Result<u64, Rejected>)] = &[
    // Bare-metal Power10: every level up to its own, as KVM always did.
    (B10, 0, Ok(PCR_RESERVED)),
    (B10, 0x0f00_0006, Ok(PCR_RESERVED)),
    (B10, 0x0f00_0005, Ok(0x10 | PCR_RESERVED)),
    (B10, 0x0f00_0004, Ok(0x18 | PCR_RESERVED)),
    (B10, 0x0f00_0003, Ok(0x1c | PCR_RESERVED)),
    (B10, 0x0f10_0003, Ok(0x1c | PCR_RESERVED)),
    (B10, 0x0f00_0002, Ok(0x1e | PCR_RESERVED)),
    (B10, 0x0f00_0007, Err(Rejected::TooNew)),
    (B10, 0x0f00_0008, Err(Rejected::TooNew)),
    (B10, 0x0f00_0001, Err(Rejected::UnknownPvr)),
    (B10, 0x0080_1200, Err(Rejected::UnknownPvr)),
    // Bare-metal Power11: Power11 and Power10 share the PCR level.
    (B11, 0x0f00_0007, Ok(PCR_RESERVED)),
    (B11, 0x0f00_0006, Ok(PCR_RESERVED)),
    (B9, 0x0f00_0006, Err(Rejected::TooNew)),
    (B9, 0x0f00_0005, Ok(PCR_RESERVED)),
    // Nested, granted P9 and P10 (QEMU power10).
    (N10, 0, Ok(PCR_RESERVED)),
    (N10, 0x0f00_0005, Ok(0x10 | PCR_RESERVED)),
    (N10, 0x0f00_0006, Ok(PCR_RESERVED)),
    (N10, 0x0f00_0007, Err(Rejected::NotGranted)),
    // Older than Power9: never on a nested host (C accepted these on v1).
    (N10, 0x0f00_0004, Err(Rejected::NotGranted)),
    (N10, 0x0f00_0002, Err(Rejected::NotGranted)),
    (N10, 0x0f00_0008, Err(Rejected::NotGranted)),
    (N10, 0x1234_5678, Err(Rejected::UnknownPvr)),
    // Nested, granted P9 only (QEMU power10 in power9 mode).
    (N9, 0x0f00_0005, Ok(PCR_RESERVED)),
    (N9, 0x0f00_0006, Err(Rejected::NotGranted)),
    // Raw mode would give the guest a Power10: not granted.
    (N9, 0, Err(Rejected::RawNotGranted)),
    // A Power9 granted Power9 is in its own mode: raw is granted.
    (N9_P9, 0, Ok(PCR_RESERVED)),
    // Nested Power11, all three granted.
    (N11, 0, Ok(PCR_RESERVED)),
    (N11, 0x0f00_0007, Ok(PCR_RESERVED)),
    (N11, 0x0f00_0005, Ok(0x10 | PCR_RESERVED)),
    // Nested Power11 in Power10 mode (the seed's case): Power10 and
    // Power9, neither Power11 nor raw mode (a Power11).
    (N11_AS_10, 0x0f00_0006, Ok(PCR_RESERVED)),
    (N11_AS_10, 0x0f00_0005, Ok(0x10 | PCR_RESERVED)),
    (N11_AS_10, 0x0f00_0007, Err(Rejected::NotGranted)),
    (N11_AS_10, 0, Err(Rejected::RawNotGranted)),
    // The same granted Power10 only: Power9 goes too.
    (N11_AS_10_ONLY, 0x0f00_0006, Ok(PCR_RESERVED)),
    (N11_AS_10_ONLY, 0x0f00_0005, Err(Rejected::NotGranted)),
    (N11_AS_10_ONLY, 0, Err(Rejected::RawNotGranted)),
    // A processor this code does not know: its raw mode is no mode it can
    // vouch for.
    (N_FUTURE, 0, Err(Rejected::RawNotGranted)),
    (N_FUTURE, 0x0f00_0007, Ok(PCR_RESERVED)),
    // Nothing granted: nothing at all, raw mode included.
    (N0, 0x0f00_0005, Err(Rejected::NotGranted)),
    (N0, 0, Err(Rejected::RawNotGranted)),
];

/// `size` of `KVM_PPC_GET_COMPAT_CAPS` with a 4 KiB page: the tail length
/// or the error.
pub(crate) const SIZES: &[(u64, Result<u64, ArgError>)] = &[
    (0, Err(ArgError::Invalid)),
    (1, Err(ArgError::Invalid)),
    (23, Err(ArgError::Invalid)),
    (24, Ok(0)),
    (25, Ok(1)),
    (32, Ok(8)),
    (4096, Ok(4072)),
    (4097, Err(ArgError::TooBig)),
    (1 << 32, Err(ArgError::TooBig)),
    (u64::MAX, Err(ArgError::TooBig)),
];

/// `flags`: the verdict.
pub(crate) const FLAGS: &[(u64, Result<(), ArgError>)] = &[
    (0, Ok(())),
    (1, Err(ArgError::Invalid)),
    (1 << 63, Err(ArgError::Invalid)),
    (u64::MAX, Err(ArgError::Invalid)),
];

/// `size` passed, `size` written back on success.
pub(crate) const REPLY_SIZES: &[(u64, u64)] = &[(24, 24), (25, 24), (4096, 24)];
