// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_compat_caps - which processor compatibility modes may a KVM guest
 * started on this host use?
 *
 * A sample for QEMU / libvirt developers showing how to use
 * KVM_CAP_PPC_COMPAT_CAPS and KVM_PPC_GET_COMPAT_CAPS (Linux 7.3, POWER).
 *
 * Background
 * ----------
 * When KVM runs as a nested hypervisor (the "L1", itself a pseries guest
 * of an "L0" hypervisor such as QEMU/KVM with cap-nested-hv (nested API
 * v1) or cap-nested-papr (nested API v2), or PowerVM), its own guests
 * ("L2") can only use the processor compatibility modes the L0 grants.
 * Asking for any other mode through KVM_REG_PPC_ARCH_COMPAT (what QEMU's
 * "max-cpu-compat" machine option ends up doing) fails with EINVAL, and
 * the guest does not start.
 *
 * KVM_PPC_GET_COMPAT_CAPS tells user space up front which modes those
 * are, so a management stack can pick a valid max-cpu-compat value, or
 * reject a migration target, before starting the guest.
 *
 * The interface
 * -------------
 *  1. Create a VM of type KVM_VM_PPC_HV.
 *  2. KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS) on the *VM* fd: 1 on a
 *     nested KVM host, 0 on bare metal (powernv), where KVM is the top
 *     level hypervisor and the ioctl fails with EINVAL.
 *  3. ioctl(vm_fd, KVM_PPC_GET_COMPAT_CAPS, &caps), with
 *         caps.size  = size of the struct user space was built with
 *                      (at least KVM_PPC_COMPAT_CAPS_SIZE_VER0),
 *         caps.flags = 0 (reserved).
 *     On success the kernel fills caps.compat_capabilities with
 *     KVM_PPC_COMPAT_CAP_POWER9/10/11 bits and sets caps.size to the
 *     number of bytes it filled in.
 *
 * The struct is extensible in the style of copy_struct_from_user(): a
 * newer program with a bigger struct works on an older kernel as long as
 * the fields the older kernel does not know are zero.
 *
 * Build: see Makefile (make HDR=<kernel headers_install dir>/include).
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

#ifndef KVM_CAP_PPC_COMPAT_CAPS
#error "needs Linux 7.3 UAPI headers: make HDR=<INSTALL_HDR_PATH>/include"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define CPU_VERSION_GLOB	"/proc/device-tree/cpus/*/cpu-version"
#define QEMU_CMD		"qemu-system-ppc64 -accel kvm -cpu host -machine pseries,max-cpu-compat="

/* Exit codes */
enum {
	EXIT_OK		= 0,
	EXIT_USAGE	= 1,	/* bad command line */
	EXIT_NO_KVM	= 2,	/* /dev/kvm missing or not accessible */
	EXIT_NO_VM	= 3,	/* cannot create an HV VM (no nesting?) */
	EXIT_IOCTL	= 4,	/* a KVM ioctl failed */
	EXIT_NO_DT	= 5,	/* fallback: no usable cpu-version */
};

/*
 * Compatibility modes, oldest first.  A host that can run a guest in one
 * mode can also run it in the older ones.
 */
struct compat_mode {
	const char *qemu_name;	/* value for QEMU's max-cpu-compat= */
	__u64 cap;		/* bit in kvm_ppc_compat_caps */
	__u32 logical_pvr;	/* value for KVM_REG_PPC_ARCH_COMPAT */
	__u16 pvr_family;	/* raw PVR >> 16 of that processor */
};

static const struct compat_mode modes[] = {
	{ "power9",  KVM_PPC_COMPAT_CAP_POWER9,  0x0f000005, 0x004e },
	{ "power10", KVM_PPC_COMPAT_CAP_POWER10, 0x0f000006, 0x0080 },
	{ "power11", KVM_PPC_COMPAT_CAP_POWER11, 0x0f000007, 0x0082 },
};

