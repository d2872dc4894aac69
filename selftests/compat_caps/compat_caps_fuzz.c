// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_PPC_GET_COMPAT_CAPS with hostile arguments: sizes, flags, dirty tails,
 * read-only memory, structs running into a hole, NULL and kernel pointers,
 * the wrong file descriptor, then a seeded random loop.
 *
 * Each request is judged by model(): the ABI contract of
 * Documentation/virt/kvm/api.rst 4.145 as the C reference implements it
 * (arch/powerpc/kvm/powerpc.c, case KVM_PPC_GET_COMPAT_CAPS), never the
 * kernel's answers. What a successful call writes is the answer the fixture
 * got with a plain call (compat_caps_setup(); compat_caps and
 * compat_caps_l2 check that answer). In order:
 *
 *  1. not a VM fd -> EINVAL, the argument never looked at
 *  2. get_user(size, argp): the 8 bytes of size unreadable -> EFAULT
 *  3. size > PAGE_SIZE -> E2BIG, nothing written
 *  4. size < 24 -> EINVAL, nothing written
 *  5. size > 24: copy_struct_from_user() checks bytes [24, size) with
 *     check_zeroed_user(), which reads aligned words in address order and
 *     stops at the first word with a non-zero byte of the tail:
 *       a non-zero byte before any unreadable word -> E2BIG, and size is
 *       overwritten with 24 (put_user(); if that faults -> EFAULT);
 *       an unreadable word first -> EFAULT.
 *     An aligned word never straddles a page, so with a hole at byte H of
 *     the struct: E2BIG when the first non-zero tail byte is below H,
 *     EFAULT when H < size and there is none below H.
 *     Then copy_from_user() of bytes [0, 24): unreadable -> EFAULT.
 *     (api.rst only says EFAULT when the struct "cannot be read"; which of
 *     E2BIG and EFAULT wins when both apply is the reference's order.)
 *  6. flags != 0 -> EINVAL, nothing written
 *  7. no mode set on this host (bare metal) -> EINVAL, nothing written
 *  8. success: clear_user() of [24, size) (it is zero already), then
 *     size = 24, flags = 0, compat_capabilities = the host's modes;
 *     not writable -> EFAULT with nothing written.
 *
 * After each call the struct must hold what the model says and the bytes
 * around it (GUARD_WINDOW each side) their pattern; every mapped byte is
 * compared every FULL_CHECK_EVERY random calls.
 *
 * Random loop: COMPAT_CAPS_FUZZ_ITERS calls (default FUZZ_ITERS), seeded
 * from COMPAT_CAPS_FUZZ_SEED or the clock; the seed is printed first, so a
 * failure replays with both variables set as the failure log says.
 *
 * usercopy_faults, usercopy_faults_arch_compat: the same requests, and
 * KVM_SET_ONE_REG(ARCH_COMPAT), while the kernel's user copies fail on
 * purpose (fail_usercopy, for this task only; SKIP without it).
 */
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* memfd_create() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "compat_caps.h"

#define ENV_ITERS	"COMPAT_CAPS_FUZZ_ITERS"
#define ENV_SEED	"COMPAT_CAPS_FUZZ_SEED"

#define FUZZ_ITERS		100000	/* calls of the random loop */
#define FUZZ_TIMEOUT		280	/* seconds, for the random loop */
#define FUZZ_PROGRESS		25000	/* log every that many calls */
#define FULL_CHECK_EVERY	1024	/* compare every mapped byte */
#define GUARD_WINDOW		256	/* guard bytes checked each call */
#define LAY_EXTRA		64	/* laid bytes past 24 for huge sizes */

#define SIZE_VER0	KVM_PPC_COMPAT_CAPS_SIZE_VER0
#define KERNEL_ADDR	0xc000000000000000UL
#define CAPS_GARBAGE	0xdeadbeefcafef00dULL	/* input, must be ignored */

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Private xorshift64* generator: the sequence depends on the seed only. */
static __u64 rnd_next(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in [0, n) for the small n used here; 0 when n is 0 */
static __u64 rnd_below(__u64 *s, __u64 n)
{
	return n ? rnd_next(s) % n : 0;
}

/* splitmix64 of the seed: any seed, 0 included, gives a non-zero state */
static void rnd_seed(__u64 *s, __u64 seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	*s = z ? z : 1;
}

/* Where the struct lives; the first NR_MEM_KINDS are mapped regions */
enum ptr_kind {
	PTR_NORMAL,	/* read-write anonymous memory */
	PTR_RDONLY,	/* read-only view of a memfd */
	PTR_HOLE_NONE,	/* runs into a PROT_NONE page */
	PTR_HOLE_UNMAP,	/* runs into an unmapped page */
	PTR_NULL,	/* NULL and other addresses in page 0 */
	PTR_KERNEL,	/* kernel addresses */
	NR_PTR_KINDS,
	PTR_HOLE = NR_PTR_KINDS,	/* in the case table: the test's hole */
};

#define NR_MEM_KINDS	PTR_NULL

static const char * const kind_names[] = {
	"normal", "read-only", "hole:prot_none", "hole:unmapped", "null",
	"kernel",
};

static bool is_hole(int kind)
{
	return kind == PTR_HOLE_NONE || kind == PTR_HOLE_UNMAP;
}

/* The file descriptor the ioctl goes to */
enum { FD_VM, FD_SYS, FD_VCPU };

static const char * const fd_names[] = { "VM fd", "/dev/kvm", "vcpu fd" };

/*
 * A mapped area. For the hole kinds the hole starts right at w + len; for
 * the others the struct is placed so that it ends inside the area.
 */
struct region {
	__u8 *w;	/* where the test writes */
	__u8 *k;	/* the same bytes, as the kernel gets them */
	size_t len;
};

struct request {
	int kind;
	int fd;
	__u64 size;
	__u64 flags;
	__u64 caps;		/* compat_capabilities on input: ignored */
	size_t len;		/* bytes laid: header, then a zero tail */
	size_t dirty;		/* 0, or offset (>= 24) of a non-zero byte */
	__u8 dval;		/* its value */
	size_t off;		/* start of the struct in the region */
	unsigned long addr;	/* PTR_NULL, PTR_KERNEL: the pointer */
};

enum wrote { WROTE_NOTHING, WROTE_SIZE, WROTE_STRUCT };

static const char * const wrote_names[] = {
	"nothing written", "size := 24", "struct written",
};

struct verdict {
	int err;
	enum wrote wrote;
};

/* The state of one test: the fixture holds it, the helpers take it */
struct fuzz_ctx {
	struct host h;
	int vcpu_fd;
	size_t page;
	__u8 *pristine;		/* 2 pages of the guard pattern */
	__u8 *img;		/* 2 pages: the struct as laid, then as due */
	__u8 *hole;		/* rw, PROT_NONE, rw, unmapped page */
	struct region regions[NR_MEM_KINDS];
	struct {
		void *p;
		size_t len;
	} maps[6];
	unsigned int nr_maps;
	/* usercopy_faults: calls, faults injected, answers checked */
	unsigned long calls, faults, as_args, efault;
};

FIXTURE(fuzz) {
	struct fuzz_ctx c;
};

static __u8 *map(struct fuzz_ctx *fx, size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	fx->maps[fx->nr_maps].p = p;
	fx->maps[fx->nr_maps++].len = len;
	return p;
}

FIXTURE_SETUP(fuzz)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS, rw = PROT_READ | PROT_WRITE;
	struct fuzz_ctx *fx = &self->c;
	__u8 *ro_w, *ro, *n, *h2;
	size_t p, i;
	int fd;

	fx->vcpu_fd = -1;
	if (!compat_caps_setup(_metadata, &fx->h))
		return;
	ASSERT_GT(sysconf(_SC_PAGESIZE), 0);
	p = sysconf(_SC_PAGESIZE);
	fx->page = p;

	fd = memfd_create("compat_caps_fuzz", MFD_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("memfd_create: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, 2 * p));
	ro_w = map(fx, 2 * p, rw, MAP_SHARED, fd);
	ro = map(fx, 2 * p, PROT_READ, MAP_SHARED, fd);
	close(fd);
	n = map(fx, 2 * p, rw, anon, -1);
	fx->pristine = map(fx, 2 * p, rw, anon, -1);
	fx->img = map(fx, 2 * p, rw, anon, -1);
	fx->hole = map(fx, 4 * p, rw, anon, -1);
	ASSERT_TRUE(ro_w && ro && n && fx->pristine && fx->img && fx->hole);
	ASSERT_EQ(0, mprotect(fx->hole + p, p, PROT_NONE));
	ASSERT_EQ(0, munmap(fx->hole + 3 * p, p));

	/* Non-zero, so that a byte read past the struct is never taken for 0 */
	for (i = 0; i < 2 * p; i++)
		fx->pristine[i] = 0x80 | ((i * 37 + 11) & 0x7f);
	h2 = fx->hole + 2 * p;
	fx->regions[PTR_NORMAL] = (struct region){ n, n, 2 * p };
	fx->regions[PTR_RDONLY] = (struct region){ ro_w, ro, 2 * p };
	fx->regions[PTR_HOLE_NONE] = (struct region){ fx->hole, fx->hole, p };
	fx->regions[PTR_HOLE_UNMAP] = (struct region){ h2, h2, p };
	for (i = 0; i < NR_MEM_KINDS; i++)
		memcpy(fx->regions[i].w, fx->pristine, fx->regions[i].len);
}

FIXTURE_TEARDOWN(fuzz)
{
	struct fuzz_ctx *fx = &self->c;

	while (fx->nr_maps) {
		fx->nr_maps--;
		munmap(fx->maps[fx->nr_maps].p, fx->maps[fx->nr_maps].len);
	}
	if (fx->vcpu_fd >= 0)
		close(fx->vcpu_fd);
	if (fx->h.vm_fd >= 0)
		close(fx->h.vm_fd);
	if (fx->h.kvm_fd >= 0)
		close(fx->h.kvm_fd);
}

/* Bytes readable from argp before a fault; SIZE_MAX: none in reach */
static size_t req_readable(const struct fuzz_ctx *fx, const struct request *r)
{
	if (is_hole(r->kind))
		return fx->regions[r->kind].len - r->off;
	return r->kind < NR_MEM_KINDS ? SIZE_MAX : 0;
}

/* Bytes of the request in memory: the laid ones the hole leaves */
static size_t req_laid(const struct fuzz_ctx *fx, const struct request *r)
{
	return r->kind < NR_MEM_KINDS ? min_sz(r->len, req_readable(fx, r)) : 0;
}

static void *req_argp(const struct fuzz_ctx *fx, const struct request *r)
{
	if (r->kind >= NR_MEM_KINDS)
		return (void *)r->addr;
	return fx->regions[r->kind].k + r->off;
}

static int req_fd(const struct fuzz_ctx *fx, const struct request *r)
{
	return r->fd == FD_SYS ? fx->h.kvm_fd :
	       r->fd == FD_VCPU ? fx->vcpu_fd : fx->h.vm_fd;
}

/*
 * The answer of the C reference, from the request alone (see the top of
 * the file). For size <= PAGE_SIZE the request lays exactly size bytes, so
 * r->dirty, when set, lies in the tail.
 */
static struct verdict model(const struct fuzz_ctx *fx, const struct request *r)
{
	size_t readable = req_readable(fx, r);
	bool writable = r->kind == PTR_NORMAL || is_hole(r->kind);
	struct verdict v = { EFAULT, WROTE_NOTHING };

	if (r->fd != FD_VM)
		v.err = EINVAL;
	else if (readable < sizeof(__u64))
		;
	else if (r->size > fx->page)
		v.err = E2BIG;
	else if (r->size < SIZE_VER0)
		v.err = EINVAL;
	else if (r->dirty && r->dirty < r->size && r->dirty < readable)
		v = writable ? (struct verdict){ E2BIG, WROTE_SIZE } : v;
	else if (readable < r->size)
		;
	else if (r->flags || fx->h.api == API_BARE)
		v.err = EINVAL;
	else if (writable)
		v = (struct verdict){ 0, WROTE_STRUCT };
	return v;
}

/* Lay the request in its region, and in img: header, zero tail, dirty byte */
static void lay(struct fuzz_ctx *fx, const struct request *r)
{
	const __u64 head[3] = { r->size, r->flags, r->caps };
	size_t laid = req_laid(fx, r);

	memset(fx->img, 0, laid);
	memcpy(fx->img, head, min_sz(laid, sizeof(head)));
	if (r->dirty && r->dirty < laid)
		fx->img[r->dirty] = r->dval;
	if (laid)
		memcpy(fx->regions[r->kind].w + r->off, fx->img, laid);
}

/* Offset of the first byte where a and b differ, n if none */
static size_t diff_at(const __u8 *a, const __u8 *b, size_t n)
{
	size_t i;

	if (!memcmp(a, b, n))
		return n;
	for (i = 0; a[i] == b[i]; i++)
		;
	return i;
}

/*
 * After the call: the struct holds what @v says (unless @v is NULL: after
 * an injected fault), and GUARD_WINDOW bytes each side of it their pattern.
 * Restores the region. Returns false with the reason in @why.
 */
static bool check_memory(struct fuzz_ctx *fx, const struct request *r,
			 const struct verdict *v, char *why, size_t len)
{
	const __u64 due[3] = { SIZE_VER0, 0, fx->h.granted };
	const struct region *g = &fx->regions[r->kind];
	size_t laid = req_laid(fx, r), lo, hi, at;
	bool ok = false;
	__u8 *p;

	if (r->kind >= NR_MEM_KINDS)
		return true;
	p = g->w + r->off;
	if (v && v->wrote != WROTE_NOTHING)
		memcpy(fx->img, due, min_sz(laid, v->wrote == WROTE_SIZE ? 8 : 24));
	at = v ? diff_at(p, fx->img, laid) : laid;
	if (at < laid) {
		snprintf(why, len, "struct byte %zu (%s): expected 0x%02x, got 0x%02x",
			 at, at < 8 ? "size" : at < 16 ? "flags" : at < 24 ?
			 "compat_capabilities" : at == r->dirty ? "dirty tail" :
			 "tail", fx->img[at], p[at]);
		goto out;
	}
	lo = r->off > GUARD_WINDOW ? r->off - GUARD_WINDOW : 0;
	hi = min_sz(r->off + laid + GUARD_WINDOW, g->len);
	at = lo + diff_at(g->w + lo, fx->pristine + lo, r->off - lo);
	if (at == r->off)
		at += laid + diff_at(p + laid, fx->pristine + at + laid,
				     hi - r->off - laid);
	ok = at == hi;
	if (!ok)
		snprintf(why, len, "guard byte at struct %+zd: expected 0x%02x, got 0x%02x",
			 (ssize_t)(at - r->off), fx->pristine[at], g->w[at]);
out:
	memcpy(p, fx->pristine + r->off, laid);
	return ok;
}

/* Every mapped byte holds the pattern, the unmapped page is still a hole */
static bool check_regions(struct fuzz_ctx *fx, char *why, size_t len)
{
	unsigned char vec[1];
	unsigned int k;
	size_t at;

	for (k = 0; k < NR_MEM_KINDS; k++) {
		const struct region *g = &fx->regions[k];

		at = diff_at(g->w, fx->pristine, g->len);
		if (at < g->len) {
			snprintf(why, len, "%s region byte %zu: expected 0x%02x, got 0x%02x",
				 kind_names[k], at, fx->pristine[at], g->w[at]);
			memcpy(g->w, fx->pristine, g->len);
			return false;
		}
	}
	/* mincore() fails with ENOMEM on an unmapped range */
	if (mincore(fx->hole + 3 * fx->page, fx->page, vec) == 0 ||
	    errno != ENOMEM) {
		snprintf(why, len, "the unmapped page after the %s region got mapped",
			 kind_names[PTR_HOLE_UNMAP]);
		return false;
	}
	return true;
}

static const char *req_str(const struct fuzz_ctx *fx, const struct request *r,
			   char *buf, size_t len)
{
	snprintf(buf, len,
		 "%s, %s+%zu argp=%p (readable %zd) size=%llu (0x%llx) flags=0x%llx caps_in=0x%llx laid=%zu tail %s +%zu=0x%02x",
		 fd_names[r->fd], kind_names[r->kind], r->off, req_argp(fx, r),
		 (ssize_t)req_readable(fx, r), r->size, r->size, r->flags, r->caps,
		 req_laid(fx, r), r->dirty ? "dirty" : "clean", r->dirty, r->dval);
	return buf;
}

/*
 * Injected user-copy faults (CONFIG_FAULT_INJECTION_USERCOPY): the kernel's
 * own copy functions fail on a schedule, for this task only. Each call is
 * armed for one fault: at the Nth copy of this task (space = N), or at each
 * copy with a probability until one fails (the position then comes from
 * the kernel's random numbers, not from a seed). Whatever the schedule, the
 * answer must be the one the arguments alone give or EFAULT; with the
 * former, memory is exactly as without a fault; with EFAULT, nothing
 * outside the struct is written. get_user(), put_user() and clear_user()
 * do not go through the injection, so which copy is the Nth differs
 * between implementations; the contract does not.
 */
#define FAIL_USERCOPY	"/sys/kernel/debug/fail_usercopy/"
#define MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"

/* The schedules: the Nth copy, then 4 probabilistic ones (percent) */
static const unsigned int fi_nth[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 32, 63, 64, 65, 66, 67, 68, 70, 80,
};

static const unsigned int fi_percent[] = { 10, 30, 60, 90 };

#define NR_SCHEDULES	(ARRAY_SIZE(fi_nth) + ARRAY_SIZE(fi_percent))

static int put_str(const char *path, const char *val)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? errno : EIO;
	close(fd);
	return err;
}

static int fi_set(const char *name, long val)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), FAIL_USERCOPY "%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	return put_str(path, buf);
}

