// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_PPC_COMPAT_CAPS / KVM_PPC_GET_COMPAT_CAPS and the
 * KVM_REG_PPC_ARCH_COMPAT validator.
 *
 * The expected results are never derived from the kernel under test: the
 * test runner describes the machine in the environment.
 *
 *   KVM_PPC_NESTED_API     v1    L1 under a hypervisor, nested API v1
 *                                (QEMU cap-nested-hv)
 *                          v2    L1 under a hypervisor, nested API v2
 *                                (QEMU cap-nested-papr)
 *                          none  guest without nesting, no HV VMs possible
 *                          bare  KVM is the top-level hypervisor (powernv)
 *
 *   KVM_PPC_COMPAT_EXPECT  comma separated subset of p9,p10,p11, may be
 *                          empty.  On v1/v2: the modes the L0 grants, which
 *                          KVM_PPC_GET_COMPAT_CAPS must report and
 *                          KVM_REG_PPC_ARCH_COMPAT must accept.  On bare:
 *                          the modes KVM_REG_PPC_ARCH_COMPAT must accept.
 *
 * Without KVM_PPC_NESTED_API every test is skipped.
 */
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "compat_caps.h"

#define CPU_VERSION_GLOB	"/proc/device-tree/cpus/*/cpu-version"

/*
 * Create vCPU @id, enable PAPR on it (needed before ARCH_COMPAT means
 * anything on an HV VM) and write @pvr to KVM_REG_PPC_ARCH_COMPAT.
 * Returns 0 or the errno of KVM_SET_ONE_REG.
 */
static int try_arch_compat(struct __test_metadata *_metadata, int vm_fd,
			   int id, __u32 pvr)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,	/* KVM_REG_SIZE_U32 */
		.addr = (uintptr_t)&pvr,
	};
	int vcpu_fd, ret, err;

	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	err = errno;
	ASSERT_GE(vcpu_fd, 0)
		TH_LOG("KVM_CREATE_VCPU(%d) failed: %s", id, strerror(err));

	ret = ioctl(vcpu_fd, KVM_ENABLE_CAP, &papr);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR) on vcpu %d failed: %s",
		       id, strerror(err));

	ret = ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg);
	err = ret ? errno : 0;
	close(vcpu_fd);
	return err;
}

FIXTURE(compat) {
	enum nested_api api;
	__u64 expect;		/* KVM_PPC_COMPAT_CAP_* bits */
	int kvm_fd;
	int vm_fd;
};

FIXTURE_SETUP(compat)
{
	compat_caps_setup(_metadata, &self->api, &self->expect,
			  &self->kvm_fd, &self->vm_fd);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->vm_fd >= 0)
		close(self->vm_fd);
	if (self->kvm_fd >= 0)
		close(self->kvm_fd);
}

/* The capability is advertised on the VM fd exactly on nested hosts. */
TEST_F(compat, check_extension)
{
	int want = self->api == API_BARE ? 0 : 1;
	int ret, err;

	ret = ioctl(self->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	err = errno;
	ASSERT_GE(ret, 0)
		TH_LOG("KVM_CHECK_EXTENSION failed: %s", strerror(err));
	EXPECT_EQ(want, ret)
		TH_LOG("KVM_CAP_PPC_COMPAT_CAPS on %s: expected %d, got %d",
		       api_names[self->api], want, ret);
}

/* The ioctl reports exactly the modes the L0 grants. */
TEST_F(compat, get_caps)
{
	struct kvm_ppc_compat_caps caps = {
		.size = KVM_PPC_COMPAT_CAPS_SIZE_VER0,
		.flags = 0,
	};
	char want[64], got[64];
	int ret, err;

	ret = ioctl(self->vm_fd, KVM_PPC_GET_COMPAT_CAPS, &caps);
	err = ret ? errno : 0;

	if (self->api == API_BARE) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, err)
			TH_LOG("bare metal: expected EINVAL, got %s",
			       ret ? strerror(err) : "success");
		return;
	}

	ASSERT_EQ(0, ret)
		TH_LOG("KVM_PPC_GET_COMPAT_CAPS failed: %s", strerror(err));
	EXPECT_EQ((__u64)KVM_PPC_COMPAT_CAPS_SIZE_VER0, caps.size)
		TH_LOG("size: expected %d, got %llu",
		       KVM_PPC_COMPAT_CAPS_SIZE_VER0, caps.size);
	EXPECT_EQ(0ULL, caps.flags)
		TH_LOG("flags: expected 0, got 0x%llx", caps.flags);
	EXPECT_EQ(self->expect, caps.compat_capabilities)
		TH_LOG("compat_capabilities: expected 0x%016llx (%s), got 0x%016llx (%s)",
		       self->expect,
		       mask_names(self->expect, want, sizeof(want)),
		       caps.compat_capabilities,
		       mask_names(caps.compat_capabilities, got, sizeof(got)));
}

