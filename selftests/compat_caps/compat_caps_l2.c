// SPDX-License-Identifier: GPL-2.0
/*
 * Run an L2 vcpu in every compat mode that KVM_REG_PPC_ARCH_COMPAT accepts.
 *
 * compat_caps checks what the kernel reports; this test checks that it is
 * true: for each of Power9, Power10 and Power11 mode, in a fresh HV VM, a
 * tiny VMM sets the mode on vcpu 0 and runs a few real-mode instructions
 * that end in an hcall which KVM passes to user space. A mode that is not
 * granted must be refused by KVM_SET_ONE_REG with EINVAL, and then nothing
 * is run.
 *
 * What is granted, and the processor the qemu tests below need, come from
 * the host itself, as in compat_caps.c (compat_caps_setup()): on a nested
 * host the modes KVM_PPC_GET_COMPAT_CAPS reports, on bare metal those up to
 * the processor's own, which its PVR names. KVM_PPC_NESTED_API,
 * KVM_PPC_COMPAT_EXPECT and KVM_PPC_CPU, where set, are checked on top.
 *
 * The guest (one memslot at guest physical 0, radix, MSR[IR,DR] = 0):
 *
 *   0x0 - 0xfff   a stub every 0x20 bytes, so that every interrupt vector
 *                 lands on one: hcall HCALL_L2_INTERRUPT with SRR0, SRR1,
 *                 the vector, DAR and DSISR, so an unexpected interrupt in
 *                 the L2 is reported at once instead of as a timeout
 *   0x10000       the code: H_PUT_TERM_CHAR(0, 1, "X"), then b .
 *   0x100000      an empty process table (4 KiB), never walked in real mode
 */
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "compat_caps.h"

/* Seconds: KVM_RUN loop (alarm), and the harness' limit for one mode */
#define RUN_TIMEOUT	20
#define TEST_TIMEOUT	60
/* KVM_RUN calls interrupted by signals before giving up */
#define MAX_RUNS	100

/* Guest physical layout, see the top of the file */
#define MEM_SIZE	(2ULL << 20)
#define VECTORS_END	0x1000ULL
#define STUB_STRIDE	0x20ULL
#define CODE_ADDR	0x10000ULL
#define PRTB_ADDR	0x100000ULL
#define STACK_TOP	0x1f0000ULL

/* arch/powerpc/include/asm/book3s/64/mmu.h */
#define PATB_GR		0x8000000000000000ULL	/* guest uses radix */

/* arch/powerpc/include/asm/reg.h */
#define MSR_SF		0x8000000000000000ULL	/* 64-bit mode */
#define MSR_ME		0x0000000000001000ULL	/* machine check enable */
#define MSR_LE		0x0000000000000001ULL	/* little endian */
#define LPCR_ILE	0x0000000002000000ULL	/* interrupts set MSR[LE] */
#define SPRN_DSISR	0x012
#define SPRN_DAR	0x013
#define SPRN_SRR0	0x01a
#define SPRN_SRR1	0x01b

/* arch/powerpc/include/asm/hvcall.h */
#define H_PUT_TERM_CHAR	0x58
/*
 * Not an hcall: what the interrupt stubs call. Above MAX_HCALL_OPCODE and
 * below the KVM/QEMU private range (0xef00 and up), so KVM handles it
 * nowhere and passes it to user space like H_PUT_TERM_CHAR.
 */
#define HCALL_L2_INTERRUPT	0x7ff0

/* What the L2 code passes to H_PUT_TERM_CHAR */
#define TERM_CHAR	'X'
#define TERM_CHARS	((__u64)TERM_CHAR << 56)	/* first char in MSB */

/* Fixed instruction words, checked against binutils' encodings */
#define PPC_SC_1	0x44000022U	/* sc 1: LEV = 1, hypervisor call */
#define PPC_B_DOT	0x48000000U	/* b . */