/* One fault for this task, on schedule @k */
static int fi_arm(unsigned int k)
{
	bool nth = k < ARRAY_SIZE(fi_nth);

	return fi_set("times", 1) ?: fi_set("space", nth ? fi_nth[k] : 0) ?:
	       fi_set("interval", 1) ?:
	       fi_set("probability", nth ? 100 : fi_percent[k - ARRAY_SIZE(fi_nth)]) ?:
	       put_str(MAKE_IT_FAIL, "1");
}

/*
 * Disarm. Returns 1 if the fault was injected before, 0 if not (or only
 * into the disarming write itself, which then fails and is retried), -1 on
 * error.
 */
static int fi_disarm(void)
{
	int tries, err, n = 0;
	long times = -1;
	FILE *f;

	for (tries = 0; tries < 1000; tries++) {
		err = put_str(MAKE_IT_FAIL, "0");
		if (err != EFAULT)
			break;
	}
	if (err)
		return -1;
	/* times went from 1 to 0 when the fault was injected */
	f = fopen(FAIL_USERCOPY "times", "re");
	if (f) {
		n = fscanf(f, "%ld", &times);
		fclose(f);
	}
	return tries == 0 && n == 1 && times == 0;
}

static bool fi_setup(void)
{
	if (access(FAIL_USERCOPY "times", W_OK) || access(MAKE_IT_FAIL, W_OK))
		return false;
	return !fi_set("task-filter", 1) && !fi_set("verbose", 0) &&
	       !fi_set("times", 0);
}

