// SPDX-License-Identifier: GPL-2.0

//! `cargo test` of `compat_modes.rs`: the hand-written cases shared with the
//! KUnit suite, then exhaustive checks of the invariants over every input
//! that matters.

use core::num::NonZeroU64;

use crate::compat_modes::{
    cases,
    check_flags,
    check_size,
    nested_v1_modes,
    nested_v2_modes,
    reply_size,
    Answers,
    ArchLevel,
    ArgError,
    Host,
    HostCpu,
    Mode,
    ModeSet,
    Rejected, //
};

#[test]
fn logical_pvr_levels() {
    for (i, &(pvr, level)) in cases::PVRS.iter().enumerate() {
        assert_eq!(
            ArchLevel::from_logical_pvr(pvr),
            level,
            "case {i}: {pvr:#x}"
        );
    }
}

#[test]
fn nested_v2_reported_modes() {
    for (i, &(cpu, answer, want)) in cases::NESTED_V2.iter().enumerate() {
        assert_eq!(nested_v2_modes(cpu, answer).to_uapi(), want, "case {i}");
    }
}

#[test]
fn nested_v1_reported_modes() {
    for (i, &(cpu, versions, want)) in cases::NESTED_V1.iter().enumerate() {
        let got = nested_v1_modes(cpu, versions.iter().copied()).to_uapi();
        assert_eq!(got, want, "case {i}: {versions:x?}");
    }
}

#[test]
fn arch_compat_verdicts() {
    for (i, &(host, value, want)) in cases::ARCH_COMPAT.iter().enumerate() {
        assert_eq!(host.arch_compat_pcr(value), want, "case {i}: {value:#x}");
        let answer = Answers::new(host).arch_compat_pcr(value);
        assert_eq!(
            answer.map(NonZeroU64::get),
            want.ok(),
            "case {i}: {value:#x}"
        );
    }
}

#[test]
fn ioctl_argument_verdicts() {
    for (i, &(size, want)) in cases::SIZES.iter().enumerate() {
        assert_eq!(check_size(size, 4096), want, "case {i}");
    }
    for (i, &(flags, want)) in cases::FLAGS.iter().enumerate() {
        assert_eq!(check_flags(flags), want, "case {i}");
    }
    for (i, &(size, want)) in cases::REPLY_SIZES.iter().enumerate() {
        assert_eq!(reply_size(size), want, "case {i}");
    }
}

/// Every combination of the six CPU feature flags, on every processor
/// (PVR version) a nested host can be, and an unknown one.
fn all_cpus() -> impl Iterator<Item = HostCpu> {
    let natives = [
        None,
        Some(Mode::Power9),
        Some(Mode::Power10),
        Some(Mode::Power11),
    ];
    natives.into_iter().flat_map(|native| {
        (0u8..64).map(move |b| HostCpu {
            native,
            arch_206: b & 1 != 0,
            arch_207s: b & 2 != 0,
            arch_300: b & 4 != 0,
            arch_31: b & 8 != 0,
            p11_pvr: b & 16 != 0,
            arch_32: b & 32 != 0,
        })
    })
}

/// Every mode set.
fn all_sets() -> impl Iterator<Item = ModeSet> {
    (0u64..8).map(|b| {
        let hcall = [cases::H9, cases::H10, cases::H11]
            .iter()
            .enumerate()
            .filter(|(i, _)| b & (1 << i) != 0)
            .fold(0, |acc, (_, bit)| acc | bit);
        ModeSet::from_hcall(hcall)
    })
}

/// The logical PVRs, the values around them and a spread of others.
fn interesting_pvrs() -> impl Iterator<Item = u32> {
    (0x0f00_0000u32..=0x0f00_00ff)
        .chain(0x0f10_0000..=0x0f10_00ff)
        .chain((0..=u32::MAX).step_by(65_521))
        .chain([0, 1, u32::MAX, 0x004e_1202, 0x0080_1200, 0x0082_1200])
}

