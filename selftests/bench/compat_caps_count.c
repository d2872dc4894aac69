// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions per call of the compat-mode interface, for `make bench`,
 * counted by the PMU of the guest this runs in (perf_event_open(),
 * PERF_COUNT_HW_INSTRUCTIONS, user and kernel, hypervisor excluded: under
 * QEMU's TCG the hypervisor's work, hcalls included, is QEMU's own C code
 * and executes no guest instruction).
 *
 * Each operation is timed in batches of BATCH calls between two reads of
 * the counter; a batch that an interrupt hit counts more, so the batch
 * with the fewest instructions is the operation's cost, less that of an
 * empty batch (the two reads alone). It prints, for each operation,
 *
 *   count op=OP per_call=N min=M empty=E batches=K at_min=H
 *
 * where at_min is how many of the K batches counted exactly M: the
 * count of a call is that of the batches no interrupt hit.
 *
 * Not a test. Usage: compat_caps_count [batches]
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
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench_vm.h"
#include <linux/perf_event.h>

#define BATCH		8
#define PVR_POWER8	0x0f000004
#define PVR_POWER9	0x0f000005

static int vm, vcpu, counter;
static __u32 pvr;
static struct kvm_one_reg reg = { .id = KVM_REG_PPC_ARCH_COMPAT };
/* A page: the ioctl's argument at its largest, the tail after the struct zero */
static union {
	struct kvm_ppc_compat_caps caps;
	char page[4096];
} arg;


static uint64_t instructions(void)
{
	uint64_t n;

	if (read(counter, &n, sizeof(n)) != sizeof(n))
		die("read(perf counter)");
	return n;
}

static void nothing(void)
{
}

static void check_extension(void)
{
	ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PPC_COMPAT_CAPS);
}

static void get_caps(uint64_t size)
{
	arg.caps.size = size;
	arg.caps.flags = 0;
	if (ioctl(vm, KVM_PPC_GET_COMPAT_CAPS, &arg))
		die("KVM_PPC_GET_COMPAT_CAPS");
}

static void get_caps_24(void)
{
	get_caps(24);
}

static void get_caps_4096(void)
{
	get_caps(4096);
}

static void set_accepted(void)
{
	pvr = PVR_POWER9;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg))
		die("KVM_SET_ONE_REG(ARCH_COMPAT, Power9)");
}

static void set_refused(void)
{
	pvr = PVR_POWER8;
	if (!ioctl(vcpu, KVM_SET_ONE_REG, &reg) || errno != EINVAL)
		die("KVM_SET_ONE_REG(ARCH_COMPAT, Power8) not refused with EINVAL");
}

/* The fewest instructions a batch of OP took, and in how many batches. */
static uint64_t min_batch(void (*op)(void), int batches, int *at_min)
{
	uint64_t best = UINT64_MAX, n, before;
	int b, i;

	*at_min = 0;
	for (b = 0; b < batches; b++) {
		before = instructions();
		for (i = 0; i < BATCH; i++)
			op();
		n = instructions() - before;
		if (n < best) {
			best = n;
			*at_min = 0;
		}
		if (n == best)
			(*at_min)++;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*op)(void);
	} ops[] = {
		{ "check_extension", check_extension },
		{ "get_compat_caps_24", get_caps_24 },
		{ "get_compat_caps_4096", get_caps_4096 },
		{ "set_one_reg_accepted", set_accepted },
		{ "set_one_reg_refused", set_refused },
	};
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_hv = 1,
	};
	int batches = argc > 1 ? atoi(argv[1]) : 400;
	uint64_t empty, min;
	int at_min, k;

	reg.addr = (uintptr_t)&pvr;
	counter = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (counter < 0)
		die("perf_event_open(PERF_COUNT_HW_INSTRUCTIONS)");
	bench_vm(&vm, &vcpu);

	empty = min_batch(nothing, batches, &at_min);
	printf("count op=empty per_call=0 min=%llu empty=%llu batches=%d at_min=%d\n",
	       (unsigned long long)empty, (unsigned long long)empty, batches, at_min);
	for (k = 0; k < (int)(sizeof(ops) / sizeof(ops[0])); k++) {
		min = min_batch(ops[k].op, batches, &at_min);
		printf("count op=%s per_call=%llu min=%llu empty=%llu batches=%d at_min=%d\n",
		       ops[k].name, (unsigned long long)((min - empty) / BATCH),
		       (unsigned long long)min, (unsigned long long)empty, batches, at_min);
	}
	return 0;
}