/*
 * Lay @r, call, check: the one judge of every request. Under fault
 * schedule @k (unless -1) the answer may also be EFAULT when a fault was
 * injected, and then only the bytes around the struct are checked. Fills
 * the verdict, the errno got (-1: neither 0 nor -1 returned) and, on a
 * mismatch, the reason; returns whether everything matched.
 */
static bool call(struct fuzz_ctx *fx, const struct request *r, int k,
		 struct verdict *want, int *got, char *why, size_t len)
{
	char mem[128] = "", what[64] = "";
	bool faulted, mem_ok;
	int ret, fault = 0;

	*want = model(fx, r);
	lay(fx, r);
	if (k >= 0 && fi_arm(k))
		snprintf(what, sizeof(what), "cannot arm fail_usercopy");
	ret = ioctl(req_fd(fx, r), KVM_PPC_GET_COMPAT_CAPS, req_argp(fx, r));
	*got = ret ? errno : 0;
	if (k >= 0) {
		fault = fi_disarm();
		fx->calls++;
		fx->faults += fault > 0;
	}
	faulted = fault > 0 && *got == EFAULT && want->err != EFAULT;
	fx->as_args += k >= 0 && *got == want->err;
	fx->efault += faulted;
	mem_ok = check_memory(fx, r, faulted ? NULL : want, mem, sizeof(mem));
	if (fault < 0)
		snprintf(what, sizeof(what), "cannot disarm fail_usercopy");
	else if (ret != 0 && ret != -1)
		snprintf(what, sizeof(what), "ioctl returned %d", ret);
	else if (*got != want->err && !faulted)
		snprintf(what, sizeof(what), "errno differs");
	if (ret != 0 && ret != -1)
		*got = -1;
	snprintf(why, len, "%s%s%s", what, *what && !mem_ok ? "; " : "", mem);
	if (k >= 0 && (*what || !mem_ok))
		snprintf(why + strlen(why), len - strlen(why), " (schedule %d%s)",
			 k, fault > 0 ? ", fault injected" : "");
	return !*what && mem_ok;
}

