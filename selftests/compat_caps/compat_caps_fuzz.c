// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_PPC_GET_COMPAT_CAPS with hostile arguments: sizes, flags, dirty tails,
 * read-only memory, structs running into a hole, NULL and kernel pointers,
 * the wrong file descriptor, then a seeded random loop.
 *
 * The expected results come from the environment (see compat_caps.c:
 * KVM_PPC_NESTED_API, KVM_PPC_COMPAT_EXPECT) and from the ABI contract of
 * Documentation/virt/kvm/api.rst 4.145 as the C reference implements it
 * (arch/powerpc/kvm/powerpc.c, case KVM_PPC_GET_COMPAT_CAPS), never from the
 * kernel's answers. In order:
 *
 *  1. get_user(size, argp): the 8 bytes of size unreadable -> EFAULT
 *  2. size > PAGE_SIZE -> E2BIG, nothing written
 *  3. size < 24 -> EINVAL, nothing written
 *  4. size > 24: copy_struct_from_user() checks bytes [24, size) with
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
 *  5. flags != 0 -> EINVAL, nothing written
 *  6. no mode set on this host (bare metal) -> EINVAL, nothing written
 *  7. success: clear_user() of [24, size) (it is zero already), then
 *     size = 24, flags = 0, compat_capabilities = the expected modes;
 *     not writable -> EFAULT with nothing written.
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

/* Private xorshift64* generator: the sequence depends on the seed only. */
static __u64 rnd_next(__u64 *s)
{
	__u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
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

/* Where the struct lives. */
enum ptr_kind {
	PTR_NORMAL,	/* read-write anonymous memory */
	PTR_RDONLY,	/* read-only view of a memfd */
	PTR_HOLE_NONE,	/* runs into a PROT_NONE page */
	PTR_HOLE_UNMAP,	/* runs into an unmapped page */
	PTR_NULL,	/* NULL and other addresses in page 0 */
	PTR_KERNEL,	/* kernel addresses */
	NR_PTR_KINDS,
};

#define NR_MEM_KINDS	PTR_NULL	/* kinds backed by a region */

static const char * const kind_names[] = {
	[PTR_NORMAL]	 = "normal",
	[PTR_RDONLY]	 = "read-only",
	[PTR_HOLE_NONE]	 = "hole:prot_none",
	[PTR_HOLE_UNMAP] = "hole:unmapped",
	[PTR_NULL]	 = "null",
	[PTR_KERNEL]	 = "kernel",
};

static bool is_hole(enum ptr_kind kind)
{
	return kind == PTR_HOLE_NONE || kind == PTR_HOLE_UNMAP;
}

/* Answers counted per pointer kind */
enum result {
	RES_OK,
	RES_EINVAL,
	RES_E2BIG,
	RES_EFAULT,
	RES_OTHER,
	NR_RESULTS,
};

static enum result result_of(int err)
{
	switch (err) {
	case 0:
		return RES_OK;
	case EINVAL:
		return RES_EINVAL;
	case E2BIG:
		return RES_E2BIG;
	case EFAULT:
		return RES_EFAULT;
	default:
		return RES_OTHER;
	}
}

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
	enum ptr_kind kind;
	__u64 size;
	__u64 flags;
	__u64 caps;		/* compat_capabilities on input: ignored */
	size_t len;		/* bytes laid: header, then a zero tail */
	size_t dirty;		/* 0, or offset (>= 24) of a non-zero byte */
	__u8 dval;		/* its value */
	size_t off;		/* start of the struct in the region */
	unsigned long addr;	/* PTR_NULL, PTR_KERNEL: the pointer */
};

enum wrote {
	WROTE_NOTHING,
	WROTE_SIZE,	/* E2BIG: size = 24 */
	WROTE_STRUCT,	/* success */
};

struct verdict {
	int err;
	enum wrote wrote;
};

static const char * const wrote_names[] = {
	[WROTE_NOTHING]	= "nothing written",
	[WROTE_SIZE]	= "size := 24",
	[WROTE_STRUCT]	= "struct written",
};

/* The state of one test: the fixture holds it, the helpers take it */
struct fuzz_ctx {
	enum nested_api api;
	__u64 expect;		/* KVM_PPC_COMPAT_CAP_* bits */
	int kvm_fd;
	int vm_fd;
	size_t page;
	__u8 *rw;		/* 2 pages, read-write */
	__u8 *ro_w;		/* 2 pages of a memfd, read-write view */
	__u8 *ro;		/* the same pages, read-only view */
	__u8 *hole;		/* rw, PROT_NONE, rw, unmapped page */
	__u8 *pristine;		/* 2 pages of the guard pattern */
	__u8 *zero;		/* 2 pages of zeros */
	struct region regions[NR_MEM_KINDS];
};

FIXTURE(fuzz) {
	struct fuzz_ctx c;
};

/* Non-zero, so that a byte read past the struct is never mistaken for 0 */
static __u8 pattern_byte(size_t i)
{
	return 0x80 | ((i * 37 + 11) & 0x7f);
}