/*
 * The code at CODE_ADDR, run with MSR[LE] = 1, so stored little-endian.
 *
 * Why H_PUT_TERM_CHAR: no path of KVM-HV implements it in the kernel.
 * - Early in kvmhv_p9_guest_entry() only H_CEDE (all hosts) and, on bare
 *   metal, H_ENTER_NESTED and the XICS hcalls are taken out of the way.
 * - kvmppc_handle_exit_hv() turns every sc 1 from guest supervisor state
 *   into KVM_EXIT_PAPR_HCALL with nr = r3, args = r4..r12.
 * - kvmppc_pseries_do_hcall() then returns RESUME_HOST for 0x58 twice
 *   over: its bit is not in enabled_hcalls (not in default_hcall_list, and
 *   KVM_CAP_PPC_ENABLE_HCALL refuses it as kvmppc_hcall_impl_hv() does not
 *   know it), and the switch has no case for it.
 * So KVM_RUN returns with KVM_EXIT_PAPR_HCALL. On a nested host the L0
 * gives every sc 1 of the L2 back to the L1 as trap 0xc00 with the GPRs
 * (v1: H_ENTER_NESTED returns with the L2 regs; v2: H_GUEST_RUN_VCPU
 * returns 0xc00 and GPR3-12 in the run output buffer), and the L1 takes
 * the same path. It is also an hcall real VMMs serve in user space (QEMU's
 * spapr-vty).
 */
static const __u32 l2_code[] = {
	0x38600058,	/* li    r3,0x58     addi r3,0,H_PUT_TERM_CHAR */
	0x38800000,	/* li    r4,0        terminal number */
	0x38a00001,	/* li    r5,1        length */
	0x38c00058,	/* li    r6,0x58     'X' */
	0x78c6c1c6,	/* sldi  r6,r6,56    rldicr r6,r6,56,7: chars 0-7 */
	0x38e00000,	/* li    r7,0        chars 8-15 */
	PPC_SC_1,	/* sc    1 */
	PPC_B_DOT,	/* b     .           user space does not resume */
};

/* li rt,si = addi rt,0,si; li r3,0x7ff0 = 0x38607ff0 */
static __u32 ppc_li(unsigned int rt, __u16 si)
{
	return 0x38000000U | rt << 21 | si;
}

/* mfspr rt,spr; split SPR field: mfspr r4,SRR0 = 0x7c9a02a6 */
static __u32 ppc_mfspr(unsigned int rt, unsigned int spr)
{
	return 0x7c0002a6U | rt << 21 | (spr & 0x1f) << 16 | (spr >> 5) << 11;
}

static const char *exit_name(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:		return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_DEBUG:		return "KVM_EXIT_DEBUG";
	case KVM_EXIT_MMIO:		return "KVM_EXIT_MMIO";
	case KVM_EXIT_FAIL_ENTRY:	return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTR:		return "KVM_EXIT_INTR";
	case KVM_EXIT_NMI:		return "KVM_EXIT_NMI";
	case KVM_EXIT_INTERNAL_ERROR:	return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_PAPR_HCALL:	return "KVM_EXIT_PAPR_HCALL";
	case KVM_EXIT_WATCHDOG:		return "KVM_EXIT_WATCHDOG";
	case KVM_EXIT_EPR:		return "KVM_EXIT_EPR";
	case KVM_EXIT_SYSTEM_EVENT:	return "KVM_EXIT_SYSTEM_EVENT";
	}
	return "?";
}

static int alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_store_n(&alarm_fired, 1, __ATOMIC_RELAXED);
}

static bool timed_out(void)
{
	return __atomic_load_n(&alarm_fired, __ATOMIC_RELAXED);
}

static void put_insn(void *mem, __u64 gpa, __u32 insn, bool big_endian)
{
	__u32 val = big_endian ? htobe32(insn) : htole32(insn);

	memcpy((char *)mem + gpa, &val, sizeof(val));
}

/*
 * Interrupts are taken with MSR[LE] = LPCR[ILE], which KVM leaves 0 unless
 * user space sets it, so the stubs are stored in the byte order LPCR says.
 */