/*
 * The requests of the deterministic tests, in groups: each TEST_F runs the
 * rows of a group as its tweak changes them; "usercopy" rows run under
 * every fault schedule. size, at: PG_SIZE, PG_AT add the page size (modulo
 * 2^64: -8 is 8 below it); at: the bytes before the hole (PTR_HOLE), the
 * pointer (PTR_NULL, PTR_KERNEL); dirty: the offset of a non-zero tail
 * byte, from the end of the laid bytes when negative.
 */
enum { PG_SIZE = 1, PG_AT = 2 };

struct fuzz_case {
	int kind;
	__u64 size;
	__u64 flags;
	unsigned long at;
	long dirty;
	__u8 dval;
	__u8 pg;
	const char *group;	/* a row naming a group starts it */
};

#define GROUP(name)	{ .group = (name) }
#define KA		KERNEL_ADDR

static const struct fuzz_case cases[] = {
	GROUP("null"),
	{ PTR_NULL, 24, 0, 0 }, { PTR_NULL, 24, 0, 8 }, { PTR_NULL, 24, 0, 0x100 },
	{ PTR_NULL, 24, 0, 0xff8 },
	GROUP("kernel"),
	{ PTR_KERNEL, 24, 0, KA }, { PTR_KERNEL, 24, 0, KA + 0x10000 },
	{ PTR_KERNEL, 24, 0, KA + 0x1234567 }, { PTR_KERNEL, 24, 0, ~7UL },
	{ PTR_KERNEL, 24, 0, ~0UL },
	GROUP("sizes"),
	{ PTR_NORMAL, 0 }, { PTR_NORMAL, 23 }, { PTR_NORMAL, 24 }, { PTR_NORMAL, 25 },
	{ PTR_NORMAL, 4096 }, { PTR_NORMAL, 4097 }, { PTR_NORMAL, 0, .pg = PG_SIZE },
	{ PTR_NORMAL, 1, .pg = PG_SIZE }, { PTR_NORMAL, 1ULL << 40 },
	{ PTR_NORMAL, UINT64_MAX },
	/* non-zero flags: EINVAL, after the size and tail checks */
	GROUP("flags"),
	{ PTR_NORMAL, 24, 1 }, { PTR_NORMAL, 64, 1 }, { PTR_NORMAL, 64, 1, 0, 24, 0x42 },
	{ PTR_NORMAL, 23, 1 }, { PTR_NORMAL, 1, 1, .pg = PG_SIZE },
	{ PTR_NORMAL, 24, 1ULL << 63 }, { PTR_NORMAL, 64, 1ULL << 63 },
	{ PTR_NORMAL, 64, 1ULL << 63, 0, 24, 0x42 }, { PTR_NORMAL, 23, 1ULL << 63 },
	{ PTR_NORMAL, 1, 1ULL << 63, .pg = PG_SIZE },
	{ PTR_NORMAL, 24, ~0ULL }, { PTR_NORMAL, 64, ~0ULL },
	{ PTR_NORMAL, 64, ~0ULL, 0, 24, 0x42 }, { PTR_NORMAL, 23, ~0ULL },
	{ PTR_NORMAL, 1, ~0ULL, .pg = PG_SIZE },
	/* the struct in a PROT_READ mapping: nothing is ever written */
	GROUP("read_only"),
	{ PTR_RDONLY, 24 }, { PTR_RDONLY, 64 }, { PTR_RDONLY, 0, .pg = PG_SIZE },
	{ PTR_RDONLY, 64, 0, 0, 24, 0x01 }, { PTR_RDONLY, 0, 0, 0, -1, 0xff, PG_SIZE },
	{ PTR_RDONLY, 24, 1 }, { PTR_RDONLY, 23 }, { PTR_RDONLY, 1, .pg = PG_SIZE },
	/*
	 * The struct runs into the hole after @at bytes: all of it, size,
	 * flags, caps, the tail in the hole or crossing it, ending there.
	 */
	GROUP("straddle"),
	{ PTR_HOLE, 24, 0, 0 }, { PTR_HOLE, 24, 0, 1 }, { PTR_HOLE, 24, 0, 4 },
	{ PTR_HOLE, 24, 0, 7 }, { PTR_HOLE, 24, 0, 8 }, { PTR_HOLE, 24, 0, 12 },
	{ PTR_HOLE, 24, 0, 16 }, { PTR_HOLE, 24, 0, 20 }, { PTR_HOLE, 24, 0, 23 },
	{ PTR_HOLE, 24, 0, 24 }, { PTR_HOLE, 24, 1, 16 }, { PTR_HOLE, 24, 1, 24 },
	{ PTR_HOLE, 25, 0, 24 }, { PTR_HOLE, 32, 0, 28 }, { PTR_HOLE, 32, 0, 31 },
	{ PTR_HOLE, 32, 0, 32 }, { PTR_HOLE, 64, 0, 40 }, { PTR_HOLE, 64, 0, 37 },
	{ PTR_HOLE, 64, 0, 40, 48, 0x5a }, { PTR_HOLE, 64, 0, 40, 63, 0x5a },
	{ PTR_HOLE, 23, 0, 8 }, { PTR_HOLE, 0, 0, 8 }, { PTR_HOLE, UINT64_MAX, 0, 8 },
	{ PTR_HOLE, 1ULL << 40, 0, 8 }, { PTR_HOLE, 0, 0, -8UL, .pg = PG_SIZE | PG_AT },
	{ PTR_HOLE, 0, 0, 0, .pg = PG_SIZE | PG_AT }, { PTR_HOLE, 1, 0, 8, .pg = PG_SIZE },
	/*
	 * A non-zero tail byte before the hole: check_zeroed_user() finds it
	 * and stops before it reaches the hole, so the C reference answers
	 * E2BIG and writes size = 24. An implementation that reads the whole
	 * tail before looking at it answers EFAULT instead.
	 */
	GROUP("dirty_before_hole"),
	{ PTR_HOLE_NONE, 64, 0, 40, 24, 0x5a }, { PTR_HOLE_NONE, 64, 0, 40, 39, 0x5a },
	{ PTR_HOLE_NONE, 64, 0, 37, 30, 0x5a }, { PTR_HOLE_NONE, 64, 1, 40, 24, 0x5a },
	{ PTR_HOLE_NONE, 0, 0, 32, 24, 0x01, PG_SIZE },
	{ PTR_HOLE_UNMAP, 64, 0, 40, 24, 0x5a }, { PTR_HOLE_UNMAP, 64, 0, 40, 39, 0x5a },
	{ PTR_HOLE_UNMAP, 64, 0, 37, 30, 0x5a }, { PTR_HOLE_UNMAP, 64, 1, 40, 24, 0x5a },
	{ PTR_HOLE_UNMAP, 0, 0, 32, 24, 0x01, PG_SIZE },
	/*
	 * Not a VM: /dev/kvm goes kvm_dev_ioctl() -> kvm_arch_dev_ioctl(),
	 * "return -EINVAL" on powerpc; a vcpu fd goes kvm_vcpu_ioctl() ->
	 * kvm_arch_vcpu_unlocked_ioctl() (-ENOIOCTLCMD) -> kvm_arch_vcpu_ioctl()
	 * -> -EINVAL. The argument is never looked at.
	 */
	GROUP("other_fd"),
	{ PTR_NORMAL, 24 }, { PTR_NULL, 24, 0, 0 }, { PTR_KERNEL, 24, 0, KA },
	GROUP("usercopy"),
	{ PTR_NORMAL, 0 }, { PTR_NORMAL, 23 }, { PTR_NORMAL, 24 }, { PTR_NORMAL, 25 },
	{ PTR_NORMAL, 64 }, { PTR_NORMAL, 4096 }, { PTR_NORMAL, 4097 },
	{ PTR_NORMAL, 0, .pg = PG_SIZE }, { PTR_NORMAL, 1, .pg = PG_SIZE },
	{ PTR_NORMAL, UINT64_MAX },
};