static const char *prog = "kvm_compat_caps";

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--json] [--help]\n"
		"\n"
		"Show the processor compatibility modes a KVM guest started on\n"
		"this host may use, and QEMU options that start such a guest.\n"
		"\n"
		"Uses KVM_PPC_GET_COMPAT_CAPS on a nested KVM host.  Without\n"
		"KVM_CAP_PPC_COMPAT_CAPS (older kernel, bare metal) it falls back\n"
		"to the cpu-version properties of the device tree, which only\n"
		"show the mode this host runs in, not what the hypervisor grants.\n"
		"\n"
		"  --json   print one JSON object:\n"
		"           {\"source\":\"ioctl\"|\"device-tree\",\n"
		"            \"modes\":[\"power9\",...],\"qemu\":[\"...\",...]}\n"
		"  --help   this text\n"
		"\n"
		"Exit status: 0 ok, 1 bad arguments, 2 no /dev/kvm, 3 cannot create a VM\n"
		"(no nested virtualization), 4 ioctl error, 5 no usable device\n"
		"tree information.\n",
		prog);
}

/*
 * The interface proper: ask KVM which compatibility modes guests of
 * @vm_fd may use.  Returns 0 and the KVM_PPC_COMPAT_CAP_* mask, or -1
 * with errno set.
 */
static int get_compat_caps(int vm_fd, __u64 *mask)
{
	struct kvm_ppc_compat_caps caps;

	/*
	 * Zero everything: flags is reserved and must be 0, and so must any
	 * field a newer struct has that the running kernel does not know.
	 */
	memset(&caps, 0, sizeof(caps));
	caps.size = sizeof(caps);

	/*
	 * Note the ioctl number is _IO(): the size travels in caps.size,
	 * not in the ioctl number.
	 */
	if (ioctl(vm_fd, KVM_PPC_GET_COMPAT_CAPS, &caps) < 0)
		return -1;

	/*
	 * caps.size now says how many bytes the kernel filled in;
	 * compat_capabilities is part of the first version of the struct,
	 * so it is always valid after a successful call.
	 */
	*mask = caps.compat_capabilities;
	return 0;
}

/*
 * Fallback without the capability: the lowest cpu-version of all cpus in
 * the device tree.  In a pseries guest that is the logical PVR of the
 * compatibility mode it currently runs in; on powernv it is the raw PVR.
 * Returns the number of properties read (0: none).
 */
static unsigned int lowest_cpu_version(__u32 *lowest)
{
	unsigned int count = 0;
	glob_t g;
	size_t i;
	__u32 be;
	int fd;

	*lowest = UINT32_MAX;
	if (glob(CPU_VERSION_GLOB, 0, NULL, &g))
		return 0;

	for (i = 0; i < g.gl_pathc; i++) {
		fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* device tree properties are big-endian */
		if (read(fd, &be, sizeof(be)) == (ssize_t)sizeof(be)) {
			if (be32toh(be) < *lowest)
				*lowest = be32toh(be);
			count++;
		}
		close(fd);
	}
	globfree(&g);
	return count;
}

/* cpu-version -> the mode it runs in and all older ones, as a cap mask */
static __u64 cpu_version_to_mask(__u32 pvr)
{
	__u64 mask = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		mask |= modes[i].cap;
		if (pvr == modes[i].logical_pvr ||
		    pvr >> 16 == modes[i].pvr_family)
			return mask;
	}
	/* older than POWER9, or unknown */
	return 0;
}

static void print_text(const char *source, __u64 mask)
{
	unsigned int i;

	printf("compat modes %s:", strcmp(source, "ioctl") ?
	       "from the device tree" : "granted");
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (mask & modes[i].cap)
			printf(" %s", modes[i].qemu_name);
	}
	printf("%s\n", mask ? "" : " (none)");

	if (!mask) {
		printf("no guest can be started in a POWER9 or newer mode\n");
		return;
	}

	printf("QEMU options for a guest this host can run:\n");
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (mask & modes[i].cap)
			printf("  " QEMU_CMD "%s\n", modes[i].qemu_name);
	}
}

