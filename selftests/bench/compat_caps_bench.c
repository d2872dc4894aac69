// SPDX-License-Identifier: GPL-2.0
/*
 * Nanoseconds per call of the compat-mode interface, for `make bench`:
 * KVM_PPC_GET_COMPAT_CAPS and KVM_SET_ONE_REG(KVM_REG_PPC_ARCH_COMPAT),
 * with KVM_CHECK_EXTENSION as the floor (the cost of an ioctl on a VM fd
 * that does next to nothing). Not a test: it prints one line per round,
 *
 *   bench round=R check_extension=NS get_compat_caps=NS set_one_reg=NS
 *
 * Usage: compat_caps_bench [calls per round] [rounds]
 */
#define _GNU_SOURCE
#define __SANE_USERSPACE_TYPES__
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench_vm.h"

#define PVR_POWER9	0x0f000005

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}


int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	struct kvm_ppc_compat_caps caps;
	__u32 pvr = PVR_POWER9;
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,
		.addr = (uintptr_t)&pvr,
	};
	uint64_t t0, t1, t2, t3;
	int vm, vcpu, r;
	long i;

	bench_vm(&vm, &vcpu);
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg))
		die("KVM_SET_ONE_REG(ARCH_COMPAT, Power9)");

	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		for (i = 0; i < calls; i++)
			ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
		t1 = now_ns();
		for (i = 0; i < calls; i++) {
			caps.size = sizeof(caps);
			caps.flags = 0;
			if (ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, &caps))
				die("KVM_PPC_GET_COMPAT_CAPS");
		}
		t2 = now_ns();
		for (i = 0; i < calls; i++) {
			if (ioctl(vcpu, KVM_SET_ONE_REG, &reg))
				die("KVM_SET_ONE_REG");
		}
		t3 = now_ns();
		printf("bench round=%d check_extension=%llu get_compat_caps=%llu set_one_reg=%llu\n",
		       r, (unsigned long long)((t1 - t0) / calls),
		       (unsigned long long)((t2 - t1) / calls),
		       (unsigned long long)((t3 - t2) / calls));
	}
	return 0;
}
