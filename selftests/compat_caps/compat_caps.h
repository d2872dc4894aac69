/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the compat_caps programs share: the table of compat modes, and the
 * fixture setup, which finds out from the host itself what kind of KVM
 * host it is and which modes it grants, opens /dev/kvm and creates an HV
 * VM. See compat_caps.c for what is read and why.
 */
#ifndef _SELFTESTS_POWERPC_COMPAT_CAPS_H
#define _SELFTESTS_POWERPC_COMPAT_CAPS_H

#ifndef __SANE_USERSPACE_TYPES__
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */
#endif

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

/* Optional: what whoever started the machine knows of it */
#define ENV_API		"KVM_PPC_NESTED_API"
#define ENV_EXPECT	"KVM_PPC_COMPAT_EXPECT"
#define ENV_CPU		"KVM_PPC_CPU"

#define CPU_VERSION_GLOB	"/proc/device-tree/cpus/*/cpu-version"
#define KVM_HV_NESTED		"/sys/module/kvm_hv/parameters/nested"

enum nested_api {
	API_V1,
	API_V2,
	API_NONE,
	API_BARE,
	API_UNKNOWN,	/* nested, but v1 and v2 cannot be told apart */
};

static const char * const api_names[] = {
	[API_V1]	= "v1",
	[API_V2]	= "v2",
	[API_NONE]	= "none",
	[API_BARE]	= "bare",
	[API_UNKNOWN]	= "unknown",
};

/* Architecture levels, oldest first; LVL_NONE: not a level */
enum level {
	LVL_NONE,
	LVL_P6,
	LVL_P7,
	LVL_P8,
	LVL_P9,
	LVL_P10,
	LVL_P11,
	LVL_NEWER,	/* newer than this test knows */
};

struct compat_mode {
	const char *name;	/* token in KVM_PPC_COMPAT_EXPECT */
	const char *cpu;	/* KVM_PPC_CPU of that processor */
	__u32 pvr;		/* logical PVR for KVM_REG_PPC_ARCH_COMPAT */
	__u64 cap;		/* bit in kvm_ppc_compat_caps */
	enum level level;
};

/* The modes of the interface, oldest first */
static const struct compat_mode modes[] = {
	{ "p9",  "power9",  0x0f000005, KVM_PPC_COMPAT_CAP_POWER9,  LVL_P9 },
	{ "p10", "power10", 0x0f000006, KVM_PPC_COMPAT_CAP_POWER10, LVL_P10 },
	{ "p11", "power11", 0x0f000007, KVM_PPC_COMPAT_CAP_POWER11, LVL_P11 },
};

/* Every logical PVR the kernel knows, and the modes older than Power9 */
static const struct compat_mode logical_pvrs[] = {
	{ "p6",  NULL, 0x0f000002, 0, LVL_P6 },
	{ "p7",  NULL, 0x0f000003, 0, LVL_P7 },
	{ "p7+", NULL, 0x0f100003, 0, LVL_P7 },
	{ "p8",  NULL, 0x0f000004, 0, LVL_P8 },
	{ "p9",  NULL, 0x0f000005, 0, LVL_P9 },
	{ "p10", NULL, 0x0f000006, 0, LVL_P10 },
	{ "p11", NULL, 0x0f000007, 0, LVL_P11 },
	{ "p12", NULL, 0x0f000008, 0, LVL_NEWER },
};

/* The version field of a processor's own PVR (arch/powerpc/include/asm/reg.h) */
static const struct {
	__u16 version;
	enum level level;
} processors[] = {
	{ 0x004b, LVL_P8 }, { 0x004c, LVL_P8 }, { 0x004d, LVL_P8 },
	{ 0x004e, LVL_P9 }, { 0x0080, LVL_P10 }, { 0x0082, LVL_P11 },
};