/*
 * ARCH_COMPAT accepts exactly the expected modes. Raw mode (0) depends on
 * the processor as well: compat_caps_l2's qemu tests check it.
 */
TEST_F(compat, set_arch_compat)
{
	unsigned int i;
	bool want;
	int err;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		want = self->expect & modes[i].cap;
		err = try_arch_compat(_metadata, self->vm_fd, i, modes[i].pvr);
		TH_LOG("%-3s (0x%08x): expected %s, got %s", modes[i].name,
		       modes[i].pvr, want ? "success" : "EINVAL",
		       err ? strerror(err) : "success");
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
	static const struct {
		const char *name;
		__u32 pvr;
	} old[] = {
		{ "p8",  0x0f000004 },
		{ "p7+", 0x0f100003 },
		{ "p7",  0x0f000003 },
		{ "p6",  0x0f000002 },
	};
	bool want = self->api == API_BARE;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(old); i++) {
		err = try_arch_compat(_metadata, self->vm_fd, i, old[i].pvr);
		TH_LOG("%-3s (0x%08x): expected %s, got %s", old[i].name,
		       old[i].pvr, want ? "success" : "EINVAL",
		       err ? strerror(err) : "success");
		EXPECT_EQ(want ? 0 : EINVAL, err);
	}
}

/*
 * v1: the L0 grants the L1's own compat mode and the older ones, and that
 * mode is what the L0 put in the cpu-version properties.
 */
TEST_F(compat, cpu_version)
{
	__u32 be, val, lowest = UINT32_MAX, want = 0;
	unsigned int count = 0;
	const char *want_name = NULL;
	char names[64];
	glob_t g;
	ssize_t n;
	size_t i;
	int fd, ret;

	if (self->api != API_V1)
		SKIP(return, "cpu-version reflects the granted modes on nested API v1 only (%s=%s)",
		     ENV_API, api_names[self->api]);

	ret = glob(CPU_VERSION_GLOB, 0, NULL, &g);
	ASSERT_EQ(0, ret)
		TH_LOG("no %s found (glob returned %d)", CPU_VERSION_GLOB, ret);

	for (i = 0; i < g.gl_pathc; i++) {
		fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			TH_LOG("%s: %s", g.gl_pathv[i], strerror(errno));
			continue;
		}
		n = read(fd, &be, sizeof(be));
		close(fd);
		EXPECT_EQ((ssize_t)sizeof(be), n)
			TH_LOG("%s: read returned %zd, want 4", g.gl_pathv[i], n);
		if (n != (ssize_t)sizeof(be))
			continue;
		val = be32toh(be);
		if (val < lowest)
			lowest = val;
		count++;
	}
	globfree(&g);
	ASSERT_GT(count, 0U)
		TH_LOG("no readable %s", CPU_VERSION_GLOB);

	/* highest expected mode */
	for (i = ARRAY_SIZE(modes); i > 0; i--) {
		if (self->expect & modes[i - 1].cap) {
			want = modes[i - 1].pvr;
			want_name = modes[i - 1].name;
			break;
		}
	}

	TH_LOG("lowest of %u cpu-version: 0x%08x (%s)", count, lowest,
	       pvr_name(lowest));
	mask_names(self->expect, names, sizeof(names));
	if (!want_name) {
		/* nothing granted: no cpu may run in a mode from the table */
		for (i = 0; i < ARRAY_SIZE(modes); i++)
			EXPECT_NE(modes[i].pvr, lowest)
				TH_LOG("expected no p9/p10/p11 mode, %s is empty",
				       ENV_EXPECT);
		return;
	}

	EXPECT_EQ(want, lowest)
		TH_LOG("expected 0x%08x (%s, highest of %s), got 0x%08x (%s)",
		       want, want_name, names, lowest, pvr_name(lowest));
}

TEST_HARNESS_MAIN
