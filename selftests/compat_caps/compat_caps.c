// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_PPC_COMPAT_CAPS / KVM_PPC_GET_COMPAT_CAPS and the
 * KVM_REG_PPC_ARCH_COMPAT validator.
 *
 * The tests judge the host they run on by what it says of itself
 * (compat_caps.h, compat_caps_setup()):
 *
 *   - what kind of host: /proc/cpuinfo's platform, PowerNV (bare metal, KVM
 *     is the top-level hypervisor) or pSeries (a guest of a hypervisor: a
 *     nested host, if KVM_CREATE_VM of an HV VM works at all);
 *   - on a nested host, which nested API: KVM offers nesting to its own
 *     guests on nested API v1 only, so KVM_CAP_PPC_NESTED_HV is 1 on v1
 *     and 0 on v2, unless the kvm_hv.nested parameter is N (then the API
 *     is unknown, and the cpu-version test skips);
 *   - the processor: its PVR (mfspr, which the kernel emulates for user
 *     space), and the levels the CPU nodes' cpu-version properties name;
 *   - the modes granted: what KVM_PPC_GET_COMPAT_CAPS answers on a nested
 *     host, and on bare metal the modes up to the processor's own.
 *
 * and check what holds on any host: the capability is 1 exactly on a
 * nested host; there, a mode is reported if and only if ARCH_COMPAT accepts
 * its logical PVR (compat_caps_l2: if and only if an L2 vcpu runs in it),
 * never a mode newer than the host runs itself, and on nested API v1 the
 * modes up to the lowest level of all cpu-version properties; older modes
 * are refused; a refused value leaves ARCH_COMPAT as it was. On bare metal
 * the ioctl fails with EINVAL and ARCH_COMPAT accepts the modes up to the
 * processor's own, older modes included.
 *
 * Where whoever started the machine knows it, the environment adds a check
 * on top (never a precondition):
 *
 *   KVM_PPC_NESTED_API     v1, v2, none (no nesting: the tests must skip)
 *                          or bare
 *   KVM_PPC_COMPAT_EXPECT  comma separated subset of p9,p10,p11, may be
 *                          empty: the modes the hypervisor grants (v1, v2)
 *                          or that ARCH_COMPAT must accept (bare)
 *   KVM_PPC_CPU            power9, power10 or power11: the processor
 */
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "compat_caps.h"

#define GARBAGE		0xdeadbeefcafef00dULL

FIXTURE(compat) {
	struct host h;
};

FIXTURE_SETUP(compat)
{
	compat_caps_setup(_metadata, &self->h);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->h.vm_fd >= 0)
		close(self->h.vm_fd);
	if (self->h.kvm_fd >= 0)
		close(self->h.kvm_fd);
}

/*
 * On a new vCPU @id with PAPR enabled (needed before ARCH_COMPAT means
 * anything on an HV VM), set ARCH_COMPAT to the oldest granted mode, if
 * any, then write @pvr. A refused value must leave the register as it was.
 * Returns 0 or the errno of KVM_SET_ONE_REG.
 */
static int try_arch_compat(struct __test_metadata *_metadata,
			   const struct host *h, int id, __u32 pvr)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	__u32 val, before = 0, after = 0;
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,	/* KVM_REG_SIZE_U32 */
		.addr = (uintptr_t)&val,
	};
	int vcpu_fd, err;
	unsigned int i;

	vcpu_fd = ioctl(h->vm_fd, KVM_CREATE_VCPU, id);
	ASSERT_GE(vcpu_fd, 0)
		TH_LOG("KVM_CREATE_VCPU(%d) failed: %s", id, strerror(errno));
	ASSERT_EQ(0, ioctl(vcpu_fd, KVM_ENABLE_CAP, &papr))
		TH_LOG("KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR) on vcpu %d failed: %s",
		       id, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!(h->granted & modes[i].cap))
			continue;
		val = modes[i].pvr;
		ASSERT_EQ(0, ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg))
			TH_LOG("%s is granted, yet KVM_SET_ONE_REG refused it: %s",
			       modes[i].name, strerror(errno));
		break;
	}
	reg.addr = (uintptr_t)&before;
	ASSERT_EQ(0, ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg));
	val = pvr;
	reg.addr = (uintptr_t)&val;
	err = ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) ? errno : 0;
	reg.addr = (uintptr_t)&after;
	ASSERT_EQ(0, ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg));
	close(vcpu_fd);
	EXPECT_EQ(err ? before : pvr, after)
		TH_LOG("0x%08x %s, and ARCH_COMPAT went from 0x%08x to 0x%08x",
		       pvr, err ? "refused" : "accepted", before, after);
	return err;
}