static void *map_pages(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE_SETUP(fuzz)
{
	struct fuzz_ctx *fx = &self->c;
	size_t page, i;
	long sc;
	int fd;

	if (!compat_caps_setup(_metadata, &fx->api, &fx->expect, &fx->kvm_fd,
			       &fx->vm_fd))
		return;

	sc = sysconf(_SC_PAGESIZE);
	ASSERT_GT(sc, 0);
	page = sc;
	fx->page = page;

	fx->pristine = map_pages(2 * page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(NULL, fx->pristine);
	for (i = 0; i < 2 * page; i++)
		fx->pristine[i] = pattern_byte(i);
	fx->zero = map_pages(2 * page, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(NULL, fx->zero);

	fx->rw = map_pages(2 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(NULL, fx->rw);
	memcpy(fx->rw, fx->pristine, 2 * page);

	fd = memfd_create("compat_caps_fuzz", MFD_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("memfd_create: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, 2 * page));
	fx->ro_w = map_pages(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	fx->ro = map_pages(2 * page, PROT_READ, MAP_SHARED, fd);
	close(fd);
	ASSERT_NE(NULL, fx->ro_w);
	ASSERT_NE(NULL, fx->ro);
	memcpy(fx->ro_w, fx->pristine, 2 * page);

	/* rw page, PROT_NONE page, rw page, unmapped page */
	fx->hole = map_pages(4 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(NULL, fx->hole);
	ASSERT_EQ(0, mprotect(fx->hole + page, page, PROT_NONE));
	ASSERT_EQ(0, munmap(fx->hole + 3 * page, page));
	memcpy(fx->hole, fx->pristine, page);
	memcpy(fx->hole + 2 * page, fx->pristine, page);

	fx->regions[PTR_NORMAL] = (struct region){
		fx->rw, fx->rw, 2 * page };
	fx->regions[PTR_RDONLY] = (struct region){
		fx->ro_w, fx->ro, 2 * page };
	fx->regions[PTR_HOLE_NONE] = (struct region){
		fx->hole, fx->hole, page };
	fx->regions[PTR_HOLE_UNMAP] = (struct region){
		fx->hole + 2 * page, fx->hole + 2 * page, page };
}

FIXTURE_TEARDOWN(fuzz)
{
	struct fuzz_ctx *fx = &self->c;
	size_t page = fx->page;

	if (fx->hole)
		munmap(fx->hole, 3 * page);
	if (fx->ro)
		munmap(fx->ro, 2 * page);
	if (fx->ro_w)
		munmap(fx->ro_w, 2 * page);
	if (fx->rw)
		munmap(fx->rw, 2 * page);
	if (fx->zero)
		munmap(fx->zero, 2 * page);
	if (fx->pristine)
		munmap(fx->pristine, 2 * page);
	if (fx->vm_fd >= 0)
		close(fx->vm_fd);
	if (fx->kvm_fd >= 0)
		close(fx->kvm_fd);
}

/* Bytes readable from argp before a fault; SIZE_MAX: none in reach */
static size_t req_readable(struct fuzz_ctx *fx, const struct request *r)
{
	if (is_hole(r->kind))
		return fx->regions[r->kind].len - r->off;
	if (r->kind == PTR_NORMAL || r->kind == PTR_RDONLY)
		return SIZE_MAX;
	return 0;
}

static void *req_argp(struct fuzz_ctx *fx, const struct request *r)
{
	if (r->kind == PTR_NULL || r->kind == PTR_KERNEL)
		return (void *)r->addr;
	return fx->regions[r->kind].k + r->off;
}

/* Bytes of the request in memory: the laid ones the hole leaves */
static size_t req_laid(struct fuzz_ctx *fx, const struct request *r)
{
	size_t readable = req_readable(fx, r);

	if (r->kind == PTR_NULL || r->kind == PTR_KERNEL)
		return 0;
	return r->len < readable ? r->len : readable;
}

/*
 * The answer of the C reference, from the request alone (see the top of
 * the file). For size <= PAGE_SIZE the request lays exactly size bytes, so
 * r->dirty, when set, lies in the tail.
 */
static struct verdict model(struct fuzz_ctx *fx, const struct request *r)
{
	size_t readable = req_readable(fx, r);
	bool writable = r->kind == PTR_NORMAL || is_hole(r->kind);
	struct verdict v = { EFAULT, WROTE_NOTHING };

	if (readable < sizeof(__u64))
		return v;
	if (r->size > fx->page) {
		v.err = E2BIG;
		return v;
	}
	if (r->size < SIZE_VER0) {
		v.err = EINVAL;
		return v;
	}
	if (r->size > SIZE_VER0) {
		if (r->dirty && r->dirty < r->size && r->dirty < readable) {
			if (writable) {
				v.err = E2BIG;
				v.wrote = WROTE_SIZE;
			}
			return v;
		}
		if (r->size > readable)
			return v;
	} else if (readable < SIZE_VER0) {
		return v;
	}
	if (r->flags) {
		v.err = EINVAL;
		return v;
	}
	if (fx->api == API_BARE) {
		v.err = EINVAL;
		return v;
	}
	if (!writable)
		return v;
	v.err = 0;
	v.wrote = WROTE_STRUCT;
	return v;
}

/* Lay the request in its region: header, zero tail, dirty byte */
static void lay(struct fuzz_ctx *fx, const struct request *r)
{
	size_t laid = req_laid(fx, r);
	__u8 head[SIZE_VER0];
	__u8 *p;

	if (!laid)
		return;
	p = fx->regions[r->kind].w + r->off;
	memcpy(head, &r->size, 8);
	memcpy(head + 8, &r->flags, 8);
	memcpy(head + 16, &r->caps, 8);
	memcpy(p, head, laid < SIZE_VER0 ? laid : SIZE_VER0);
	if (laid > SIZE_VER0)
		memset(p + SIZE_VER0, 0, laid - SIZE_VER0);
	if (r->dirty && r->dirty < laid)
		p[r->dirty] = r->dval;
}

/* Offset of the first byte where a and b differ, n if none */
static size_t diff_at(const __u8 *a, const __u8 *b, size_t n)
{
	size_t i;

	if (!memcmp(a, b, n))
		return n;
	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * After the call: the struct holds what the verdict says, the guard bytes
 * around it are intact. Restores the region. Returns false with a reason.
 */
/* The guard bytes before and after the struct hold the pattern. */
static bool check_outside(struct fuzz_ctx *fx, const struct request *r,
			  char *why, size_t whylen)
{
	const struct region *g = &fx->regions[r->kind];
	size_t laid = req_laid(fx, r);
	size_t start, end, at;

	start = r->off > GUARD_WINDOW ? r->off - GUARD_WINDOW : 0;
	at = diff_at(g->w + start, fx->pristine + start, r->off - start);
	if (at < r->off - start) {
		snprintf(why, whylen,
			 "guard byte at struct %zd: expected 0x%02x, got 0x%02x",
			 (ssize_t)(start + at) - (ssize_t)r->off,
			 fx->pristine[start + at], g->w[start + at]);
		return false;
	}
	start = r->off + laid;
	end = start + GUARD_WINDOW < g->len ? start + GUARD_WINDOW : g->len;
	at = diff_at(g->w + start, fx->pristine + start, end - start);
	if (at < end - start) {
		snprintf(why, whylen,
			 "guard byte at struct + %zu: expected 0x%02x, got 0x%02x",
			 start + at - r->off,
			 fx->pristine[start + at], g->w[start + at]);
		return false;
	}
	return true;
}

static bool check_memory(struct fuzz_ctx *fx, const struct request *r,
			 const struct verdict *v, char *why, size_t whylen)
{
	const struct region *g = &fx->regions[r->kind];
	size_t laid = req_laid(fx, r);
	size_t i, n, end, at;
	__u64 size = r->size, flags = r->flags, caps = r->caps;
	__u8 head[SIZE_VER0];
	bool ok = false;
	__u8 *p;

	if (r->kind == PTR_NULL || r->kind == PTR_KERNEL)
		return true;
	p = g->w + r->off;

	if (v->wrote != WROTE_NOTHING)
		size = SIZE_VER0;
	if (v->wrote == WROTE_STRUCT) {
		flags = 0;
		caps = fx->expect;
	}
	memcpy(head, &size, 8);
	memcpy(head + 8, &flags, 8);
	memcpy(head + 16, &caps, 8);
	n = laid < SIZE_VER0 ? laid : SIZE_VER0;
	at = diff_at(p, head, n);
	if (at < n) {
		snprintf(why, whylen,
			 "struct byte %zu (%s): expected 0x%02x, got 0x%02x",
			 at, at < 8 ? "size" : at < 16 ? "flags" :
			 "compat_capabilities", head[at], p[at]);
		goto out;
	}

	/* the tail: zero but for the dirty byte */
	for (i = SIZE_VER0; i < laid; i += n) {
		if (r->dirty == i) {
			if (p[i] != r->dval) {
				snprintf(why, whylen,
					 "dirty tail byte %zu: expected 0x%02x, got 0x%02x",
					 i, r->dval, p[i]);
				goto out;
			}
			n = 1;
			continue;
		}
		end = r->dirty > i && r->dirty < laid ? r->dirty : laid;
		n = end - i;
		at = diff_at(p + i, fx->zero, n);
		if (at < n) {
			snprintf(why, whylen,
				 "tail byte %zu: expected 0x00, got 0x%02x",
				 i + at, p[i + at]);
			goto out;
		}
	}

	ok = check_outside(fx, r, why, whylen);
out:
	memcpy(p, fx->pristine + r->off, laid);
	return ok;
}

/* Every mapped byte holds the pattern, the unmapped page is still a hole */
static bool check_regions(struct fuzz_ctx *fx, char *why, size_t whylen)
{
	unsigned char vec[1];
	unsigned int k;
	size_t at;

	for (k = 0; k < NR_MEM_KINDS; k++) {
		const struct region *g = &fx->regions[k];

		at = diff_at(g->w, fx->pristine, g->len);
		if (at < g->len) {
			snprintf(why, whylen,
				 "%s region byte %zu: expected 0x%02x, got 0x%02x",
				 kind_names[k], at, fx->pristine[at], g->w[at]);
			memcpy(g->w, fx->pristine, g->len);
			return false;
		}
	}
	/* mincore() fails with ENOMEM on an unmapped range */
	if (mincore(fx->hole + 3 * fx->page, fx->page, vec) == 0 ||
	    errno != ENOMEM) {
		snprintf(why, whylen,
			 "the unmapped page after the %s region got mapped",
			 kind_names[PTR_HOLE_UNMAP]);
		return false;
	}
	return true;
}

static const char *req_str(struct fuzz_ctx *fx, const struct request *r,
			   char *buf, size_t len)
{
	size_t readable = req_readable(fx, r);
	char tail[48], room[40];

	if (r->kind == PTR_NULL || r->kind == PTR_KERNEL) {
		snprintf(buf, len, "%s argp=0x%lx size=%llu (0x%llx) flags=0x%llx",
			 kind_names[r->kind], r->addr, r->size, r->size,
			 r->flags);
		return buf;
	}
	if (r->dirty)
		snprintf(tail, sizeof(tail), "dirty +%zu=0x%02x",
			 r->dirty, r->dval);
	else
		snprintf(tail, sizeof(tail), "clean");
	if (is_hole(r->kind))
		snprintf(room, sizeof(room), "hole after %zu bytes", readable);
	else
		snprintf(room, sizeof(room), "argp%%8=%zu",
			 (size_t)((uintptr_t)req_argp(fx, r) % 8));
	snprintf(buf, len,
		 "%s+%zu (%s) size=%llu (0x%llx) flags=0x%llx caps_in=0x%llx laid=%zu tail %s",
		 kind_names[r->kind], r->off, room, r->size, r->size,
		 r->flags, r->caps, r->len, tail);
	return buf;
}

/*
 * Lay, call, check. Fills the verdict, the errno got (0: success) and, on
 * a mismatch, the reason; returns whether everything matched.
 */
static bool run_request(struct fuzz_ctx *fx, const struct request *r,
			struct verdict *want, int *got, char *why, size_t whylen)
{
	char mem[128] = "";
	bool mem_ok;
	int ret;

	*want = model(fx, r);
	lay(fx, r);
	ret = ioctl(fx->vm_fd, KVM_PPC_GET_COMPAT_CAPS, req_argp(fx, r));
	*got = ret ? errno : 0;
	mem_ok = check_memory(fx, r, want, mem, sizeof(mem));
	if (ret != 0 && ret != -1) {
		*got = -1;
		snprintf(why, whylen, "ioctl returned %d%s%s", ret,
			 mem_ok ? "" : "; ", mem);
		return false;
	}
	if (*got != want->err) {
		snprintf(why, whylen, "errno differs%s%s",
			 mem_ok ? "" : "; ", mem);
		return false;
	}
	if (!mem_ok)
		snprintf(why, whylen, "%s", mem);
	return mem_ok;
}

/* Run one request, log what was sent and got, EXPECT it matched */
static void run_logged(struct __test_metadata *_metadata,
		       struct fuzz_ctx *fx, const struct request *r,
		       const char *label)
{
	char desc[256], why[160] = "";
	struct verdict want;
	bool ok;
	int got;

	ok = run_request(fx, r, &want, &got, why, sizeof(why));
	TH_LOG("%-28s %s -> expected %s (%s), got %s%s",
	       label, req_str(fx, r, desc, sizeof(desc)),
	       err_name(want.err), wrote_names[want.wrote],
	       got < 0 ? "bad return" : err_name(got), ok ? "" : "  MISMATCH");
	EXPECT_TRUE(ok) TH_LOG("%s: %s", label, why);
}

/* Bytes laid for a deterministic request of @size */
static size_t lay_len(size_t page, __u64 size)
{
	if (size < SIZE_VER0)
		return SIZE_VER0;
	if (size <= page + 1)
		return size;
	return SIZE_VER0 + LAY_EXTRA;
}

static void req_init(struct fuzz_ctx *fx, struct request *r,
		     enum ptr_kind kind, __u64 size, __u64 flags)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->size = size;
	r->flags = flags;
	r->caps = CAPS_GARBAGE;
	r->len = lay_len(fx->page, size);
	if (is_hole(kind) && r->len <= fx->regions[kind].len)
		r->off = fx->regions[kind].len - r->len;
	else if (kind == PTR_NORMAL || kind == PTR_RDONLY)
		r->off = 64;
}

/* Struct running into the hole after @readable bytes */
static void req_hole(struct fuzz_ctx *fx, struct request *r,
		     enum ptr_kind kind, __u64 size, size_t readable)
{
	req_init(fx, r, kind, size, 0);
	r->off = fx->regions[kind].len - readable;
}

TEST_F(fuzz, null_pointer)
{
	struct fuzz_ctx *fx = &self->c;
	static const unsigned long addrs[] = { 0, 8, 0x100, 0xff8 };
	struct request r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		req_init(fx, &r, PTR_NULL, SIZE_VER0, 0);
		r.addr = addrs[i];
		run_logged(_metadata, fx, &r, "low address");
	}
}

TEST_F(fuzz, kernel_pointer)
{
	struct fuzz_ctx *fx = &self->c;
	static const unsigned long addrs[] = {
		KERNEL_ADDR, KERNEL_ADDR + 0x10000, KERNEL_ADDR + 0x1234567,
		0xfffffffffffffff8UL, ~0UL,
	};
	struct request r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		req_init(fx, &r, PTR_KERNEL, SIZE_VER0, 0);
		r.addr = addrs[i];
		run_logged(_metadata, fx, &r, "kernel address");
	}
}

enum tail_kind {
	TAIL_CLEAN,
	TAIL_DIRTY_FIRST,
	TAIL_DIRTY_LAST,
};

static void run_sizes(struct __test_metadata *_metadata,
		      struct fuzz_ctx *fx, enum tail_kind tail)
{
	size_t page = fx->page;
	const __u64 sizes[] = {
		0, 23, 24, 25, 4096, 4097, page, page + 1,
		1ULL << 40, UINT64_MAX,
	};
	char label[64];
	struct request r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		req_init(fx, &r, PTR_NORMAL, sizes[i], 0);
		snprintf(label, sizeof(label), "size %llu", sizes[i]);
		if (tail != TAIL_CLEAN) {
			if (r.len <= SIZE_VER0) {
				TH_LOG("%-28s no tail to dirty", label);
				continue;
			}
			r.dirty = tail == TAIL_DIRTY_FIRST ? SIZE_VER0
							    : r.len - 1;
			r.dval = tail == TAIL_DIRTY_FIRST ? 0x01 : 0x80;
			/* huge sizes: the last laid byte stands for the last */
		}
		run_logged(_metadata, fx, &r, label);
	}
}

TEST_F(fuzz, sizes_clean_tail)
{
	TH_LOG("page size %zu", self->c.page);
	run_sizes(_metadata, &self->c, TAIL_CLEAN);
}

TEST_F(fuzz, sizes_dirty_first)
{
	TH_LOG("page size %zu", self->c.page);
	run_sizes(_metadata, &self->c, TAIL_DIRTY_FIRST);
}

TEST_F(fuzz, sizes_dirty_last)
{
	TH_LOG("page size %zu", self->c.page);
	run_sizes(_metadata, &self->c, TAIL_DIRTY_LAST);
}

/* Non-zero flags: EINVAL, after the size and tail checks */
TEST_F(fuzz, flags)
{
	struct fuzz_ctx *fx = &self->c;
	static const __u64 flags[] = { 1, 1ULL << 63, UINT64_MAX };
	static const struct {
		const char *what;
		__u64 size;
		size_t dirty;
	} cases[] = {
		{ "size 24",		24, 0 },
		{ "size 64",		64, 0 },
		{ "size 64, dirty tail", 64, 24 },
		{ "size 23",		23, 0 },
	};
	char label[64];
	struct request r;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		for (j = 0; j < ARRAY_SIZE(cases); j++) {
			req_init(fx, &r, PTR_NORMAL, cases[j].size, flags[i]);
			r.dirty = cases[j].dirty;
			r.dval = 0x42;
			snprintf(label, sizeof(label), "flags, %s", cases[j].what);
			run_logged(_metadata, fx, &r, label);
		}
		req_init(fx, &r, PTR_NORMAL, fx->page + 1, flags[i]);
		run_logged(_metadata, fx, &r, "flags, size PAGE_SIZE+1");
	}
}

/* The struct in a PROT_READ mapping: nothing is ever written */
TEST_F(fuzz, read_only)
{
	struct fuzz_ctx *fx = &self->c;
	size_t page = fx->page;
	struct request r;

	req_init(fx, &r, PTR_RDONLY, SIZE_VER0, 0);
	run_logged(_metadata, fx, &r, "valid request");

	req_init(fx, &r, PTR_RDONLY, 64, 0);
	run_logged(_metadata, fx, &r, "size 64, clean tail");

	req_init(fx, &r, PTR_RDONLY, page, 0);
	run_logged(_metadata, fx, &r, "size PAGE_SIZE, clean tail");

	req_init(fx, &r, PTR_RDONLY, 64, 0);
	r.dirty = SIZE_VER0;
	r.dval = 0x01;
	run_logged(_metadata, fx, &r, "dirty tail, first byte");

	req_init(fx, &r, PTR_RDONLY, page, 0);
	r.dirty = page - 1;
	r.dval = 0xff;
	run_logged(_metadata, fx, &r, "dirty tail, last byte");

	req_init(fx, &r, PTR_RDONLY, SIZE_VER0, 1);
	run_logged(_metadata, fx, &r, "flags 1");

	req_init(fx, &r, PTR_RDONLY, 23, 0);
	run_logged(_metadata, fx, &r, "size 23");

	req_init(fx, &r, PTR_RDONLY, page + 1, 0);
	run_logged(_metadata, fx, &r, "size PAGE_SIZE+1");
}

struct straddle_case {
	const char *what;
	__u64 size;
	size_t readable;	/* bytes before the hole */
	size_t dirty;
	__u64 flags;
};

static const struct straddle_case straddle_cases[] = {
	{ "whole struct in the hole",	24, 0, 0, 0 },
	{ "size crosses (1)",		24, 1, 0, 0 },
	{ "size crosses (4)",		24, 4, 0, 0 },
	{ "size crosses (7)",		24, 7, 0, 0 },
	{ "flags in the hole",		24, 8, 0, 0 },
	{ "flags cross",		24, 12, 0, 0 },
	{ "caps in the hole",		24, 16, 0, 0 },
	{ "caps cross",			24, 20, 0, 0 },
	{ "caps cross (23)",		24, 23, 0, 0 },
	{ "ends at the hole",		24, 24, 0, 0 },
	{ "flags 1, caps in the hole",	24, 16, 0, 1 },
	{ "flags 1, ends at the hole",	24, 24, 0, 1 },
	{ "tail in the hole",		25, 24, 0, 0 },
	{ "tail crosses",		32, 28, 0, 0 },
	{ "tail crosses (31)",		32, 31, 0, 0 },
	{ "size 32 ends at the hole",	32, 32, 0, 0 },
	{ "size 64, hole at 40",	64, 40, 0, 0 },
	{ "size 64, hole at 37",	64, 37, 0, 0 },
	{ "dirty byte in the hole",	64, 40, 48, 0 },
	{ "dirty last, in the hole",	64, 40, 63, 0 },
	{ "size 23, hole at 8",		23, 8, 0, 0 },
	{ "size 0, hole at 8",		0, 8, 0, 0 },
	{ "size 2^64-1, hole at 8",	UINT64_MAX, 8, 0, 0 },
	{ "size 2^40, hole at 8",	1ULL << 40, 8, 0, 0 },
};

static void run_straddle(struct __test_metadata *_metadata,
			 struct fuzz_ctx *fx, enum ptr_kind kind)
{
	size_t page = fx->page;
	struct request r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(straddle_cases); i++) {
		const struct straddle_case *c = &straddle_cases[i];

		req_hole(fx, &r, kind, c->size, c->readable);
		r.dirty = c->dirty;
		r.dval = 0x5a;
		r.flags = c->flags;
		run_logged(_metadata, fx, &r, c->what);
	}
	req_hole(fx, &r, kind, page, page - 8);
	run_logged(_metadata, fx, &r, "size PAGE_SIZE, 8 in the hole");
	req_hole(fx, &r, kind, page, page);
	run_logged(_metadata, fx, &r, "size PAGE_SIZE, ends there");
	req_hole(fx, &r, kind, page + 1, 8);
	run_logged(_metadata, fx, &r, "size PAGE_SIZE+1, hole at 8");
}

TEST_F(fuzz, straddle_prot_none)
{
	run_straddle(_metadata, &self->c, PTR_HOLE_NONE);
}

TEST_F(fuzz, straddle_unmapped)
{
	run_straddle(_metadata, &self->c, PTR_HOLE_UNMAP);
}

/*
 * A non-zero tail byte before the hole: check_zeroed_user() finds it and
 * stops before it reaches the hole, so the C reference answers E2BIG and
 * writes size = 24. An implementation that reads the whole tail before
 * looking at it answers EFAULT instead: a difference from the reference.
 */
TEST_F(fuzz, straddle_dirty_before_hole)
{
	struct fuzz_ctx *fx = &self->c;
	static const struct straddle_case cases[] = {
		{ "first tail byte, hole at 40",	64, 40, 24, 0 },
		{ "last byte before hole at 40",	64, 40, 39, 0 },
		{ "unaligned, hole at 37",		64, 37, 30, 0 },
		{ "flags 1, hole at 40",		64, 40, 24, 1 },
	};
	static const enum ptr_kind kinds[] = { PTR_HOLE_NONE, PTR_HOLE_UNMAP };
	char label[64];
	struct request r;
	unsigned int i, j;

	for (j = 0; j < ARRAY_SIZE(kinds); j++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			req_hole(fx, &r, kinds[j], cases[i].size,
				 cases[i].readable);
			r.dirty = cases[i].dirty;
			r.dval = 0x5a;
			r.flags = cases[i].flags;
			snprintf(label, sizeof(label), "%s", cases[i].what);
			run_logged(_metadata, fx, &r, label);
		}
		req_hole(fx, &r, kinds[j], fx->page, 32);
		r.dirty = SIZE_VER0;
		r.dval = 0x01;
		run_logged(_metadata, fx, &r, "size PAGE_SIZE, hole at 32");
	}
}

/*
 * Not a VM: /dev/kvm goes kvm_dev_ioctl() -> default: kvm_arch_dev_ioctl(),
 * which is "return -EINVAL" on powerpc; a vcpu fd goes kvm_vcpu_ioctl() ->
 * kvm_arch_vcpu_unlocked_ioctl() (-ENOIOCTLCMD: only KVM_INTERRUPT) ->
 * default: kvm_arch_vcpu_ioctl() -> default: -EINVAL
 * (virt/kvm/kvm_main.c, arch/powerpc/kvm/powerpc.c in 7.3). The argument is
 * never looked at.
 */
static void other_fd(struct __test_metadata *_metadata, int fd,
		     const char *what)
{
	struct kvm_ppc_compat_caps caps = {
		.size = SIZE_VER0,
		.flags = 0,
		.compat_capabilities = CAPS_GARBAGE,
	};
	void * const args[] = { &caps, NULL, (void *)KERNEL_ADDR };
	static const char * const arg_names[] = {
		"valid struct", "NULL", "kernel address",
	};
	unsigned int i;
	int ret, err;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		ret = ioctl(fd, KVM_PPC_GET_COMPAT_CAPS, args[i]);
		err = ret ? errno : 0;
		TH_LOG("%s, %s -> expected EINVAL, got %s", what,
		       arg_names[i], err_name(err));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, err);
	}
	EXPECT_EQ((__u64)SIZE_VER0, caps.size);
	EXPECT_EQ(0ULL, caps.flags);
	EXPECT_EQ(CAPS_GARBAGE, caps.compat_capabilities)
		TH_LOG("%s: the struct was written", what);
}