static void write_stubs(void *mem, bool big_endian)
{
	__u64 vec;
	__u32 i;

	for (vec = 0; vec < VECTORS_END; vec += STUB_STRIDE) {
		const __u32 stub[] = {
			ppc_li(3, HCALL_L2_INTERRUPT),
			ppc_mfspr(4, SPRN_SRR0),
			ppc_mfspr(5, SPRN_SRR1),
			ppc_li(6, (__u16)vec),
			ppc_mfspr(7, SPRN_DAR),
			ppc_mfspr(8, SPRN_DSISR),
			PPC_SC_1,
			PPC_B_DOT,
		};

		for (i = 0; i < ARRAY_SIZE(stub); i++)
			put_insn(mem, vec + 4 * i, stub[i], big_endian);
	}
}

static void write_code(void *mem)
{
	__u32 i;

	for (i = 0; i < ARRAY_SIZE(l2_code); i++)
		put_insn(mem, CODE_ADDR + 4 * i, l2_code[i], false);
}

static void dump_regs(struct __test_metadata *_metadata, int vcpu_fd)
{
	struct kvm_regs regs;
	int err;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs)) {
		err = errno;
		TH_LOG("KVM_GET_REGS failed: %s", strerror(err));
		return;
	}
	TH_LOG("pc 0x%llx msr 0x%llx srr0 0x%llx srr1 0x%llx",
	       regs.pc, regs.msr, regs.srr0, regs.srr1);
	TH_LOG("lr 0x%llx ctr 0x%llx cr 0x%llx xer 0x%llx",
	       regs.lr, regs.ctr, regs.cr, regs.xer);
	TH_LOG("r1 0x%llx r3 0x%llx r4 0x%llx r5 0x%llx r6 0x%llx r7 0x%llx r8 0x%llx",
	       regs.gpr[1], regs.gpr[3], regs.gpr[4], regs.gpr[5],
	       regs.gpr[6], regs.gpr[7], regs.gpr[8]);
}

/* The fields of kvm_run that matter for @run->exit_reason */
static void dump_exit(struct __test_metadata *_metadata, struct kvm_run *run)
{
	__u32 reason = run->exit_reason;

	TH_LOG("exit_reason %u (%s)", reason, exit_name(reason));
	switch (reason) {
	case KVM_EXIT_PAPR_HCALL:
		TH_LOG("hcall nr 0x%llx args 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx",
		       run->papr_hcall.nr, run->papr_hcall.args[0],
		       run->papr_hcall.args[1], run->papr_hcall.args[2],
		       run->papr_hcall.args[3], run->papr_hcall.args[4]);
		break;
	case KVM_EXIT_MMIO:
		TH_LOG("mmio phys_addr 0x%llx len %u is_write %u",
		       run->mmio.phys_addr, run->mmio.len, run->mmio.is_write);
		break;
	case KVM_EXIT_UNKNOWN:
	case KVM_EXIT_NMI:
	case KVM_EXIT_INTERNAL_ERROR:
		/* KVM-HV puts the interrupt vector (trap) there */
		TH_LOG("hardware_exit_reason (trap) 0x%llx",
		       run->hw.hardware_exit_reason);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		TH_LOG("hardware_entry_failure_reason 0x%llx",
		       run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_DEBUG:
		TH_LOG("debug address 0x%llx", run->debug.arch.address);
		break;
	}
}

/* What the VMM holds */
struct vmm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	void *mem;		/* guest physical 0 */
};

/* Nothing opened or mapped yet */
static void vmm_reset(struct vmm *vmm)
{
	vmm->kvm_fd = -1;
	vmm->vm_fd = -1;
	vmm->vcpu_fd = -1;
	vmm->run = MAP_FAILED;
	vmm->mem = MAP_FAILED;
}

