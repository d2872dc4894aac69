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
//! features, the hypervisor, the device tree and user memory, through the
//! kernel crate's `powerpc`, `of` and `uaccess` modules.

use kernel::{
    bindings,
    ffi::{
        c_long,
        c_ulong,
        c_void, //
    },
    of,
    page::PAGE_SIZE,
    powerpc::{
        hcall,
        CpuFeature,
        Pvr, //
    },
    prelude::*,
    sync::SetOnce,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceWriter, //
    },
};

mod compat_modes;

use compat_modes::{
    Answers,
    ArgError,
    Host,
    HostCpu,
    Mode, //
};

// The prefix of `pr_*!` messages, which `module!` would define; this file is linked into kvm-hv,
// a C module, and has none.
const __LOG_PREFIX: &[u8] = b"kvm-hv\0";

// Register-sized words (PCR, hcall arguments) pass between `u64` and C's
// `unsigned long` with `as`, which is exact on 64-bit only.
kernel::static_assert!(core::mem::size_of::<c_ulong>() == core::mem::size_of::<u64>());

/// What this host answers, decided once, when kvm-hv initialises: always
/// before the first VM.
static ANSWERS: SetOnce<Answers> = SetOnce::new();

/// The CPU features that decide which levels this host runs, and the
/// processor it is.
fn host_cpu() -> HostCpu {
    HostCpu {
        native: Mode::from_pvr_version(Pvr::read().version()),
        arch_206: CpuFeature::ARCH_206.is_present(),
        arch_207s: CpuFeature::ARCH_207S.is_present(),
        arch_300: CpuFeature::ARCH_300.is_present(),
        arch_31: CpuFeature::ARCH_31.is_present(),
        p11_pvr: CpuFeature::P11_PVR.is_present(),
        arch_32: CpuFeature::ARCH_32.is_present(),
    }
}

/// This host's answers as decided at init; `None` before that, when no VM
/// can exist yet. Inline: the ioctl and `SET_ONE_REG` read them on every
/// call, and with nothing to compute they need no stack frame.
#[inline]
fn answers() -> Option<&'static Answers> {
    ANSWERS.as_ref()
}

/// Records this host's answers, once; `source` names where its modes came
/// from.
fn record(source: &str, host: Host) {
    if !ANSWERS.populate(Answers::new(host)) {
        pr_warn!("compat modes already set, the later source ignored\n");
    } else if let Some(modes) = host.reported() {
        pr_info!("compat modes from {}: {}\n", source, modes.names());
    }
}