/* Names contain no characters that need JSON escaping. */
static void print_json(const char *source, __u64 mask)
{
	const char *sep;
	unsigned int i;

	printf("{\"source\":\"%s\",\"modes\":[", source);
	sep = "";
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (mask & modes[i].cap) {
			printf("%s\"%s\"", sep, modes[i].qemu_name);
			sep = ",";
		}
	}
	printf("],\"qemu\":[");
	sep = "";
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (mask & modes[i].cap) {
			printf("%s\"" QEMU_CMD "%s\"", sep, modes[i].qemu_name);
			sep = ",";
		}
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	const char *source;
	bool json = false;
	__u64 mask, known = 0;
	__u32 pvr;
	unsigned int i;
	int kvm_fd, vm_fd, ret;
	FILE *note;

	if (argc > 0 && argv[0])
		prog = argv[0];
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	/* with --json, stdout carries only the JSON object */
	note = json ? stderr : stdout;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		fprintf(stderr, "%s: cannot open /dev/kvm: %s\n"
			"  (is the kvm_hv module loaded, and may you use it?)\n",
			prog, strerror(errno));
		return EXIT_NO_KVM;
	}

	/*
	 * The answer is per VM type: ask an HV VM, the kind QEMU creates
	 * for "-accel kvm -machine pseries" with kvm_hv.  In a pseries guest
	 * this fails unless the hypervisor offers nested virtualization.
	 */
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm_fd < 0) {
		fprintf(stderr, "%s: cannot create an HV VM (KVM_CREATE_VM): %s\n"
			"  In a pseries guest this means no nested virtualization:\n"
			"  the L0 must enable it, e.g. QEMU -machine pseries,cap-nested-hv=on\n"
			"  (API v1) or cap-nested-papr=on (API v2); also check that\n"
			"  kvm_hv is loaded.\n",
			prog, strerror(errno));
		close(kvm_fd);
		return EXIT_NO_VM;
	}

	/*
	 * Check the capability on the VM fd, not on /dev/kvm: the answer
	 * depends on the VM type (HV or PR).
	 */
	ret = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
	if (ret < 0) {
		fprintf(stderr, "%s: KVM_CHECK_EXTENSION(KVM_CAP_PPC_COMPAT_CAPS): %s\n",
			prog, strerror(errno));
		ret = EXIT_IOCTL;
		goto out;
	}

	if (ret > 0) {
		source = "ioctl";
		if (get_compat_caps(vm_fd, &mask)) {
			fprintf(stderr, "%s: KVM_PPC_GET_COMPAT_CAPS: %s\n",
				prog, strerror(errno));
			ret = EXIT_IOCTL;
			goto out;
		}
		for (i = 0; i < ARRAY_SIZE(modes); i++)
			known |= modes[i].cap;
		if (mask & ~known)
			fprintf(stderr, "%s: ignoring unknown bits 0x%016llx (newer kernel?)\n",
				prog, mask & ~known);
		mask &= known;
	} else {
		/* Older kernel, or bare metal where KVM is the hypervisor. */
		source = "device-tree";
		if (!lowest_cpu_version(&pvr)) {
			fprintf(stderr, "%s: no KVM_CAP_PPC_COMPAT_CAPS and no readable %s\n",
				prog, CPU_VERSION_GLOB);
			ret = EXIT_NO_DT;
			goto out;
		}
		mask = cpu_version_to_mask(pvr);
		fprintf(note,
			"KVM_CAP_PPC_COMPAT_CAPS not available: falling back to the device tree\n"
			"(lowest cpu-version 0x%08x). This shows only the mode this host\n"
			"currently runs in and the older ones, not what the hypervisor grants.\n",
			pvr);
	}

	if (json)
		print_json(source, mask);
	else
		print_text(source, mask);
	ret = EXIT_OK;
out:
	close(vm_fd);
	close(kvm_fd);
	return ret;
}