/* What a test changes in its group's rows: fields left 0 are the row's */
struct tweak {
	int kind;
	int fd;
	__u64 flags;
	long dirty;
	__u8 dval;
};

/* Bytes laid for a request of @size */
static size_t lay_len(size_t page, __u64 size)
{
	if (size < SIZE_VER0)
		return SIZE_VER0;
	return size <= page + 1 ? size : SIZE_VER0 + LAY_EXTRA;
}

/* Row @c as changed by @t; false if it has no tail to dirty */
static bool make_request(const struct fuzz_ctx *fx, const struct fuzz_case *c,
			 const struct tweak *t, struct request *r)
{
	unsigned long at = c->at + (c->pg & PG_AT ? fx->page : 0);
	long dirty = t->dirty ?: c->dirty;

	memset(r, 0, sizeof(*r));
	r->kind = c->kind == PTR_HOLE ? t->kind : c->kind;
	r->fd = t->fd;
	r->size = c->size + (c->pg & PG_SIZE ? fx->page : 0);
	r->flags = t->flags ?: c->flags;
	r->caps = CAPS_GARBAGE;
	r->len = lay_len(fx->page, r->size);
	if (dirty && r->len <= SIZE_VER0)
		return false;
	r->dirty = dirty < 0 ? r->len + dirty : dirty;
	r->dval = t->dval ?: c->dval;
	if (is_hole(r->kind))
		r->off = fx->regions[r->kind].len - at;
	else if (r->kind < NR_MEM_KINDS)
		r->off = 64;
	else
		r->addr = at;
	return true;
}

