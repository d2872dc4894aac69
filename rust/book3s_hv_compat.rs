// SPDX-License-Identifier: GPL-2.0

//! KVM-HV's CPU compatibility-mode interface on POWER, in Rust.
//!
//! A KVM host that is itself a guest (nested) can give its own guests only the
//! compatibility modes its hypervisor grants. This file learns those modes
//! once, when kvm-hv initialises, and serves them:
//!
//! - the sources, called from `kvmhv_nested_init()` in `book3s_hv_nested.c`:
//!   [`kvmhv_compat_nestedv2_caps`] for nested API v2 (the answer to
//!   `H_GUEST_GET_CAPABILITIES`) and [`kvmhv_compat_nestedv1_caps`] for nested
//!   API v1 (the `cpu-version` of the CPU nodes);
//! - `KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS)` and the VM ioctl
//!   `KVM_PPC_GET_COMPAT_CAPS`: [`kvmppc_compat_caps_available`] and
//!   [`kvmppc_compat_caps_ioctl`], reached from `powerpc.c` through
//!   `struct kvmppc_ops`;
//! - the check of `KVM_SET_ONE_REG(KVM_REG_PPC_ARCH_COMPAT)`:
//!   [`kvmppc_compat_arch_compat_pcr`], from `kvmppc_set_arch_compat()` in
//!   `book3s_hv.c`.
//!
//! The ioctl and the check read the same cached answer, so a mode is reported
//! exactly when it is accepted. The decisions are in [`compat_modes`], which
//! has no kernel dependency; this file reads what they need from the CPU
//! features, the hypervisor, the device tree and user memory.

use kernel::{
    bindings,
    ffi::{c_int, c_long, c_ulong, c_void},
    page::PAGE_SIZE,
    prelude::*,
    sync::SetOnce,
    transmute::{AsBytes, FromBytes},
    uaccess::{UserPtr, UserSlice, UserSliceReader},
};

mod compat_modes;

use compat_modes::{ArgError, Host, HostCpu, Mode, ModeSet};

const __LOG_PREFIX: &[u8] = b"kvm-hv\0";

// Register-sized words (PCR, hcall arguments) pass between `u64` and C's
// `unsigned long` with `as`, which is exact on 64-bit only.
kernel::static_assert!(core::mem::size_of::<c_ulong>() == core::mem::size_of::<u64>());

/// What this host is and which modes it may give, learnt once.
static HOST: SetOnce<Host> = SetOnce::new();

/// The CPU features that decide which levels this host runs, and the
/// processor it is.
fn host_cpu() -> HostCpu {
    let has = |feature: c_ulong| {
        // SAFETY: Reads the boot CPU's feature word, which is set before any
        // module or initcall runs and never changes afterwards.
        unsafe { bindings::early_cpu_has_feature(feature) }
    };
    // SAFETY: Reads the PVR register, which every processor this code runs
    // on has and which nothing changes.
    let pvr = unsafe { bindings::mfpvr() };
    HostCpu {
        native: Mode::from_pvr_version((pvr >> 16) as u16),
        arch_206: has(bindings::CPU_FTR_ARCH_206),
        arch_207s: has(bindings::CPU_FTR_ARCH_207S),
        arch_300: has(bindings::CPU_FTR_ARCH_300),
        arch_31: has(bindings::CPU_FTR_ARCH_31),
        p11_pvr: has(bindings::CPU_FTR_P11_PVR),
        arch_32: has(bindings::CPU_FTR_ARCH_32),
    }
}

/// This host as learnt at init; bare metal when no nested source was set up
/// (KVM is the top-level hypervisor).
fn host() -> Host {
    if let Some(host) = HOST.copy() {
        return host;
    }
    let bare = Host::BareMetal(host_cpu());
    // Losing a race here is harmless: every caller computes the same value.
    HOST.populate(bare);
    bare
}