/* The capability is advertised on the VM fd exactly on nested hosts. */
TEST_F(compat, check_extension)
{
	int want = self->h.api == API_BARE ? 0 : 1;
	int ret;

	ret = ioctl(self->h.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	ASSERT_GE(ret, 0)
		TH_LOG("KVM_CHECK_EXTENSION failed: %s", strerror(errno));
	EXPECT_EQ(want, ret)
		TH_LOG("KVM_CAP_PPC_COMPAT_CAPS on %s: expected %d, got %d",
		       want ? "a nested host" : "bare metal", want, ret);
}

/*
 * Nested: the answer is well formed, names only modes of the interface,
 * none newer than the host runs itself. Bare metal: EINVAL, nothing written.
 */
TEST_F(compat, get_caps)
{
	struct kvm_ppc_compat_caps caps = {
		.size = KVM_PPC_COMPAT_CAPS_SIZE_VER0,
		.compat_capabilities = GARBAGE,
	};
	__u64 runs = host_runs(&self->h);
	char names[64], bound[64];
	int err;

	err = ioctl(self->h.vm_fd, KVM_PPC_GET_COMPAT_CAPS, &caps) ? errno : 0;
	if (self->h.api == API_BARE) {
		EXPECT_EQ(EINVAL, err)
			TH_LOG("bare metal: expected EINVAL, got %s",
			       err_name(err));
		EXPECT_EQ(GARBAGE, caps.compat_capabilities);
		return;
	}
	ASSERT_EQ(0, err)
		TH_LOG("KVM_PPC_GET_COMPAT_CAPS failed: %s", strerror(err));
	EXPECT_EQ((__u64)KVM_PPC_COMPAT_CAPS_SIZE_VER0, caps.size);
	EXPECT_EQ(0ULL, caps.flags);
	mask_names(caps.compat_capabilities, names, sizeof(names));
	TH_LOG("compat_capabilities 0x%016llx (%s)", caps.compat_capabilities,
	       names);
	EXPECT_EQ(self->h.granted, caps.compat_capabilities)
		TH_LOG("the answer changed since the fixture asked");
	EXPECT_EQ(0ULL, caps.compat_capabilities & ~KVM_PPC_COMPAT_BITMASK)
		TH_LOG("bits that name no mode: %s", names);
	EXPECT_EQ(0ULL, caps.compat_capabilities & ~runs)
		TH_LOG("%s reported, but the host itself runs at most %s",
		       names, mask_names(runs, bound, sizeof(bound)));
}

/*
 * ARCH_COMPAT accepts exactly the granted modes. Raw mode (0) depends on
 * the processor as well: compat_caps_l2's qemu tests check it.
 */
TEST_F(compat, set_arch_compat)
{
	unsigned int i;
	bool want;
	int err;

	if (!host_known(_metadata, &self->h))
		return;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		want = self->h.granted & modes[i].cap;
		err = try_arch_compat(_metadata, &self->h, i, modes[i].pvr);
		TH_LOG("%-3s (0x%08x): expected %s, got %s", modes[i].name,
		       modes[i].pvr, want ? "success" : "EINVAL",
		       err_name(err));
		EXPECT_EQ(want ? 0 : EINVAL, err);
	}
}

/*
 * Modes older than Power9: a nested host runs radix guests only, which such
 * processors cannot, so it must refuse them when the vcpu is set up. KVM as
 * the top-level hypervisor on Power9 or later runs them.
 */
TEST_F(compat, pre_power9)
{
	bool want = self->h.api == API_BARE;
	unsigned int i;
	int err;

	for (i = 0; logical_pvrs[i].level < LVL_P9; i++) {
		err = try_arch_compat(_metadata, &self->h, i,
				      logical_pvrs[i].pvr);
		TH_LOG("%-3s (0x%08x): expected %s, got %s",
		       logical_pvrs[i].name, logical_pvrs[i].pvr,
		       want ? "success" : "EINVAL", err_name(err));
		EXPECT_EQ(want ? 0 : EINVAL, err);
	}
}

/*
 * Nested API v1: the hypervisor puts the mode it runs this host in into the
 * CPU nodes' cpu-version; the host may give that mode and the older ones
 * from Power9 on. The lowest level of all nodes counts; values that name no
 * level (raw PVRs) say nothing; without any, the processor decides.
 */
TEST_F(compat, cpu_version)
{
	const struct host *h = &self->h;
	char want[64], got[64];
	__u64 mask = KVM_PPC_COMPAT_BITMASK;

	if (h->api == API_BARE)
		SKIP(return, "bare metal: cpu-version grants nothing");
	if (h->api == API_V2)
		SKIP(return,
		     "nested API v2: the modes come from H_GUEST_GET_CAPABILITIES, not cpu-version");
	if (h->api == API_UNKNOWN)
		SKIP(return,
		     "nested API v1 or v2? KVM_CAP_PPC_NESTED_HV is 0 and kvm_hv.nested is not Y (set %s to tell)",
		     ENV_API);

	if (h->dt_low != LVL_NONE)
		mask = h->dt_low < LVL_P9 ? 0 : modes_upto(h->dt_low);
	mask &= host_runs(h);
	EXPECT_EQ(mask, h->granted)
		TH_LOG("lowest cpu-version %s of %u node(s), CPU %s: expected %s, got %s",
		       level_name(h->dt_low), h->dt_nodes, level_name(h->cpu),
		       mask_names(mask, want, sizeof(want)),
		       mask_names(h->granted, got, sizeof(got)));
}

TEST_HARNESS_MAIN