/* Close and unmap what was opened and mapped */
static void vmm_release(struct vmm *vmm)
{
	if (vmm->run != MAP_FAILED)
		munmap(vmm->run, vmm->run_size);
	if (vmm->vcpu_fd >= 0)
		close(vmm->vcpu_fd);
	if (vmm->vm_fd >= 0)
		close(vmm->vm_fd);
	if (vmm->mem != MAP_FAILED)
		munmap(vmm->mem, MEM_SIZE);
	if (vmm->kvm_fd >= 0)
		close(vmm->kvm_fd);
}

FIXTURE(l2) {
	struct host h;
	struct vmm vmm;
};

FIXTURE_VARIANT(l2) {
	const struct compat_mode *mode;
};

FIXTURE_VARIANT_ADD(l2, p9) {
	.mode = &modes[0],
};

FIXTURE_VARIANT_ADD(l2, p10) {
	.mode = &modes[1],
};

FIXTURE_VARIANT_ADD(l2, p11) {
	.mode = &modes[2],
};

/* The fixture's setup: the host, and the VMM holding its fds */
static bool vmm_setup(struct __test_metadata *_metadata, struct host *h,
		      struct vmm *vmm)
{
	bool ready;

	vmm_reset(vmm);
	ready = compat_caps_setup(_metadata, h);
	vmm->kvm_fd = h->kvm_fd;
	vmm->vm_fd = h->vm_fd;
	return ready && host_known(_metadata, h);
}

FIXTURE_SETUP(l2)
{
	vmm_setup(_metadata, &self->h, &self->vmm);
}

FIXTURE_TEARDOWN(l2)
{
	vmm_release(&self->vmm);
}

/*
 * Radix with an empty 4 KiB process table. kvmhv_configure_mmu() wants
 * PATB_GR in process_table exactly when KVM_PPC_MMUV3_RADIX is set and
 * PRTS <= 24; a nested host takes radix only. PRTS is 0 (4 KiB) on purpose:
 * on nested API v2 the L1 passes it to the L0 as a size, and QEMU's L0
 * accepts only 4 KiB and 16 MiB there.
 */
static void setup_vm(struct __test_metadata *_metadata, struct vmm *vmm)
{
	struct kvm_ppc_mmuv3_cfg mmu = {
		.flags = KVM_PPC_MMUV3_RADIX | KVM_PPC_MMUV3_GTSE,
		.process_table = PATB_GR | PRTB_ADDR,
	};
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
	};
	int ret, err;

	ret = ioctl(vmm->vm_fd, KVM_PPC_CONFIGURE_V3_MMU, &mmu);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_PPC_CONFIGURE_V3_MMU(radix, gtse, process_table 0x%llx) failed: %s",
		       mmu.process_table, strerror(err));
	TH_LOG("KVM_PPC_CONFIGURE_V3_MMU(radix, gtse, process_table 0x%llx): ok",
	       mmu.process_table);

	vmm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	err = errno;
	ASSERT_NE(MAP_FAILED, vmm->mem)
		TH_LOG("mmap of %llu bytes of guest memory failed: %s",
		       MEM_SIZE, strerror(err));

	region.userspace_addr = (uintptr_t)vmm->mem;
	ret = ioctl(vmm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_SET_USER_MEMORY_REGION(slot 0, gpa 0, 0x%llx bytes) failed: %s",
		       MEM_SIZE, strerror(err));
	TH_LOG("KVM_SET_USER_MEMORY_REGION(slot 0, gpa 0, 0x%llx bytes): ok",
	       MEM_SIZE);
}

/* vcpu 0, its kvm_run, PAPR mode: what compat_caps.c does, plus the mmap */
static void setup_vcpu(struct __test_metadata *_metadata, struct vmm *vmm)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	int ret, err;

	vmm->vcpu_fd = ioctl(vmm->vm_fd, KVM_CREATE_VCPU, 0);
	err = errno;
	ASSERT_GE(vmm->vcpu_fd, 0)
		TH_LOG("KVM_CREATE_VCPU(0) failed: %s", strerror(err));

	ret = ioctl(vmm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	err = errno;
	ASSERT_GT(ret, 0)
		TH_LOG("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(err));
	vmm->run_size = ret;

	vmm->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, vmm->vcpu_fd, 0);
	err = errno;
	ASSERT_NE(MAP_FAILED, vmm->run)
		TH_LOG("mmap of kvm_run (%zu bytes) failed: %s",
		       vmm->run_size, strerror(err));

	ret = ioctl(vmm->vcpu_fd, KVM_ENABLE_CAP, &papr);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR) failed: %s",
		       strerror(err));
	TH_LOG("KVM_CREATE_VCPU(0), kvm_run mmap, KVM_CAP_PPC_PAPR: ok");
}

