// SPDX-License-Identifier: GPL-2.0
/*
 * make prove-checkers only, never part of the series: one planted bug for
 * each kind of kernel report that scripts/run.py fails a boot on, to show
 * that the checker behind it is on and that the runner names its report.
 *
 * kpc_prove=KIND on the kernel command line picks the bug; the first
 * KVM_PPC_GET_COMPAT_CAPS of the boot plants it, once (but "refuse", a
 * bug of the interface itself, below). Each bug leaves a
 * mark in its report (this file's name, a lock's name, the function that
 * leaks, an address) by which make prove-checkers tells it from a report
 * that something else caused.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/kvm_ppc.h>
#include <asm/reg.h>

static char kpc_prove_kind[32];
static atomic_t kpc_prove_planted = ATOMIC_INIT(0);

static int __init kpc_prove_setup(char *str)
{
	strscpy(kpc_prove_kind, str, sizeof(kpc_prove_kind));
	return 1;
}
__setup("kpc_prove=", kpc_prove_setup);

static DEFINE_SPINLOCK(kpc_prove_lock_a);
static DEFINE_SPINLOCK(kpc_prove_lock_b);

/*
 * Allocations whose addresses are lost. Several: a stale copy of the last
 * one's address can stay in a register or on this task's stack, where
 * kmemleak's conservative scan finds it and reports nothing; the ones
 * before it are overwritten.
 */
#define KPC_PROVE_LEAK_SIZE	333
#define KPC_PROVE_LEAKS		4

static noinline void kpc_prove_leak(void)
{
	int i;

	for (i = 0; i < KPC_PROVE_LEAKS; i++) {
		char *p = kmalloc(KPC_PROVE_LEAK_SIZE, GFP_KERNEL);

		if (p)
			memset(p, 0x5a, KPC_PROVE_LEAK_SIZE);
	}
}

/* An int shifted by more than its width: UBSAN's shift-out-of-bounds. */
static noinline int kpc_prove_shift(int by)
{
	return 1 << by;
}

/* An address in the first page, which is never mapped: an Oops. */
#define KPC_PROVE_BAD_ADDR	0x7a0UL

static noinline int kpc_prove_read(unsigned long addr)
{
	return READ_ONCE(*(int *)addr);
}

static DECLARE_FAULT_ATTR(kpc_prove_fault);

void kpc_prove_plant(void)
{
	const char *kind = kpc_prove_kind;
	/* More than an int's width, and not known when compiling. */
	int by = 32 + strlen(kind);

	if (!kind[0] || atomic_xchg(&kpc_prove_planted, 1))
		return;
	pr_info("kpc_prove: planting %s\n", kind);
	if (!strcmp(kind, "warning")) {
		WARN(1, "kpc_prove: a planted warning\n");
	} else if (!strcmp(kind, "bug")) {
		BUG();
	} else if (!strcmp(kind, "oops")) {
		kpc_prove_read(KPC_PROVE_BAD_ADDR);
	} else if (!strcmp(kind, "ubsan")) {
		pr_info("kpc_prove: 1 << %d = %d\n", by, kpc_prove_shift(by));
	} else if (!strcmp(kind, "lockdep")) {
		/* a then b, then b then a: an inverted lock order. */
		spin_lock(&kpc_prove_lock_a);
		spin_lock(&kpc_prove_lock_b);
		spin_unlock(&kpc_prove_lock_b);
		spin_unlock(&kpc_prove_lock_a);
		spin_lock(&kpc_prove_lock_b);
		spin_lock(&kpc_prove_lock_a);
		spin_unlock(&kpc_prove_lock_a);
		spin_unlock(&kpc_prove_lock_b);
	} else if (!strcmp(kind, "atomic-sleep")) {
		spin_lock(&kpc_prove_lock_a);
		might_sleep();
		spin_unlock(&kpc_prove_lock_a);
	} else if (!strcmp(kind, "kmemleak")) {
		kpc_prove_leak();
	} else if (!strcmp(kind, "fault-injection")) {
		/* Not a bug: a report the runner must let through. */
		kpc_prove_fault.probability = 100;
		pr_info("kpc_prove: should_fail() = %d\n",
			should_fail(&kpc_prove_fault, 1));
	} else if (!strcmp(kind, "refuse")) {
		/* Planted in kpc_prove_refuses(), at every call. */
	} else {
		pr_info("kpc_prove: nothing planted for %s\n", kind);
	}
}
EXPORT_SYMBOL_GPL(kpc_prove_plant);

/*
 * kpc_prove=refuse: KVM_SET_ONE_REG refuses ARCH_COMPAT Power9, which
 * every nested scenario grants and so the ioctl reports: a kernel that
 * reports a mode it does not accept, for the kselftests to catch on their
 * own (without the runner's variables).
 */
bool kpc_prove_refuses(u32 arch_compat)
{
	if (strcmp(kpc_prove_kind, "refuse") || arch_compat != PVR_ARCH_300)
		return false;
	pr_info_once("kpc_prove: refusing the granted mode 0x%08x\n",
		     arch_compat);
	return true;
}
EXPORT_SYMBOL_GPL(kpc_prove_refuses);
