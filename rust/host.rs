// SPDX-License-Identifier: GPL-2.0

//! Host build of `compat_modes.rs` for `cargo test`. The kernel builds the
//! same file as a module of `book3s_hv_compat.rs`; here nothing outside the
//! tests uses it.
#![allow(dead_code)]

mod compat_modes;

#[cfg(test)]
mod host_tests;