/* Returns 0 or the errno of KVM_SET_ONE_REG(KVM_REG_PPC_ARCH_COMPAT) */
static int set_arch_compat(int vcpu_fd, __u32 pvr)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,	/* KVM_REG_SIZE_U32 */
		.addr = (uintptr_t)&pvr,
	};

	return ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0 ? errno : 0;
}

/*
 * Memory image and registers. Only what the code needs: KVM_SET_REGS
 * writes pc, msr, cr, ctr, lr, xer, srr0/1, sprg0-7 and the GPRs, so read
 * them first. MSR: 64-bit, little endian, real mode (IR = DR = 0), ME
 * (KVM-HV warns when entering a guest without it), EE = 0 so that the
 * decrementer, which nobody set, cannot interrupt. Nothing else: the PVR
 * cannot be changed on HV (KVM_SET_SREGS refuses any but the host's), the
 * LPCR KVM gives a radix guest is complete, and the PCR comes from
 * ARCH_COMPAT.
 */
static void setup_guest(struct __test_metadata *_metadata,
			struct vmm *vmm)
{
	struct kvm_one_reg lpcr_reg;
	struct kvm_regs regs;
	bool stubs_be = true;
	__u64 lpcr = 0;
	int ret, err;

	lpcr_reg.id = KVM_REG_PPC_LPCR_64;
	lpcr_reg.addr = (uintptr_t)&lpcr;
	if (ioctl(vmm->vcpu_fd, KVM_GET_ONE_REG, &lpcr_reg)) {
		err = errno;
		TH_LOG("KVM_GET_ONE_REG(LPCR_64) failed: %s; interrupt stubs stored big-endian",
		       strerror(err));
	} else {
		stubs_be = !(lpcr & LPCR_ILE);
		TH_LOG("LPCR 0x%llx: interrupt stubs stored %s-endian",
		       lpcr, stubs_be ? "big" : "little");
	}
	write_stubs(vmm->mem, stubs_be);
	write_code(vmm->mem);

	ret = ioctl(vmm->vcpu_fd, KVM_GET_REGS, &regs);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_GET_REGS failed: %s", strerror(err));

	regs.pc = CODE_ADDR;
	regs.msr = MSR_SF | MSR_ME | MSR_LE;
	regs.srr0 = 0;
	regs.srr1 = 0;
	regs.gpr[1] = STACK_TOP;

	ret = ioctl(vmm->vcpu_fd, KVM_SET_REGS, &regs);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_SET_REGS(pc 0x%llx, msr 0x%llx) failed: %s",
		       regs.pc, regs.msr, strerror(err));
	TH_LOG("KVM_SET_REGS(pc 0x%llx, msr 0x%llx): ok", regs.pc, regs.msr);
}

/*
 * KVM_RUN until it returns something other than a signal, for at most
 * RUN_TIMEOUT seconds. Returns 0 or the errno of the last KVM_RUN.
 */
static int run_vcpu(struct __test_metadata *_metadata, struct vmm *vmm,
		    unsigned int *runs)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int ret, err = 0;
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	__atomic_store_n(&alarm_fired, 0, __ATOMIC_RELAXED);
	alarm(RUN_TIMEOUT);

	for (i = 1; i <= MAX_RUNS; i++) {
		ret = ioctl(vmm->vcpu_fd, KVM_RUN, 0);
		err = ret < 0 ? errno : 0;
		/* a signal: EINTR, or exit_reason KVM_EXIT_INTR */
		if (err ? err != EINTR :
			  vmm->run->exit_reason != KVM_EXIT_INTR)
			break;
		if (timed_out() || i == MAX_RUNS)
			break;
	}
	alarm(0);
	*runs = i;
	return err;
}