/// Records a nested host's modes, once.
fn set_nested(source: &str, modes: ModeSet) {
    let cpu = host_cpu();
    if HOST.populate(Host::Nested(cpu, modes)) {
        pr_info!("compat modes from {}: {}\n", source, ModeNames(modes));
    } else {
        pr_warn!("compat modes already set, {} ignored\n", source);
    }
}

/// Prints a mode set as "power9 power10", or "none".
struct ModeNames(ModeSet);

impl kernel::fmt::Display for ModeNames {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let mut sep = "";
        for mode in Mode::ALL.into_iter().filter(|m| self.0.contains(*m)) {
            write!(f, "{sep}{}", mode.name())?;
            sep = " ";
        }
        Ok(())
    }
}

/// A failed hypervisor call: the `H_*` return code.
#[derive(Clone, Copy, Debug)]
struct HcallError(c_long);

/// `H_GUEST_GET_CAPABILITIES`: the capability word of the parent hypervisor
/// (nested API v2). Fails on a hypervisor without nested API v2.
fn guest_get_capabilities() -> core::result::Result<u64, HcallError> {
    let mut caps: c_ulong = 0;
    // SAFETY: `caps` is a valid, writable `unsigned long` for the duration of
    // the call; the wrapper retries busy answers and may sleep, which is
    // allowed in the module-init context this is called from.
    let rc = unsafe { bindings::plpar_guest_get_capabilities(0, &mut caps) };
    if rc == bindings::H_SUCCESS as c_long {
        Ok(caps as u64)
    } else {
        Err(HcallError(rc))
    }
}

/// The `device_node`s of type "cpu", each held while it is the current one.
struct CpuNodes {
    node: *mut bindings::device_node,
    started: bool,
}

impl CpuNodes {
    fn new() -> Self {
        CpuNodes {
            node: core::ptr::null_mut(),
            started: false,
        }
    }

    /// Advances to the next CPU node; `false` at the end.
    fn advance(&mut self) -> bool {
        if self.started && self.node.is_null() {
            return false;
        }
        self.started = true;
        // SAFETY: `self.node` is null or a node this iterator holds a
        // reference to; `of_find_node_by_type()` drops that reference and
        // returns the next node with a reference taken, or null.
        self.node = unsafe { bindings::of_find_node_by_type(self.node, c"cpu".as_char_ptr()) };
        !self.node.is_null()
    }

    /// The current node's `cpu-version`, if it has one.
    fn cpu_version(&self) -> Option<u32> {
        let mut value: u32 = 0;
        // SAFETY: `self.node` is a node this iterator holds a reference to,
        // the property name is NUL-terminated and `value` has room for the
        // one cell asked for.
        let ret = unsafe {
            bindings::of_property_read_variable_u32_array(
                self.node,
                c"cpu-version".as_char_ptr(),
                &mut value,
                1,
                0,
            )
        };
        (ret == 1).then_some(value)
    }
}

impl Drop for CpuNodes {
    fn drop(&mut self) {
        // SAFETY: `self.node` is null or a node this iterator holds a
        // reference to, which is given back here.
        unsafe { bindings::of_node_put(self.node) };
    }
}

/// Learns the modes of a nested API v2 host and returns the capability word to
/// set with `H_GUEST_SET_CAPABILITIES`.
///
/// Returns the hcall's return code: `H_SUCCESS` when the parent hypervisor
/// implements nested API v2; anything else means it does not, and the caller
/// falls back to nested API v1.
///
/// # Safety
///
/// `capabilities` must be valid for writing an `unsigned long`. Called once,
/// from `kvmhv_nested_init()`.
#[export]
pub unsafe extern "C" fn kvmhv_compat_nestedv2_caps(capabilities: *mut c_ulong) -> c_long {
    match guest_get_capabilities() {
        Ok(caps) => {
            let modes = compat_modes::nested_v2_modes(host_cpu(), caps);
            set_nested("H_GUEST_GET_CAPABILITIES", modes);
            // SAFETY: The caller guarantees that `capabilities` is writable.
            unsafe { *capabilities = modes.to_hcall() as c_ulong };
            bindings::H_SUCCESS as c_long
        }
        Err(HcallError(rc)) => rc,
    }
}