/*
 * The one loop of the deterministic tests: every row of @group, as @t
 * changes it, once, or under every fault schedule.
 */
static void run_cases(struct __test_metadata *_metadata, struct fuzz_ctx *fx,
		      const char *group, const struct tweak *t, bool faults)
{
	int k, last = faults ? (int)NR_SCHEDULES - 1 : -1;
	char desc[320], why[256];
	const char *in = NULL;
	struct verdict want;
	struct request r;
	unsigned int i;
	bool ok;
	int got;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		in = cases[i].group ?: in;
		if (cases[i].group || strcmp(in, group))
			continue;
		if (!make_request(fx, &cases[i], t, &r)) {
			TH_LOG("%s[%u]: no tail to dirty", group, i);
			continue;
		}
		req_str(fx, &r, desc, sizeof(desc));
		for (k = faults ? 0 : -1; k <= last; k++) {
			ok = call(fx, &r, k, &want, &got, why, sizeof(why));
			if (!faults || !ok)
				TH_LOG("%s -> expected %s (%s), got %s%s", desc,
				       err_name(want.err), wrote_names[want.wrote],
				       got < 0 ? "bad return" : err_name(got),
				       ok ? "" : "  MISMATCH");
			if (faults)
				ASSERT_TRUE(ok) TH_LOG("%s[%u]: %s", group, i, why);
			EXPECT_TRUE(ok) TH_LOG("%s[%u]: %s", group, i, why);
		}
	}
}

/* Run the rows of @group, changed by the tweak's fields that follow */
#define RUN(group, ...)	\
	run_cases(_metadata, &self->c, group, &(const struct tweak){ __VA_ARGS__ }, false)

TEST_F(fuzz, null_pointer)
{
	RUN("null");
}

TEST_F(fuzz, kernel_pointer)
{
	RUN("kernel");
}

TEST_F(fuzz, sizes_clean_tail)
{
	RUN("sizes");
}

TEST_F(fuzz, sizes_dirty_first)
{
	RUN("sizes", .dirty = SIZE_VER0, .dval = 0x01);
}

TEST_F(fuzz, sizes_dirty_last)
{
	RUN("sizes", .dirty = -1, .dval = 0x80);
}

TEST_F(fuzz, flags)
{
	RUN("flags");
}

TEST_F(fuzz, read_only)
{
	RUN("read_only");
}

TEST_F(fuzz, straddle_prot_none)
{
	RUN("straddle", .kind = PTR_HOLE_NONE);
}

TEST_F(fuzz, straddle_unmapped)
{
	RUN("straddle", .kind = PTR_HOLE_UNMAP);
}

TEST_F(fuzz, straddle_dirty_before_hole)
{
	RUN("dirty_before_hole");
}

TEST_F(fuzz, system_fd)
{
	RUN("other_fd", .fd = FD_SYS);
}

TEST_F(fuzz, vcpu_fd)
{
	self->c.vcpu_fd = ioctl(self->c.h.vm_fd, KVM_CREATE_VCPU, 0);
	ASSERT_GE(self->c.vcpu_fd, 0)
		TH_LOG("KVM_CREATE_VCPU(0) failed: %s", strerror(errno));
	RUN("other_fd", .fd = FD_VCPU);
}

/* Random loop: the draws */