/*
 * Run the L2 code: it must end in H_PUT_TERM_CHAR('X'), passed to user
 * space. @name is the mode the vcpu is in, for the log.
 */
static void run_to_hcall(struct __test_metadata *_metadata, struct vmm *vmm,
			 const char *name)
{
	struct kvm_run *run = vmm->run;
	unsigned int runs;
	int err;

	TH_LOG("KVM_RUN (timeout %d s)", RUN_TIMEOUT);
	err = run_vcpu(_metadata, vmm, &runs);
	TH_LOG("KVM_RUN returned %s after %u call(s), exit_reason %u (%s)",
	       err ? strerror(err) : "0", runs, run->exit_reason,
	       exit_name(run->exit_reason));

	if (err || run->exit_reason != KVM_EXIT_PAPR_HCALL) {
		if (err == EINTR || (!err && run->exit_reason == KVM_EXIT_INTR))
			TH_LOG("%s: L2 still running after %s", name,
			       timed_out() ? "the timeout" :
			       "too many interrupted KVM_RUN calls");
		dump_exit(_metadata, run);
		dump_regs(_metadata, vmm->vcpu_fd);
		ASSERT_EQ(0, err)
			TH_LOG("KVM_RUN failed: %s", strerror(err));
		ASSERT_EQ((__u32)KVM_EXIT_PAPR_HCALL, run->exit_reason)
			TH_LOG("expected KVM_EXIT_PAPR_HCALL (%d)",
			       KVM_EXIT_PAPR_HCALL);
	}

	dump_exit(_metadata, run);
	if (run->papr_hcall.nr == HCALL_L2_INTERRUPT)
		TH_LOG("L2 took interrupt 0x%llx at 0x%llx: srr1 0x%llx dar 0x%llx dsisr 0x%llx",
		       run->papr_hcall.args[2], run->papr_hcall.args[0],
		       run->papr_hcall.args[1], run->papr_hcall.args[3],
		       run->papr_hcall.args[4]);
	if (run->papr_hcall.nr != H_PUT_TERM_CHAR)
		dump_regs(_metadata, vmm->vcpu_fd);
	ASSERT_EQ((__u64)H_PUT_TERM_CHAR, run->papr_hcall.nr)
		TH_LOG("expected hcall H_PUT_TERM_CHAR (0x%x)",
		       H_PUT_TERM_CHAR);
	EXPECT_EQ(0ULL, run->papr_hcall.args[0])
		TH_LOG("terminal number");
	EXPECT_EQ(1ULL, run->papr_hcall.args[1])
		TH_LOG("length");
	EXPECT_EQ(TERM_CHARS, run->papr_hcall.args[2])
		TH_LOG("characters 0-7");
	EXPECT_EQ(0ULL, run->papr_hcall.args[3])
		TH_LOG("characters 8-15");
}

/* Returns ARCH_COMPAT as KVM_GET_ONE_REG reads it */
static __u32 get_arch_compat(struct __test_metadata *_metadata, int vcpu_fd)
{
	__u32 val = 0xffffffff;
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,
		.addr = (uintptr_t)&val,
	};
	int ret, err;

	ret = ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg);
	err = errno;
	EXPECT_EQ(0, ret)
		TH_LOG("KVM_GET_ONE_REG(ARCH_COMPAT) failed: %s", strerror(err));
	return val;
}