/// The project's invariant on a nested host: a value is accepted exactly when
/// it is the logical PVR of a reported mode, or 0 (raw mode) and the
/// processor's own mode is reported. Every CPU, every set.
#[test]
fn nested_reported_iff_accepted() {
    let mut checked = 0u64;
    for cpu in all_cpus() {
        for granted in all_sets() {
            // What init would have cached: the grant restricted to the CPU.
            let modes = granted.intersection(cpu.runnable());
            let host = Host::nested(cpu, modes);
            assert_eq!(
                host.reported(),
                Some(modes),
                "a nested host reports its set"
            );
            let reported = modes;
            for pvr in interesting_pvrs() {
                let reported_mode = Mode::ALL
                    .into_iter()
                    .any(|m| m.logical_pvr() == pvr && reported.contains(m));
                let accepted = host.arch_compat_pcr(pvr).is_ok();
                let raw_granted = cpu.native.is_some_and(|m| reported.contains(m));
                assert_eq!(
                    accepted,
                    (pvr == 0 && raw_granted) || reported_mode,
                    "{cpu:?} {modes:?} {pvr:#x}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1_000_000);
}

/// The answers decided at init are the verdicts: the same modes reported and,
/// for every value, the same PCR or the same refusal. Every CPU, bare metal
/// and nested with every set.
#[test]
fn answers_are_the_verdicts() {
    for cpu in all_cpus() {
        let hosts = all_sets()
            .map(|granted| Host::nested(cpu, granted.intersection(cpu.runnable())))
            .chain([Host::bare_metal(cpu)]);
        for host in hosts {
            let answers = Answers::new(host);
            assert_eq!(
                answers.reported(),
                host.reported().map(ModeSet::to_uapi),
                "{host:?}"
            );
            for pvr in interesting_pvrs() {
                let want = host.arch_compat_pcr(pvr).ok();
                assert_eq!(
                    answers.arch_compat_pcr(pvr).map(NonZeroU64::get),
                    want,
                    "{host:?} {pvr:#x}"
                );
                assert_ne!(want, Some(0), "{host:?} {pvr:#x}: 0 is no PCR");
            }
        }
    }
}

/// What a nested host reports never exceeds what its CPU runs, and the v2
/// answer's unknown bits never matter.
#[test]
fn nested_v2_masks_unknown_and_unrunnable() {
    let known = cases::H9 | cases::H10 | cases::H11;
    for cpu in all_cpus() {
        for answer in (0u64..256).map(|b| b << 56).chain([u64::MAX, 1, 0x00ff]) {
            let modes = nested_v2_modes(cpu, answer);
            assert_eq!(modes.intersection(cpu.runnable()), modes);
            assert_eq!(modes, nested_v2_modes(cpu, answer & known));
        }
    }
}

/// Bare metal: accepted exactly up to the host's own level, and the PCR
/// value turns off every level between the guest's and the host's.
#[test]
fn bare_metal_levels() {
    let levels = [
        (0x0f00_0002, 0x02u64),
        (0x0f00_0003, 0x04),
        (0x0f10_0003, 0x04),
        (0x0f00_0004, 0x08),
        (0x0f00_0005, 0x10),
        (0x0f00_0006, 0x20),
        (0x0f00_0007, 0x20),
        (0x0f00_0008, 0x40),
    ];
    for cpu in all_cpus() {
        let host_bit = cpu.level().pcr_bit();
        for (pvr, bit) in levels {
            let want = if bit > host_bit || (pvr == 0x0f00_0007 && !cpu.p11_pvr) {
                Err(Rejected::TooNew)
            } else {
                Ok((host_bit - bit) | cases::PCR_RESERVED)
            };
            assert_eq!(
                Host::bare_metal(cpu).arch_compat_pcr(pvr),
                want,
                "{cpu:?} {pvr:#x}"
            );
        }
    }
}

/// The cpu-version of any node can only lower what v1 reports.
#[test]
fn nested_v1_lowest_wins() {
    let values = [
        None,
        Some(0x0f00_0004),
        Some(0x0f00_0005),
        Some(0x0f00_0006),
        Some(0x0f00_0007),
        Some(0x0f00_0008),
        Some(0x0080_1200),
    ];
    for cpu in all_cpus() {
        for a in values {
            for b in values {
                let both = nested_v1_modes(cpu, [a, b]);
                let alone_a = nested_v1_modes(cpu, [a]);
                let alone_b = nested_v1_modes(cpu, [b]);
                assert_eq!(both.intersection(alone_a), both);
                assert_eq!(both.intersection(alone_b), both);
                assert!(both == alone_a || both == alone_b, "{a:x?} {b:x?}");
            }
        }
    }
}

/// Every size up to two pages past PAGE_SIZE, for 4 KiB and 64 KiB pages.
#[test]
fn sizes_exhaustive() {
    for page in [4096u64, 65536] {
        for size in 0..=page + 8192 {
            let want = if size > page {
                Err(ArgError::TooBig)
            } else if size < 24 {
                Err(ArgError::Invalid)
            } else {
                Ok(size - 24)
            };
            assert_eq!(check_size(size, page), want, "{size}");
        }
    }
}

/// The name QEMU's `max-cpu-compat` uses for `mode`, written out here
/// rather than taken from the code under test.
fn qemu_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Power9 => "power9",
        Mode::Power10 => "power10",
        Mode::Power11 => "power11",
    }
}

#[test]
fn mode_set_names() {
    use Mode::*;
    let of = ModeSet::of;
    for (set, want) in [
        (ModeSet::EMPTY, "none"),
        (of(Power9), "power9"),
        (of(Power10), "power10"),
        (of(Power11), "power11"),
        (ModeSet::up_to(Power10), "power9 power10"),
        (of(Power9).union(of(Power11)), "power9 power11"),
        (of(Power10).union(of(Power11)), "power10 power11"),
        (ModeSet::ALL, "power9 power10 power11"),
    ] {
        assert_eq!(set.names(), want, "{set:?}");
    }
    // Every set: the QEMU names of its modes, oldest first.
    for set in all_sets() {
        let joined: Vec<&str> = Mode::ALL
            .into_iter()
            .filter(|m| set.contains(*m))
            .map(qemu_name)
            .collect();
        let want = if joined.is_empty() {
            "none".to_string()
        } else {
            joined.join(" ")
        };
        assert_eq!(set.names(), want, "{set:?}");
    }
}

#[test]
fn arch_levels_ordered_by_pcr_bit() {
    // The lowest level wins on nested API v1 by this order: the PCR bit, and
    // Power11 after Power10, which share theirs.
    let key = |l: ArchLevel| (l.pcr_bit(), l == ArchLevel::V31P11);
    for a in ArchLevel::ALL {
        for b in ArchLevel::ALL {
            assert_eq!(a < b, key(a) < key(b), "{a:?} {b:?}");
            assert_eq!(a == b, key(a) == key(b), "{a:?} {b:?}");
        }
    }
}

#[test]
fn mode_level_is_its_logical_pvr_level() {
    for mode in Mode::ALL {
        assert_eq!(
            ArchLevel::from_logical_pvr(mode.logical_pvr()),
            Some(mode.level()),
            "{mode:?}"
        );
        assert_eq!(mode.level().mode(), Some(mode), "{mode:?}");
    }
}