/// Records a host that is not nested: KVM is the top-level hypervisor, and
/// a guest may run at any level the processor runs.
///
/// # Safety
///
/// Always safe to call; called once, from `kvmhv_nested_init()`, on a host
/// that does not run under a hypervisor.
// Required to be unsafe due to the `#[export]` annotation.
#[export]
pub unsafe extern "C" fn kvmhv_compat_bare_metal() {
    record("the processor", Host::bare_metal(host_cpu()));
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
    match hcall::guest_get_capabilities() {
        Ok(caps) => {
            let cpu = host_cpu();
            let modes = compat_modes::nested_v2_modes(cpu, caps);
            record("H_GUEST_GET_CAPABILITIES", Host::nested(cpu, modes));
            // SAFETY: The caller guarantees that `capabilities` is writable.
            unsafe { *capabilities = modes.to_hcall() as c_ulong };
            H_SUCCESS
        }
        Err(e) => e.code(),
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
    // Every node of type "cpu", as the C side's for_each_node_by_type().
    let mut versions = compat_modes::CpuVersions::default();
    for cpu in of::Node::find_by_type(c"cpu") {
        versions.add(cpu.fwnode().property_read::<u32>(c"cpu-version").optional());
    }
    let cpu = host_cpu();
    let modes = versions.modes(cpu);
    record("cpu-version", Host::nested(cpu, modes));
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
    answers().and_then(Answers::reported).is_some()
}

/// The check of a `KVM_REG_PPC_ARCH_COMPAT` value: the guest's processor
/// compatibility register when this host may run it, 0 when not (an
/// accepted value is never 0: it holds the register's reserved bits), and
/// for any value before kvm-hv's init. Also asked, with the vcpu's value,
/// before a nested host runs a vcpu in raw mode (0).
///
/// # Safety
///
/// Always safe to call.
// Required to be unsafe due to the `#[export]` annotation.
#[export]
pub unsafe extern "C" fn kvmppc_compat_arch_compat_pcr(arch_compat: u32) -> c_ulong {
    answers()
        .and_then(|answers| answers.arch_compat_pcr(arch_compat))
        .map_or(0, |pcr| pcr.get() as c_ulong)
}

/// `struct kvm_ppc_compat_caps` as user space sees it.
#[repr(C)]
#[derive(Clone, Copy)]
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

/// `KVM_PPC_GET_COMPAT_CAPS`: the size is read first and checked, then the
/// struct of that size as a size-versioned struct (`copy_struct_from_user()`):
/// a larger one is accepted when its tail is zero, a dirty tail is refused
/// with `E2BIG` after the kernel's size is written back. The answer is
/// written the same way (`copy_struct_to_user()`).
fn get_compat_caps(argp: UserPtr) -> Result {
    let size = UserSlice::new(argp, SIZE_FIELD).reader().read_u64()?;
    compat_modes::check_size(size, PAGE_SIZE as u64)?;
    // At most a page by now.
    let size = usize::try_from(size).map_err(|_| E2BIG)?;

    let (mut reader, mut writer) = UserSlice::new(argp, size).reader_writer();
    let request = match reader.read_versioned::<CompatCaps>() {
        Err(e) if e == E2BIG => return Err(refuse_larger(writer)),
        request => request?,
    };
    // `compat_capabilities` is an input of no meaning.
    compat_modes::check_flags(request.flags)?;

    let Some(modes) = answers().and_then(Answers::reported) else {
        return Err(EINVAL);
    };
    let reply = CompatCaps {
        size: compat_modes::reply_size(size as u64),
        flags: 0,
        compat_capabilities: modes,
    };
    writer.write_versioned(&reply)?;
    Ok(())
}

/// Refuses a struct larger than the kernel's whose tail is not zero: writes the
/// size this kernel knows to its `size` field, and returns `E2BIG` (`EFAULT`
/// if that write fails). Out of line: the ioctl's common path does not need it.
#[cold]
fn refuse_larger(mut writer: UserSliceWriter) -> Error {
    match writer.write(&(KERNEL_SIZE as u64)) {
        Ok(()) => E2BIG,
        Err(e) => e,
    }
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

/// `H_SUCCESS`, as `kvmhv_compat_nestedv2_caps` returns it.
const H_SUCCESS: c_long = 0;
kernel::static_assert!(H_SUCCESS == bindings::H_SUCCESS as c_long);

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
        cases,
        check_flags,
        check_size,
        nested_v1_modes,
        nested_v2_modes,
        reply_size,
        Answers,
        ArchLevel, //
    };
    use core::num::NonZeroU64;
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
            // As decided at init, what the driver reads.
            let answer = Answers::new(host).arch_compat_pcr(value);
            check!(i, answer.map(NonZeroU64::get), want.ok());
        }
    }

    #[test]
    fn ioctl_argument_verdicts() {
        for (i, &(size, want)) in cases::SIZES.iter().enumerate() {
            check!(i, check_size(size, 4096), want);
        }
        for (i, &(flags, want)) in cases::FLAGS.iter().enumerate() {
            check!(i, check_flags(flags), want);
        }
        for (i, &(size, want)) in cases::REPLY_SIZES.iter().enumerate() {
            check!(i, reply_size(size), want);
        }
    }
}