/// Learns the modes of a nested API v1 host from its CPU nodes and returns
/// them as `H_GUEST_CAP_*` bits, as [`kvmhv_compat_nestedv2_caps`] does.
///
/// # Safety
///
/// Always safe to call; called once, from `kvmhv_nested_init()`, after the
/// parent hypervisor has accepted the partition table (`H_SET_PARTITION_TABLE`).
// Required to be unsafe due to the `#[export]` annotation.
#[export]
pub unsafe extern "C" fn kvmhv_compat_nestedv1_caps() -> c_ulong {
    let mut nodes = CpuNodes::new();
    let versions = core::iter::from_fn(|| nodes.advance().then(|| nodes.cpu_version()));
    let modes = compat_modes::nested_v1_modes(host_cpu(), versions);
    set_nested("cpu-version", modes);
    modes.to_hcall() as c_ulong
}

/// Whether `KVM_PPC_GET_COMPAT_CAPS` answers on this host: on a nested host.
///
/// # Safety
///
/// Always safe to call.
// Required to be unsafe due to the `#[export]` annotation.
#[export]
pub unsafe extern "C" fn kvmppc_compat_caps_available() -> bool {
    host().reported().is_some()
}

/// The checked `KVM_REG_PPC_ARCH_COMPAT` value: on success the guest's
/// processor compatibility register is written to `pcr`; a value this host
/// may not run gives `-EINVAL` and leaves `pcr` alone. Also asked, with the
/// vcpu's value, before a nested host runs a vcpu in raw mode (0).
///
/// # Safety
///
/// `pcr` must be valid for writing an `unsigned long`.
#[export]
pub unsafe extern "C" fn kvmppc_compat_arch_compat_pcr(
    arch_compat: u32,
    pcr: *mut c_ulong,
) -> c_int {
    match host().arch_compat_pcr(arch_compat) {
        Ok(value) => {
            // SAFETY: The caller guarantees that `pcr` is writable.
            unsafe { *pcr = value as c_ulong };
            0
        }
        Err(_) => EINVAL.to_errno(),
    }
}

/// `struct kvm_ppc_compat_caps` as user space sees it.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CompatCaps {
    size: u64,
    flags: u64,
    compat_capabilities: u64,
}

kernel::static_assert!(core::mem::size_of::<CompatCaps>() as u64 == compat_modes::uapi::SIZE_VER0);
kernel::static_assert!(
    core::mem::size_of::<CompatCaps>() == core::mem::size_of::<bindings::kvm_ppc_compat_caps>()
);

// SAFETY: `CompatCaps` is three `u64`s with no padding; any bit pattern is a
// valid value.
unsafe impl FromBytes for CompatCaps {}
// SAFETY: `CompatCaps` is three `u64`s with no padding, so every byte is
// initialised.
unsafe impl AsBytes for CompatCaps {}

const SIZE_FIELD: usize = core::mem::size_of::<u64>();
const KERNEL_SIZE: usize = core::mem::size_of::<CompatCaps>();

impl From<ArgError> for Error {
    fn from(e: ArgError) -> Error {
        match e {
            ArgError::Invalid => EINVAL,
            ArgError::TooBig => E2BIG,
        }
    }
}

/// Chunk of the tail read at once: a divisor of every page size, so that an
/// aligned chunk never straddles a page boundary.
const TAIL_CHUNK: usize = 64;

/// Whether the next `len` bytes of `reader`, which start at user address
/// `addr`, are all zero.
///
/// Reads in order and stops at the first non-zero chunk, in chunks aligned
/// to [`TAIL_CHUNK`], as `check_zeroed_user()` does with words: a non-zero
/// byte before an unreadable page is found (`E2BIG`) rather than the page
/// fault behind it (`EFAULT`).
fn is_zeroed(reader: &mut UserSliceReader, addr: usize, mut len: usize) -> Result<bool> {
    let mut buf = [0u8; TAIL_CHUNK];
    let mut n = TAIL_CHUNK - addr % TAIL_CHUNK;
    while len > 0 {
        let chunk = buf.get_mut(..n.min(len)).ok_or(EINVAL)?;
        reader.read_slice(chunk)?;
        if chunk.iter().any(|b| *b != 0) {
            return Ok(false);
        }
        len -= chunk.len();
        n = TAIL_CHUNK;
    }
    Ok(true)
}