TEST_F(fuzz, system_fd)
{
	other_fd(_metadata, self->c.kvm_fd, "/dev/kvm");
}

TEST_F(fuzz, vcpu_fd)
{
	struct fuzz_ctx *fx = &self->c;
	int vcpu_fd, err;

	vcpu_fd = ioctl(fx->vm_fd, KVM_CREATE_VCPU, 0);
	err = errno;
	ASSERT_GE(vcpu_fd, 0)
		TH_LOG("KVM_CREATE_VCPU(0) failed: %s", strerror(err));
	other_fd(_metadata, vcpu_fd, "vcpu fd");
	close(vcpu_fd);
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

static enum ptr_kind gen_kind(__u64 *s)
{
	__u64 r = rnd_below(s, 100);

	if (r < 40)
		return PTR_NORMAL;
	if (r < 55)
		return PTR_RDONLY;
	if (r < 70)
		return PTR_HOLE_NONE;
	if (r < 85)
		return PTR_HOLE_UNMAP;
	if (r < 90)
		return PTR_NULL;
	return PTR_KERNEL;
}

static unsigned long gen_addr(enum ptr_kind kind, __u64 *s)
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
	return k < room ? k : room;
}

static void gen_request(struct fuzz_ctx *fx, __u64 *s,
			struct request *r)
{
	size_t page = fx->page, room;

