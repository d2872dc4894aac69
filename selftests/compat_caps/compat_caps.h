/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the compat_caps programs share: the environment that describes the
 * machine (see compat_caps.c), the table of compat modes, and the fixture
 * setup that reads the environment, opens /dev/kvm and creates an HV VM.
 */
#ifndef _SELFTESTS_POWERPC_COMPAT_CAPS_H
#define _SELFTESTS_POWERPC_COMPAT_CAPS_H

#ifndef __SANE_USERSPACE_TYPES__
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#define ENV_API		"KVM_PPC_NESTED_API"
#define ENV_EXPECT	"KVM_PPC_COMPAT_EXPECT"
#define NO_EXPECT_MSG	"no expected values: set " ENV_API " and " ENV_EXPECT

enum nested_api {
	API_V1,
	API_V2,
	API_NONE,
	API_BARE,
};

static const char * const api_names[] = {
	[API_V1]	= "v1",
	[API_V2]	= "v2",
	[API_NONE]	= "none",
	[API_BARE]	= "bare",
};

struct compat_mode {
	const char *name;	/* token in KVM_PPC_COMPAT_EXPECT */
	__u32 pvr;		/* logical PVR for KVM_REG_PPC_ARCH_COMPAT */
	__u64 cap;		/* bit in kvm_ppc_compat_caps */
};

/* Oldest first */
static const struct compat_mode modes[] = {
	{ "p9",  0x0f000005, KVM_PPC_COMPAT_CAP_POWER9 },
	{ "p10", 0x0f000006, KVM_PPC_COMPAT_CAP_POWER10 },
	{ "p11", 0x0f000007, KVM_PPC_COMPAT_CAP_POWER11 },
};

static inline int parse_api(const char *s, enum nested_api *api)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(api_names); i++) {
		if (!strcmp(s, api_names[i])) {
			*api = i;
			return 0;
		}
	}
	return -1;
}

/* "p9,p10" -> cap mask; blanks and empty items are ignored */
static inline int parse_expect(const char *s, __u64 *mask)
{
	unsigned int i;
	size_t len;

	*mask = 0;
	while (*s) {
		s += strspn(s, " \t,");
		len = strcspn(s, " \t,");
		if (!len)
			break;
		for (i = 0; i < ARRAY_SIZE(modes); i++) {
			if (strlen(modes[i].name) == len &&
			    !strncmp(s, modes[i].name, len))
				break;
		}
		if (i == ARRAY_SIZE(modes))
			return -1;
		*mask |= modes[i].cap;
		s += len;
	}
	return 0;
}

/* cap mask -> "p9 p10", "(none)", unknown bits appended as hex */
static inline const char *mask_names(__u64 mask, char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(modes) && n < size; i++) {
		if (mask & modes[i].cap)
			n += snprintf(buf + n, size - n, "%s%s",
				      n ? " " : "", modes[i].name);
		mask &= ~modes[i].cap;
	}
	if (mask && n < size)
		n += snprintf(buf + n, size - n, "%sunknown:0x%llx",
			      n ? " " : "", mask);
	if (!n)
		snprintf(buf, size, "(none)");
	return buf;
}

/* errno -> its name for the errors the interface answers, else strerror() */
static inline const char *err_name(int err)
{
	switch (err) {
	case 0:
		return "success";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case E2BIG:
		return "E2BIG";
	case ENOTTY:
		return "ENOTTY";
	case EBADF:
		return "EBADF";
	default:
		return strerror(err);
	}
}

static inline const char *pvr_name(__u32 pvr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (modes[i].pvr == pvr)
			return modes[i].name;
	}
	return "not a p9/p10/p11 logical PVR";
}

/*
 * The common part of FIXTURE_SETUP: read the environment into @api and
 * @expect (@expect is left alone on "none"), open /dev/kvm into @kvm_fd and
 * create an HV VM into @vm_fd; both fds are -1 until opened. Returns true
 * when the fixture is ready, false after SKIP(): the caller returns then.
 * An ASSERT failure does not return.
 */
static inline bool compat_caps_setup(struct __test_metadata *_metadata,
				     enum nested_api *api, __u64 *expect,
				     int *kvm_fd, int *vm_fd)
{
	const char *api_env = getenv(ENV_API);
	const char *expect_env = getenv(ENV_EXPECT);
	char names[64];
	int err;

	*kvm_fd = -1;
	*vm_fd = -1;

	if (!api_env)
		SKIP(return false, NO_EXPECT_MSG);
	ASSERT_EQ(0, parse_api(api_env, api))
		TH_LOG("%s=\"%s\": must be v1, v2, none or bare", ENV_API,
		       api_env);
	if (*api != API_NONE) {
		if (!expect_env)
			SKIP(return false, NO_EXPECT_MSG);
		ASSERT_EQ(0, parse_expect(expect_env, expect))
			TH_LOG("%s=\"%s\": must be a comma list of p9,p10,p11",
			       ENV_EXPECT, expect_env);
		TH_LOG("%s=%s, expected modes: %s", ENV_API, api_env,
		       mask_names(*expect, names, sizeof(names)));
	}

	*kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm_fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENODEV)
			SKIP(return false, "/dev/kvm not present: %s",
			     strerror(err));
		if (err == EACCES || err == EPERM)
			SKIP(return false, "cannot open /dev/kvm: %s",
			     strerror(err));
		ASSERT_GE(*kvm_fd, 0)
			TH_LOG("open /dev/kvm failed: %s", strerror(err));
	}

	*vm_fd = ioctl(*kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (*vm_fd < 0) {
		err = errno;
		if (*api == API_NONE)
			SKIP(return false, "no nesting: KVM_CREATE_VM failed: %s",
			     strerror(err));
		ASSERT_GE(*vm_fd, 0)
			TH_LOG("KVM_CREATE_VM(KVM_VM_PPC_HV) failed on %s=%s: %s",
			       ENV_API, api_env, strerror(err));
	}
	ASSERT_TRUE(*api != API_NONE)
		TH_LOG("%s=none but KVM_CREATE_VM(KVM_VM_PPC_HV) succeeded",
		       ENV_API);
	return true;
}

#endif /* _SELFTESTS_POWERPC_COMPAT_CAPS_H */