/// `KVM_PPC_GET_COMPAT_CAPS`, with the size-versioned struct contract of
/// `copy_struct_from_user()`: the size is read first, a larger struct is
/// accepted when its tail is zero, a dirty tail is refused with `E2BIG`
/// after the kernel's size is written back.
fn get_compat_caps(argp: UserPtr) -> Result {
    let size = UserSlice::new(argp, SIZE_FIELD).reader().read::<u64>()?;
    let tail = compat_modes::check_size(size, PAGE_SIZE as u64)?;
    // Both are at most a page by now.
    let size = usize::try_from(size).map_err(|_| E2BIG)?;
    let tail = usize::try_from(tail).map_err(|_| E2BIG)?;

    let (mut reader, mut writer) = UserSlice::new(argp, size).reader_writer();
    // `size` was read above; each byte is read once.
    reader.skip(SIZE_FIELD)?;
    // `flags` and `compat_capabilities` (an input of no meaning), at once.
    let [flags, _] = reader.read::<[u64; 2]>()?;
    let tail_addr = argp.as_const_ptr().addr().wrapping_add(KERNEL_SIZE);
    let tail_is_zero = is_zeroed(&mut reader, tail_addr, tail)?;

    if let Err(e) = compat_modes::check_request(tail_is_zero, flags) {
        if e == ArgError::TooBig {
            // Tell user space the size this kernel knows.
            writer.write(&(KERNEL_SIZE as u64))?;
        }
        return Err(e.into());
    }

    let modes = host().reported().ok_or(EINVAL)?;
    let reply = CompatCaps {
        size: compat_modes::reply_size(size as u64),
        flags: 0,
        compat_capabilities: modes.to_uapi(),
    };
    writer.write(&reply)?;
    // Zero the tail past the kernel's struct, as copy_struct_to_user() does.
    let zeros = [0u8; 64];
    while !writer.is_empty() {
        let n = writer.len().min(zeros.len());
        writer.write_slice(zeros.get(..n).ok_or(EINVAL)?)?;
    }
    Ok(())
}