static __u64 gen_size(size_t page, __u64 *s)
{
	const __u64 edges[] = {
		0, 1, 7, 8, 16, 23, 24, 25, 31, 32, 33, 40, 48, 56, 63, 64,
		65, 127, 128, 255, 256, 4095, 4096, 4097, page - 1, page,
		page + 1, 2 * page, 1ULL << 32, (1ULL << 32) + 24,
		(1ULL << 32) + 64, 1ULL << 40, (1ULL << 63) + 24,
		UINT64_MAX - 1, UINT64_MAX,
	};
	__u64 r = rnd_below(s, 100);

	if (r < 35)
		return edges[rnd_below(s, ARRAY_SIZE(edges))];
	if (r < 75)
		return SIZE_VER0 + rnd_below(s, 233);
	if (r < 85)
		return rnd_below(s, 4097);
	/* few large ones: the kernel scans and clears every tail byte */
	if (r < 90)
		return rnd_below(s, page + 1);
	if (r < 95)
		return page + 1 + rnd_below(s, page);
	return rnd_next(s);
}

static __u64 gen_flags(__u64 *s)
{
	static const __u64 edges[] = {
		1, 2, 0x80, 1ULL << 32, 1ULL << 63, UINT64_MAX,
	};
	__u64 r = rnd_below(s, 100);

	if (r < 85)
		return 0;
	if (r < 93)
		return edges[rnd_below(s, ARRAY_SIZE(edges))];
	if (r < 97)
		return 1ULL << rnd_below(s, 64);
	return rnd_next(s) | 1;
}

/* Percent of the draws, cumulated, per pointer kind */
static const unsigned int kind_pct[NR_PTR_KINDS] = { 40, 55, 70, 85, 90, 100 };

static unsigned long gen_addr(int kind, __u64 *s)
{
	static const unsigned long low[] = { 0, 8, 0x10, 0x800, 0xff8 };
	static const unsigned long high[] = {
		KERNEL_ADDR, 0xfffffffffffffff8UL, ~0UL,
	};

	if (kind == PTR_NULL)
		return low[rnd_below(s, ARRAY_SIZE(low))];
	if (rnd_below(s, 2))
		return KERNEL_ADDR | (rnd_next(s) & 0x0fffffffffffffffUL);
	return high[rnd_below(s, ARRAY_SIZE(high))];
}

/* Bytes before the hole, for a struct of @len laid bytes */
static size_t gen_readable(const struct request *r, size_t room, __u64 *s)
{
	size_t k;

	switch (rnd_below(s, 5)) {
	case 0:		/* size, flags or caps cross */
		k = rnd_below(s, 33);
		break;
	case 1:
		k = rnd_below(s, r->len + 1);
		break;
	case 2:		/* around the dirty byte, or the end */
		k = (r->dirty ? r->dirty : r->len) + 1;
		k -= rnd_below(s, 3);
		break;
	case 3:		/* ends at the hole */
		k = r->len;
		break;
	default:	/* clear of the hole */
		k = r->len + rnd_below(s, 64);
		break;
	}
	return min_sz(k, room);
}

static void gen_request(struct fuzz_ctx *fx, __u64 *s, struct request *r)
{
	size_t page = fx->page, room;
	__u64 pct;

	memset(r, 0, sizeof(*r));
	r->size = gen_size(page, s);
	r->flags = gen_flags(s);
	r->caps = rnd_next(s);
	pct = rnd_below(s, 100);
	while (pct >= kind_pct[r->kind])
		r->kind++;
	r->len = r->size <= page ? lay_len(page, r->size) :
		 SIZE_VER0 + rnd_below(s, LAY_EXTRA + 1);
	if (r->len > SIZE_VER0 && !rnd_below(s, 3)) {
		switch (rnd_below(s, 4)) {
		case 0:
			r->dirty = SIZE_VER0;
			break;
		case 1:
			r->dirty = r->len - 1;
			break;
		default:
			r->dirty = SIZE_VER0 + rnd_below(s, r->len - SIZE_VER0);
			break;
		}
		r->dval = 1 + rnd_below(s, 255);
	}

	if (r->kind >= NR_MEM_KINDS) {
		r->addr = gen_addr(r->kind, s);
		return;
	}
	room = fx->regions[r->kind].len;
	if (is_hole(r->kind)) {
		r->off = room - gen_readable(r, room, s);
		return;
	}
	r->off = rnd_below(s, room - r->len + 1);
	if (rnd_below(s, 2))
		r->off &= ~7UL;
}

/* Answers counted per pointer kind, the last column: any other */
static const int answers[] = { 0, EINVAL, E2BIG, EFAULT };

#define NR_ANSWERS	(ARRAY_SIZE(answers) + 1)

static unsigned int answer_of(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(answers) && answers[i] != err; i++)
		;
	return i;
}

static void log_counts(struct __test_metadata *_metadata,
		       unsigned long n[NR_PTR_KINDS][NR_ANSWERS])
{
	unsigned int k;

	for (k = 0; k < NR_PTR_KINDS; k++)
		TH_LOG("%-15s %7lu calls: %lu ok, %lu EINVAL, %lu E2BIG, %lu EFAULT, %lu other",
		       kind_names[k], n[k][0] + n[k][1] + n[k][2] + n[k][3] + n[k][4],
		       n[k][0], n[k][1], n[k][2], n[k][3], n[k][4]);
}

static int env_u64(const char *name, __u64 *val)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	*val = strtoull(s, &end, 0);
	return errno || *end ? -1 : 1;
}