TEST_F_TIMEOUT(l2, run, TEST_TIMEOUT)
{
	const struct compat_mode *mode = variant->mode;
	bool want = self->h.granted & mode->cap;
	struct vmm *vmm = &self->vmm;
	struct kvm_run *run;
	int err;

	TH_LOG("%s (0x%08x): expected %s", mode->name, mode->pvr,
	       want ? "to run an L2 vcpu" :
	       "EINVAL from KVM_SET_ONE_REG(ARCH_COMPAT), no KVM_RUN");

	setup_vm(_metadata, vmm);
	setup_vcpu(_metadata, vmm);
	run = vmm->run;

	err = set_arch_compat(vmm->vcpu_fd, mode->pvr);
	TH_LOG("KVM_SET_ONE_REG(ARCH_COMPAT, 0x%08x): %s", mode->pvr,
	       err ? strerror(err) : "ok");
	if (!want) {
		EXPECT_EQ(EINVAL, err)
			TH_LOG("%s not granted: expected EINVAL, got %s; not running",
			       mode->name, err_name(err));
		EXPECT_EQ(0U, get_arch_compat(_metadata, vmm->vcpu_fd))
			TH_LOG("a refused mode must leave ARCH_COMPAT alone");
		return;
	}
	ASSERT_EQ(0, err)
		TH_LOG("%s granted: expected success, got %s", mode->name,
		       strerror(err));

	setup_guest(_metadata, vmm);
	run_to_hcall(_metadata, vmm, mode->name);

	/* The mode is still set (v2: the L1 reads it back from the L0) */
	EXPECT_EQ(mode->pvr, get_arch_compat(_metadata, vmm->vcpu_fd))
		TH_LOG("ARCH_COMPAT read back after the run");

	TH_LOG("%s: L2 ran and called H_PUT_TERM_CHAR('%c')", mode->name,
	       (char)(run->papr_hcall.args[2] >> 56));
}

/*
 * QEMU's own sequence, with raw ioctls. QEMU (-cpu host, no max-cpu-compat)
 * gives each vcpu the host's PVR with KVM_SET_SREGS, leaves ARCH_COMPAT at
 * 0 (raw mode) until the guest's CAS, and there asks for the newest mode
 * both the processor and the guest know: the processor's own. When KVM
 * refuses it, QEMU falls back to raw mode and goes on with KVM_RUN.
 *
 * Raw mode runs a guest as the processor itself. On a nested host that is
 * possible exactly when the hypervisor grants the processor's own mode:
 * then the mode is accepted and raw mode runs too; otherwise the mode is
 * refused and changes nothing, ARCH_COMPAT stays 0, and KVM_RUN in raw mode
 * fails with EINVAL before the guest runs (instead of running a Power11
 * guest on a host that may only give Power10, or failing late in the
 * hypervisor). On bare metal the processor's own mode is always granted.
 *
 * The processor is the one the PVR names.
 */
FIXTURE(qemu) {
	struct host h;
	const struct compat_mode *native;	/* the processor's own mode */
	bool raw_ok;				/* native mode is granted */
	struct vmm vmm;
};

FIXTURE_SETUP(qemu)
{
	if (!vmm_setup(_metadata, &self->h, &self->vmm))
		return;
	self->native = cpu_mode(&self->h);
	if (!self->native)
		SKIP(return, "the processor (PVR 0x%08x) is none of Power9, Power10, Power11",
		     self->h.pvr);
	self->raw_ok = self->h.granted & self->native->cap;
	TH_LOG("raw mode runs the guest as a %s, expected %s",
	       self->native->name, self->raw_ok ? "to run" : "to be refused");
}

FIXTURE_TEARDOWN(qemu)
{
	vmm_release(&self->vmm);
}

/* QEMU at vcpu setup: the host's PVR, read and written back */
static void set_sregs_host_pvr(struct __test_metadata *_metadata,
			       struct vmm *vmm)
{
	struct kvm_sregs sregs;
	int ret, err;

	ret = ioctl(vmm->vcpu_fd, KVM_GET_SREGS, &sregs);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_GET_SREGS failed: %s", strerror(err));
	ret = ioctl(vmm->vcpu_fd, KVM_SET_SREGS, &sregs);
	err = errno;
	ASSERT_EQ(0, ret)
		TH_LOG("KVM_SET_SREGS(pvr 0x%08x) failed: %s", sregs.pvr,
		       strerror(err));
	TH_LOG("KVM_SET_SREGS(pvr 0x%08x): ok", sregs.pvr);
}

