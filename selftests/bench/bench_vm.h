/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the programs of `make bench` share: a nested-KVM VM with one PAPR
 * vcpu, and how they give up.
 */
#ifndef BENCH_VM_H
#define BENCH_VM_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(errno));
	exit(1);
}

/* A KVM-HV VM in *vm with one vcpu in *vcpu, PAPR enabled on it. */
static void bench_vm(int *vm, int *vcpu)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	int kvm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	*vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (*vm < 0)
		die("KVM_CREATE_VM");
	*vcpu = ioctl(*vm, KVM_CREATE_VCPU, 0);
	if (*vcpu < 0)
		die("KVM_CREATE_VCPU");
	if (ioctl(*vcpu, KVM_ENABLE_CAP, &papr))
		die("KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR)");
}

#endif