	memset(r, 0, sizeof(*r));
	r->size = gen_size(page, s);
	r->flags = gen_flags(s);
	r->caps = rnd_next(s);
	r->kind = gen_kind(s);
	if (r->size < SIZE_VER0)
		r->len = SIZE_VER0;
	else if (r->size <= page)
		r->len = r->size;
	else
		r->len = SIZE_VER0 + rnd_below(s, LAY_EXTRA + 1);
	if (r->len > SIZE_VER0 && !rnd_below(s, 3)) {
		switch (rnd_below(s, 4)) {
		case 0:
			r->dirty = SIZE_VER0;
			break;
		case 1:
			r->dirty = r->len - 1;
			break;
		default:
			r->dirty = SIZE_VER0 +
				   rnd_below(s, r->len - SIZE_VER0);
			break;
		}
		r->dval = 1 + rnd_below(s, 255);
	}

	if (r->kind == PTR_NULL || r->kind == PTR_KERNEL) {
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

static void log_counts(struct __test_metadata *_metadata,
		       unsigned long count[NR_PTR_KINDS][NR_RESULTS])
{
	unsigned int k;

	for (k = 0; k < NR_PTR_KINDS; k++)
		TH_LOG("%-15s %7lu calls: %lu ok, %lu EINVAL, %lu E2BIG, %lu EFAULT, %lu other",
		       kind_names[k],
		       count[k][RES_OK] + count[k][RES_EINVAL] +
		       count[k][RES_E2BIG] + count[k][RES_EFAULT] +
		       count[k][RES_OTHER],
		       count[k][RES_OK], count[k][RES_EINVAL],
		       count[k][RES_E2BIG], count[k][RES_EFAULT],
		       count[k][RES_OTHER]);
}

static int env_u64(const char *name, __u64 *val)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	*val = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	return 1;
}

TEST_F_TIMEOUT(fuzz, random, FUZZ_TIMEOUT)
{
	struct fuzz_ctx *fx = &self->c;
	unsigned long count[NR_PTR_KINDS][NR_RESULTS] = {};
	char desc[256], why[160];
	__u64 iters = FUZZ_ITERS, seed, state, i;
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
		why[0] = '\0';
		ok = run_request(fx, &r, &want, &got, why, sizeof(why));
		count[r.kind][result_of(got)]++;
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
			if (!ok) {
				TH_LOG("after call %llu of seed 0x%016llx: %s",
				       i, seed, why);
				TH_LOG("written by one of the last %d calls",
				       FULL_CHECK_EVERY);
			}
			ASSERT_TRUE(ok);
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

static long fi_get(const char *name)
{
	char path[96], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), FAIL_USERCOPY "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 0) : -2;
}

/* One fault for this task: at its @nth copy, or with @nth 0 at each copy with @percent %. */
static int fi_arm(unsigned int nth, unsigned int percent)
{
	int err;

	err = fi_set("times", 1) ?: fi_set("space", nth) ?:
	      fi_set("interval", 1) ?: fi_set("probability", nth ? 100 : percent);
	return err ?: put_str(MAKE_IT_FAIL, "1");
}

/*
 * Disarm. Returns 1 if the fault was injected before, 0 if not (or only
 * into the disarming write itself, which then fails and is retried), -1 on
 * error.
 */
static int fi_disarm(void)
{
	int tries, err;

	for (tries = 0; tries < 1000; tries++) {
		err = put_str(MAKE_IT_FAIL, "0");
		if (!err)
			break;
		if (err != EFAULT)
			return -1;
	}
	if (err)
		return -1;
	/* times went from 1 to 0 when the fault was injected */
	return tries == 0 && fi_get("times") == 0;
}

static bool fi_setup(struct __test_metadata *_metadata)
{
	if (access(FAIL_USERCOPY "times", W_OK) || access(MAKE_IT_FAIL, W_OK))
		return false;
	return !fi_set("task-filter", 1) && !fi_set("verbose", 0) &&
	       !fi_set("times", 0);
}

struct fi_counts {
	unsigned long calls, faults, efault, as_args;
};

/* The schedules: the Nth copy, then 4 probabilistic ones */
static const unsigned int fi_nth[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 32, 63, 64, 65, 66, 67, 68, 70, 80,
};

static const unsigned int fi_percent[] = { 10, 30, 60, 90 };
#define NR_SCHEDULES	(ARRAY_SIZE(fi_nth) + ARRAY_SIZE(fi_percent))

/* Run @r under schedule @k; false on a broken contract, with the reason. */
static bool fi_request(struct __test_metadata *_metadata, struct fuzz_ctx *fx,
		       const struct request *r, unsigned int k,
		       struct fi_counts *n, char *why, size_t whylen)
{
	unsigned int nth = k < ARRAY_SIZE(fi_nth) ? fi_nth[k] : 0;
	unsigned int pct = nth ? 100 : fi_percent[k - ARRAY_SIZE(fi_nth)];
	struct verdict want = model(fx, r);
	const struct region *g = &fx->regions[r->kind];
	int ret, err, fault;
	bool ok;