/*
 * What the fixture setup learnt of the host. granted is what the tests
 * hold the kernel to: on a nested host the modes KVM_PPC_GET_COMPAT_CAPS
 * reports (the other tests check that they are accepted and run, and on
 * nested API v1 that they agree with cpu-version), on bare metal the modes
 * up to the processor's own.
 */
struct host {
	int kvm_fd;
	int vm_fd;
	enum nested_api api;	/* API_V1, API_V2, API_UNKNOWN or API_BARE */
	const char *api_why;	/* how the API was told */
	__u32 pvr;		/* the processor's own, read with mfspr */
	enum level cpu;		/* its level; LVL_NONE: not one of ours */
	enum level dt_low;	/* lowest and highest level that a CPU */
	enum level dt_high;	/* node's cpu-version names; LVL_NONE: none */
	unsigned int dt_nodes;	/* CPU nodes with a cpu-version */
	__u64 granted;		/* KVM_PPC_COMPAT_CAP_* bits */
	bool known;		/* granted is known (not: bare metal, CPU unknown) */
};

static inline int parse_api(const char *s, enum nested_api *api)
{
	unsigned int i;

	for (i = 0; i < API_UNKNOWN; i++) {
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

/* The modes up to @level: the modes a host at that level can run */
static inline __u64 modes_upto(enum level level)
{
	__u64 mask = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (modes[i].level <= level)
			mask |= modes[i].cap;
	}
	return mask;
}

/* The level a logical PVR names; LVL_NONE for anything else (a raw PVR) */
static inline enum level logical_level(__u32 pvr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(logical_pvrs); i++) {
		if (logical_pvrs[i].pvr == pvr)
			return logical_pvrs[i].level;
	}
	return LVL_NONE;
}

static inline const char *level_name(enum level level)
{
	static const char * const names[] = {
		"none", "p6", "p7", "p8", "p9", "p10", "p11", "newer",
	};

	return names[level];
}

/* The mode of the processor itself, NULL if it is not Power9 to Power11 */
static inline const struct compat_mode *cpu_mode(const struct host *h)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (modes[i].level == h->cpu)
			return &modes[i];
	}
	return NULL;
}

/*
 * The modes this host's kernel can run a guest in: up to the level it runs
 * at itself, which is its processor's unless the CPU nodes' cpu-version
 * names an older one.
 */
static inline __u64 host_runs(const struct host *h)
{
	enum level level = h->cpu == LVL_NONE ? LVL_NEWER : h->cpu;

	if (h->dt_high != LVL_NONE && h->dt_high < level)
		level = h->dt_high;
	return modes_upto(level);
}

/*
 * The PVR of the processor. The kernel emulates mfspr of the PVR for user
 * space (arch/powerpc/kernel/traps.c).
 */
static inline __u32 read_pvr(void)
{
	unsigned long pvr;

	asm volatile("mfspr %0, 287" : "=r" (pvr));
	return pvr;
}

/* The first line of @path that starts with @key, after its ": " */
static inline bool read_field(const char *path, const char *key, char *val,
			      size_t size)
{
	char line[256], *p;
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (strncmp(line, key, strlen(key)) || !p)
			continue;
		p += strspn(p + 1, " \t") + 1;
		p[strcspn(p, "\n")] = '\0';
		snprintf(val, size, "%s", p);
		found = true;
	}
	fclose(f);
	return found;
}