/// The `KVM_PPC_GET_COMPAT_CAPS` VM ioctl: 0 or a negative errno.
///
/// # Safety
///
/// `argp` is the ioctl's user-space argument; it is only ever accessed
/// through the user-copy functions, so any value is safe.
#[export]
pub unsafe extern "C" fn kvmppc_compat_caps_ioctl(argp: *mut c_void) -> c_long {
    match get_compat_caps(UserPtr::from_ptr(argp)) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

// Keep the architecture's numbers of `compat_modes` equal to the C headers'.
kernel::static_assert!(compat_modes::pvr::ARCH_205 == bindings::PVR_ARCH_205);
kernel::static_assert!(compat_modes::pvr::ARCH_206 == bindings::PVR_ARCH_206);
kernel::static_assert!(compat_modes::pvr::ARCH_206P == bindings::PVR_ARCH_206p);
kernel::static_assert!(compat_modes::pvr::ARCH_207 == bindings::PVR_ARCH_207);
kernel::static_assert!(compat_modes::pvr::ARCH_300 == bindings::PVR_ARCH_300);
kernel::static_assert!(compat_modes::pvr::ARCH_31 == bindings::PVR_ARCH_31);
kernel::static_assert!(compat_modes::pvr::ARCH_31_P11 == bindings::PVR_ARCH_31_P11);
kernel::static_assert!(compat_modes::pvr::ARCH_32 == bindings::PVR_ARCH_32);
kernel::static_assert!(compat_modes::pvr_version::POWER9 as u32 == bindings::PVR_POWER9);
kernel::static_assert!(compat_modes::pvr_version::POWER10 as u32 == bindings::PVR_POWER10);
kernel::static_assert!(compat_modes::pvr_version::POWER11 as u32 == bindings::PVR_POWER11);
kernel::static_assert!(compat_modes::pcr::ARCH_205 == bindings::PCR_ARCH_205 as u64);
kernel::static_assert!(compat_modes::pcr::ARCH_206 == bindings::PCR_ARCH_206 as u64);
kernel::static_assert!(compat_modes::pcr::ARCH_207 == bindings::PCR_ARCH_207 as u64);
kernel::static_assert!(compat_modes::pcr::ARCH_300 == bindings::PCR_ARCH_300 as u64);
kernel::static_assert!(compat_modes::pcr::ARCH_31 == bindings::PCR_ARCH_31 as u64);
kernel::static_assert!(compat_modes::pcr::MASK == bindings::PCR_MASK as u64);
kernel::static_assert!(compat_modes::uapi::CAP_POWER9 == bindings::KVM_PPC_COMPAT_CAP_POWER9);
kernel::static_assert!(compat_modes::uapi::CAP_POWER10 == bindings::KVM_PPC_COMPAT_CAP_POWER10);
kernel::static_assert!(compat_modes::uapi::CAP_POWER11 == bindings::KVM_PPC_COMPAT_CAP_POWER11);
kernel::static_assert!(compat_modes::hcall::CAP_POWER9 == bindings::H_GUEST_CAP_POWER9);
kernel::static_assert!(compat_modes::hcall::CAP_POWER10 == bindings::H_GUEST_CAP_POWER10);
kernel::static_assert!(compat_modes::hcall::CAP_POWER11 == bindings::H_GUEST_CAP_POWER11);

#[cfg(CONFIG_KVM_BOOK3S_HV_COMPAT_KUNIT_TEST)]
#[kunit_tests(kvm_hv_compat)]
mod tests {
    use super::compat_modes::{
        cases, check_request, check_size, nested_v1_modes, nested_v2_modes, reply_size, ArchLevel,
    };
    use kernel::prelude::*;

    /// Logs which case differs before the (terse) KUnit assertion fails.
    macro_rules! check {
        ($case:expr, $got:expr, $want:expr) => {{
            let (got, want) = ($got, $want);
            if got != want {
                pr_err!("case {}: got {:?}, want {:?}\n", $case, got, want);
            }
            assert_eq!(got, want);
        }};
    }

    #[test]
    fn logical_pvr_levels() {
        for (i, &(pvr, level)) in cases::PVRS.iter().enumerate() {
            check!(i, ArchLevel::from_logical_pvr(pvr), level);
        }
    }

    #[test]
    fn nested_v2_reported_modes() {
        for (i, &(cpu, answer, want)) in cases::NESTED_V2.iter().enumerate() {
            check!(i, nested_v2_modes(cpu, answer).to_uapi(), want);
        }
    }

    #[test]
    fn nested_v1_reported_modes() {
        for (i, &(cpu, versions, want)) in cases::NESTED_V1.iter().enumerate() {
            check!(
                i,
                nested_v1_modes(cpu, versions.iter().copied()).to_uapi(),
                want
            );
        }
    }

    #[test]
    fn arch_compat_verdicts() {
        for (i, &(host, value, want)) in cases::ARCH_COMPAT.iter().enumerate() {
            check!(i, host.arch_compat_pcr(value), want);
        }
    }

    #[test]
    fn ioctl_argument_verdicts() {
        for (i, &(size, want)) in cases::SIZES.iter().enumerate() {
            check!(i, check_size(size, 4096), want);
        }
        for (i, &(zero, flags, want)) in cases::REQUESTS.iter().enumerate() {
            check!(i, check_request(zero, flags), want);
        }
        for (i, &(size, want)) in cases::REPLY_SIZES.iter().enumerate() {
            check!(i, reply_size(size), want);
        }
    }
}