/*
 * Raw mode without a KVM_SET_ONE_REG in between: runs exactly when the
 * processor's own mode is granted; otherwise EINVAL, nothing run.
 */
static void run_raw(struct __test_metadata *_metadata, struct vmm *vmm,
		    bool raw_ok)
{
	unsigned int runs;
	int err;

	setup_guest(_metadata, vmm);
	if (raw_ok) {
		/*
		 * ARCH_COMPAT is not read back: on nested API v2 the L1
		 * reloads it from the L0 after the run, and QEMU's L0 gives
		 * what it ran the guest as.
		 */
		run_to_hcall(_metadata, vmm, "raw mode");
		return;
	}
	err = run_vcpu(_metadata, vmm, &runs);
	TH_LOG("KVM_RUN in raw mode returned %s after %u call(s), exit_reason %u (%s)",
	       err ? strerror(err) : "0", runs, vmm->run->exit_reason,
	       exit_name(vmm->run->exit_reason));
	EXPECT_EQ(EINVAL, err)
		TH_LOG("raw mode not granted: KVM_RUN must fail with EINVAL, nothing run");
	EXPECT_EQ(1U, runs);
}

/* KVM_SET_ONE_REG(ARCH_COMPAT, 0): raw mode, asked for explicitly */
TEST_F(qemu, raw_set)
{
	int err;

	setup_vm(_metadata, &self->vmm);
	setup_vcpu(_metadata, &self->vmm);
	err = set_arch_compat(self->vmm.vcpu_fd, 0);
	TH_LOG("KVM_SET_ONE_REG(ARCH_COMPAT, 0): %s", err ? strerror(err) : "ok");
	EXPECT_EQ(self->raw_ok ? 0 : EINVAL, err)
		TH_LOG("raw mode (a %s) %s", self->native->name,
		       self->raw_ok ? "is granted: expected success" :
		       "is not granted: expected EINVAL");
	EXPECT_EQ(0U, get_arch_compat(_metadata, self->vmm.vcpu_fd));
}

/* A vcpu whose ARCH_COMPAT was never set: QEMU before CAS */
TEST_F_TIMEOUT(qemu, raw_run, TEST_TIMEOUT)
{
	setup_vm(_metadata, &self->vmm);
	setup_vcpu(_metadata, &self->vmm);
	set_sregs_host_pvr(_metadata, &self->vmm);
	run_raw(_metadata, &self->vmm, self->raw_ok);
}

/* CAS asks for the processor's own mode; on EINVAL, QEMU's fallback */
TEST_F_TIMEOUT(qemu, cas_fallback, TEST_TIMEOUT)
{
	const struct compat_mode *native = self->native;
	int err;

	setup_vm(_metadata, &self->vmm);
	setup_vcpu(_metadata, &self->vmm);
	set_sregs_host_pvr(_metadata, &self->vmm);
	err = set_arch_compat(self->vmm.vcpu_fd, native->pvr);
	TH_LOG("CAS: KVM_SET_ONE_REG(ARCH_COMPAT, 0x%08x): %s", native->pvr,
	       err ? strerror(err) : "ok");
	if (self->raw_ok) {
		ASSERT_EQ(0, err)
			TH_LOG("%s is granted: the mode must be accepted",
			       native->name);
		setup_guest(_metadata, &self->vmm);
		run_to_hcall(_metadata, &self->vmm, native->name);
		return;
	}
	ASSERT_EQ(EINVAL, err)
		TH_LOG("%s is not granted: the mode must be refused",
		       native->name);
	EXPECT_EQ(0U, get_arch_compat(_metadata, self->vmm.vcpu_fd))
		TH_LOG("a refused mode must leave ARCH_COMPAT alone");
	TH_LOG("QEMU's fallback: raw mode");
	run_raw(_metadata, &self->vmm, false);
}

TEST_HARNESS_MAIN