/* The levels the CPU nodes' cpu-version properties name */
static inline void read_cpu_versions(struct host *h)
{
	enum level level;
	__u32 be;
	glob_t g;
	size_t i;
	FILE *f;

	if (glob(CPU_VERSION_GLOB, 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		f = fopen(g.gl_pathv[i], "re");
		if (!f)
			continue;
		if (fread(&be, sizeof(be), 1, f) == 1) {
			h->dt_nodes++;
			level = logical_level(be32toh(be));
			if (level != LVL_NONE &&
			    (h->dt_low == LVL_NONE || level < h->dt_low))
				h->dt_low = level;
			if (level > h->dt_high)
				h->dt_high = level;
		}
		fclose(f);
	}
	globfree(&g);
}

/*
 * Nested API v1 or v2: KVM offers nesting to its own guests on nested
 * API v1 only (kvmhv_enable_nested()), unless kvm_hv.nested=N says not to.
 */
static inline void nested_api(struct host *h)
{
	int val = 0;
	FILE *f;

	h->api = API_V1;
	h->api_why = "KVM_CAP_PPC_NESTED_HV is 1";
	if (ioctl(h->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_NESTED_HV) == 1)
		return;
	f = fopen(KVM_HV_NESTED, "re");
	if (f) {
		val = fgetc(f);
		fclose(f);
	}
	h->api = val == 'Y' ? API_V2 : API_UNKNOWN;
	h->api_why = val == 'Y' ? "KVM_CAP_PPC_NESTED_HV is 0, kvm_hv.nested=Y" :
		     "KVM_CAP_PPC_NESTED_HV is 0, kvm_hv.nested not Y";
}

/* One line: what the setup learnt, and from where */
static inline void host_log(struct __test_metadata *_metadata,
			    const struct host *h)
{
	char names[64];

	TH_LOG("host: %s%s (%s); PVR 0x%08x (%s); cpu-version: %u nodes, %s to %s; %s: %s",
	       h->api == API_BARE ? "bare metal" : "nested API ",
	       h->api == API_BARE ? "" : api_names[h->api], h->api_why,
	       h->pvr, level_name(h->cpu), h->dt_nodes,
	       level_name(h->dt_low), level_name(h->dt_high),
	       h->api == API_BARE ? "runs" : "KVM_PPC_GET_COMPAT_CAPS grants",
	       h->known ? mask_names(h->granted, names, sizeof(names)) :
	       "unknown (processor unknown)");
}

/*
 * The environment, where set, must agree with what the host says of itself:
 * a check on top of the others, never what they rely on.
 */
static inline void check_env(struct __test_metadata *_metadata,
			     struct host *h, enum nested_api api,
			     const char *expect, const char *cpu)
{
	const struct compat_mode *mode = cpu_mode(h);
	char want[64], got[64];
	__u64 mask;

	if (api != API_UNKNOWN) {
		if (h->api == API_UNKNOWN && api != API_BARE) {
			h->api = api;	/* the environment tells v1 from v2 */
			h->api_why = ENV_API;
		}
		EXPECT_EQ(api, h->api)
			TH_LOG("%s=%s, but this host is %s", ENV_API,
			       api_names[api], api_names[h->api]);
	}
	if (expect && h->known) {
		ASSERT_EQ(0, parse_expect(expect, &mask))
			TH_LOG("%s=\"%s\": must be a comma list of p9,p10,p11",
			       ENV_EXPECT, expect);
		EXPECT_EQ(mask, h->granted)
			TH_LOG("%s=%s, but the host %s %s", ENV_EXPECT,
			       mask_names(mask, want, sizeof(want)),
			       h->api == API_BARE ? "runs" : "grants",
			       mask_names(h->granted, got, sizeof(got)));
	}
	if (cpu)
		EXPECT_STREQ(cpu, mode ? mode->cpu : "unknown")
			TH_LOG("%s=%s, but the PVR is 0x%08x", ENV_CPU, cpu,
			       h->pvr);
}

/*
 * The common part of FIXTURE_SETUP: open /dev/kvm, create an HV VM and
 * find out what the host is and grants (see struct host). Both fds are -1
 * until opened. Returns true when the fixture is ready, false after SKIP():
 * the caller returns then. An ASSERT failure does not return.
 */
static inline bool compat_caps_setup(struct __test_metadata *_metadata,
				     struct host *h)
{
	const char *env_api = getenv(ENV_API);
	struct kvm_ppc_compat_caps caps = {
		.size = KVM_PPC_COMPAT_CAPS_SIZE_VER0,
	};
	enum nested_api api = API_UNKNOWN;
	char platform[32] = "unknown";
	unsigned int i;
	int err;

	memset(h, 0, sizeof(*h));
	h->kvm_fd = -1;
	h->vm_fd = -1;
	if (env_api)
		ASSERT_EQ(0, parse_api(env_api, &api))
			TH_LOG("%s=\"%s\": must be v1, v2, none or bare",
			       ENV_API, env_api);

	h->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (h->kvm_fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENODEV)
			SKIP(return false, "no /dev/kvm: %s", strerror(err));
		if (err == EACCES || err == EPERM)
			SKIP(return false, "cannot open /dev/kvm: %s",
			     strerror(err));
		ASSERT_GE(h->kvm_fd, 0)
			TH_LOG("open /dev/kvm failed: %s", strerror(err));
	}
	read_field("/proc/cpuinfo", "platform", platform, sizeof(platform));

	h->vm_fd = ioctl(h->kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (h->vm_fd < 0) {
		err = errno;
		ASSERT_TRUE(api == API_UNKNOWN || api == API_NONE)
			TH_LOG("%s=%s, but KVM_CREATE_VM(KVM_VM_PPC_HV) failed: %s",
			       ENV_API, env_api, strerror(err));
		ASSERT_EQ(EINVAL, err)
			TH_LOG("KVM_CREATE_VM(KVM_VM_PPC_HV) failed: %s",
			       strerror(err));
		if (!strcmp(platform, "pSeries"))
			SKIP(return false,
			     "no nesting: KVM_CREATE_VM(KVM_VM_PPC_HV) fails with EINVAL on this pSeries guest (its hypervisor offers no nested KVM-HV%s)",
			     access(KVM_HV_NESTED, F_OK) ?
			     ", or kvm-hv is not loaded" : "");
		SKIP(return false,
		     "not an HV host: KVM_CREATE_VM(KVM_VM_PPC_HV) fails with EINVAL on this %s host (%s)",
		     platform, access(KVM_HV_NESTED, F_OK) ?
		     "kvm-hv is not loaded" : "kvm-hv did not start");
	}
	ASSERT_NE(API_NONE, api)
		TH_LOG("%s=none, but KVM_CREATE_VM(KVM_VM_PPC_HV) succeeded",
		       ENV_API);

	h->pvr = read_pvr();
	for (i = 0; i < ARRAY_SIZE(processors); i++) {
		if (processors[i].version == h->pvr >> 16)
			h->cpu = processors[i].level;
	}
	read_cpu_versions(h);

	if (!strcmp(platform, "PowerNV")) {
		h->api = API_BARE;
		h->api_why = "platform PowerNV";
		h->known = h->cpu != LVL_NONE;
		h->granted = modes_upto(h->cpu);
	} else if (!strcmp(platform, "pSeries")) {
		nested_api(h);
		err = ioctl(h->vm_fd, KVM_PPC_GET_COMPAT_CAPS, &caps) ? errno : 0;
		ASSERT_EQ(0, err)
			TH_LOG("KVM_PPC_GET_COMPAT_CAPS failed on a nested host: %s",
			       err_name(err));
		h->known = true;
		h->granted = caps.compat_capabilities;
	} else {
		SKIP(return false,
		     "KVM-HV on platform \"%s\": neither PowerNV (bare metal) nor pSeries (nested)",
		     platform);
	}
	check_env(_metadata, h, api, getenv(ENV_EXPECT), getenv(ENV_CPU));
	host_log(_metadata, h);
	return true;
}

/* Whether the host's modes are known; else SKIP() and false */
static inline bool host_known(struct __test_metadata *_metadata,
			      const struct host *h)
{
	if (!h->known)
		SKIP(return false,
		     "bare metal with a processor this test does not know (PVR 0x%08x): the modes it runs are unknown",
		     h->pvr);
	return true;
}

#endif /* _SELFTESTS_POWERPC_COMPAT_CAPS_H */