TEST_F_TIMEOUT(fuzz, random, FUZZ_TIMEOUT)
{
	struct fuzz_ctx *fx = &self->c;
	unsigned long count[NR_PTR_KINDS][NR_ANSWERS] = {};
	__u64 iters = FUZZ_ITERS, seed, state, i;
	char desc[320], why[256];
	struct timespec t0, t1;
	struct verdict want;
	struct request r;
	int ret, got;
	bool ok;

	ret = env_u64(ENV_ITERS, &iters);
	ASSERT_GE(ret, 0) TH_LOG("%s: not a number", ENV_ITERS);
	ret = env_u64(ENV_SEED, &seed);
	ASSERT_GE(ret, 0) TH_LOG("%s: not a number", ENV_SEED);
	if (!ret) {
		clock_gettime(CLOCK_REALTIME, &t0);
		seed = (__u64)t0.tv_sec * 1000000000ULL + t0.tv_nsec;
	}
	TH_LOG("seed 0x%016llx, %llu calls, page size %zu (replay: %s=0x%016llx %s=%llu)",
	       seed, iters, fx->page, ENV_SEED, seed, ENV_ITERS, iters);
	rnd_seed(&state, seed);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		gen_request(fx, &state, &r);
		ok = call(fx, &r, -1, &want, &got, why, sizeof(why));
		count[r.kind][answer_of(got)]++;
		if (!ok) {
			log_counts(_metadata, count);
			TH_LOG("MISMATCH at call %llu of seed 0x%016llx", i, seed);
			TH_LOG("sent: %s", req_str(fx, &r, desc, sizeof(desc)));
			TH_LOG("expected %s (%s), got %s: %s",
			       err_name(want.err), wrote_names[want.wrote],
			       got < 0 ? "bad return" : err_name(got), why);
			TH_LOG("replay: %s=0x%016llx %s=%llu",
			       ENV_SEED, seed, ENV_ITERS, i + 1);
			ASSERT_TRUE(ok);
		}
		if ((i + 1) % FULL_CHECK_EVERY == 0 || i + 1 == iters) {
			ok = check_regions(fx, why, sizeof(why));
			ASSERT_TRUE(ok)
				TH_LOG("call %llu of seed 0x%016llx or the %d before: %s",
				       i, seed, FULL_CHECK_EVERY - 1, why);
		}
		if ((i + 1) % FUZZ_PROGRESS == 0)
			TH_LOG("%llu calls", i + 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_counts(_metadata, count);
	TH_LOG("%llu calls in %.1f s, seed 0x%016llx", iters,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       seed);
}

TEST_F(fuzz, usercopy_faults)
{
	const struct tweak tails[] = {
		{ 0 },
		{ .dirty = SIZE_VER0, .dval = 0x80 },
		{ .dirty = -1, .dval = 0x80 },
		{ .flags = 1 },
	};
	struct fuzz_ctx *fx = &self->c;
	char why[256];
	unsigned int t;

	if (!fi_setup())
		SKIP(return, "no fail_usercopy (CONFIG_FAULT_INJECTION_USERCOPY, debugfs)");
	for (t = 0; t < ARRAY_SIZE(tails); t++)
		run_cases(_metadata, fx, "usercopy", &tails[t], true);
	ASSERT_TRUE(check_regions(fx, why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("%lu calls, %lu faults injected, %lu answers checked:",
	       fx->calls, fx->faults, fx->as_args + fx->efault);
	TH_LOG("%lu as the arguments give, %lu EFAULT", fx->as_args, fx->efault);
	/* The schedules must have reached the ioctl's copies. */
	EXPECT_GT(fx->efault, 0);
}

/* KVM_SET_ONE_REG(ARCH_COMPAT) under the same faults: EFAULT changes nothing. */
TEST_F(fuzz, usercopy_faults_arch_compat)
{
	struct fuzz_ctx *fx = &self->c;
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	unsigned long calls = 0, faults = 0, efault = 0;
	__u32 val, before, after;
	struct kvm_one_reg set = { .id = KVM_REG_PPC_ARCH_COMPAT,
				   .addr = (uintptr_t)&val };
	struct kvm_one_reg get = { .id = KVM_REG_PPC_ARCH_COMPAT,
				   .addr = (uintptr_t)&after };
	int vcpu_fd, ret, err, fault, want;
	unsigned int i, k;

	if (!fi_setup())
		SKIP(return, "no fail_usercopy (CONFIG_FAULT_INJECTION_USERCOPY, debugfs)");
	if (!host_known(_metadata, &fx->h))
		return;
	vcpu_fd = ioctl(fx->h.vm_fd, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu_fd) TH_LOG("KVM_CREATE_VCPU: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(vcpu_fd, KVM_ENABLE_CAP, &papr));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		want = fx->h.granted & modes[i].cap ? 0 : EINVAL;
		for (k = 0; k < NR_SCHEDULES; k++) {
			get.addr = (uintptr_t)&before;
			ASSERT_EQ(0, ioctl(vcpu_fd, KVM_GET_ONE_REG, &get));
			get.addr = (uintptr_t)&after;
			val = modes[i].pvr;
			ASSERT_EQ(0, fi_arm(k));
			ret = ioctl(vcpu_fd, KVM_SET_ONE_REG, &set);
			err = ret ? errno : 0;
			fault = fi_disarm();
			ASSERT_LE(0, fault);
			calls++;
			faults += fault;
			ASSERT_EQ(0, ioctl(vcpu_fd, KVM_GET_ONE_REG, &get));
			if (err == EFAULT && fault) {
				efault++;
				EXPECT_EQ(before, after)
					TH_LOG("%s: EFAULT, yet ARCH_COMPAT went 0x%x -> 0x%x",
					       modes[i].name, before, after);
				continue;
			}
			ASSERT_EQ(want, err)
				TH_LOG("%s, schedule %u: got %s, want %s or (with a fault) EFAULT",
				       modes[i].name, k, err_name(err), err_name(want));
			EXPECT_EQ(err ? before : val, after)
				TH_LOG("%s: %s, ARCH_COMPAT 0x%x", modes[i].name,
				       err_name(err), after);
		}
	}
	close(vcpu_fd);
	TH_LOG("%lu calls, %lu faults injected, %lu answers checked, %lu EFAULT",
	       calls, faults, calls, efault);
	EXPECT_GT(efault, 0);
}

TEST_HARNESS_MAIN