	lay(fx, r);
	if (fi_arm(nth, pct)) {
		snprintf(why, whylen, "cannot arm fail_usercopy: %s", strerror(errno));
		return false;
	}
	ret = ioctl(fx->vm_fd, KVM_PPC_GET_COMPAT_CAPS, req_argp(fx, r));
	err = ret ? errno : 0;
	fault = fi_disarm();
	if (fault < 0) {
		snprintf(why, whylen, "cannot disarm fail_usercopy");
		return false;
	}
	n->calls++;
	n->faults += fault;
	if (ret != 0 && ret != -1) {
		snprintf(why, whylen, "ioctl returned %d", ret);
		ok = false;
	} else if (err == want.err) {
		n->as_args++;
		ok = check_memory(fx, r, &want, why, whylen);
	} else if (err == EFAULT && fault) {
		n->efault++;
		ok = check_outside(fx, r, why, whylen);
		memcpy(g->w + r->off, fx->pristine + r->off, req_laid(fx, r));
	} else {
		snprintf(why, whylen, "got %s, want %s or (with a fault) EFAULT",
			 err_name(err), err_name(want.err));
		memcpy(g->w + r->off, fx->pristine + r->off, req_laid(fx, r));
		ok = false;
	}
	if (!ok)
		TH_LOG("schedule %s %u%s: %s", nth ? "copy" : "percent",
		       nth ? nth : pct, fault ? " (fault injected)" : "", why);
	return ok;
}

TEST_F(fuzz, usercopy_faults)
{
	struct fuzz_ctx *fx = &self->c;
	size_t page = fx->page;
	const __u64 sizes[] = { 0, 23, 24, 25, 64, 4096, 4097, page, page + 1, UINT64_MAX };
	struct fi_counts n = {};
	char desc[256], why[160];
	unsigned int i, t, k;
	struct request r;

	if (!fi_setup(_metadata))
		SKIP(return, "no fail_usercopy (CONFIG_FAULT_INJECTION_USERCOPY, debugfs)");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (t = 0; t < 4; t++) {
			req_init(fx, &r, PTR_NORMAL, sizes[i], t == 3);
			if (t == 1 || t == 2) {
				if (r.len <= SIZE_VER0)
					continue;
				r.dirty = t == 1 ? SIZE_VER0 : r.len - 1;
				r.dval = 0x80;
			}
			for (k = 0; k < NR_SCHEDULES; k++) {
				why[0] = '\0';
				if (!fi_request(_metadata, fx, &r, k, &n, why, sizeof(why))) {
					TH_LOG("sent: %s", req_str(fx, &r, desc, sizeof(desc)));
					ASSERT_TRUE(false);
				}
			}
		}
	}
	ASSERT_TRUE(check_regions(fx, why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("%lu calls, %lu faults injected, %lu answers checked:",
	       n.calls, n.faults, n.as_args + n.efault);
	TH_LOG("%lu as the arguments give, %lu EFAULT", n.as_args, n.efault);
	/* The schedules must have reached the ioctl's copies. */
	EXPECT_GT(n.efault, 0);
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

	if (!fi_setup(_metadata))
		SKIP(return, "no fail_usercopy (CONFIG_FAULT_INJECTION_USERCOPY, debugfs)");
	vcpu_fd = ioctl(fx->vm_fd, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu_fd) TH_LOG("KVM_CREATE_VCPU: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(vcpu_fd, KVM_ENABLE_CAP, &papr));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		want = fx->expect & modes[i].cap ? 0 : EINVAL;
		for (k = 0; k < NR_SCHEDULES; k++) {
			get.addr = (uintptr_t)&before;
			ASSERT_EQ(0, ioctl(vcpu_fd, KVM_GET_ONE_REG, &get));
			get.addr = (uintptr_t)&after;
			val = modes[i].pvr;
			ASSERT_EQ(0, fi_arm(k < ARRAY_SIZE(fi_nth) ? fi_nth[k] : 0,
					    k < ARRAY_SIZE(fi_nth) ? 100 :
					    fi_percent[k - ARRAY_SIZE(fi_nth)]));
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
