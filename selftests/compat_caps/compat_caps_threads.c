// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_PPC_GET_COMPAT_CAPS and KVM_REG_PPC_ARCH_COMPAT under concurrency.
 *
 * Query threads call KVM_PPC_GET_COMPAT_CAPS in a loop on one shared VM fd,
 * and now and then on a VM of their own; every answer must be the one the
 * fixture got before the threads started (on bare metal EINVAL), and
 * identical to the first answer of the run. Churn threads at the same time
 * create a VM, create vcpus, enable PAPR and write each of p9, p10, p11 to
 * KVM_REG_PPC_ARCH_COMPAT (accepted exactly when granted), and close it
 * all again. A second test closes a VM fd while threads query it.
 *
 * What the host grants comes from the host itself, as in compat_caps.c
 * (compat_caps_setup()); the environment, where set, is checked on top.
 * Thread counts and duration: COMPAT_CAPS_QUERY_THREADS,
 * COMPAT_CAPS_CHURN_THREADS, COMPAT_CAPS_DURATION (seconds).
 */
#define __SANE_USERSPACE_TYPES__	/* __u64 is unsigned long long */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "compat_caps.h"

#define ENV_QUERY	"COMPAT_CAPS_QUERY_THREADS"
#define ENV_CHURN	"COMPAT_CAPS_CHURN_THREADS"
#define ENV_DURATION	"COMPAT_CAPS_DURATION"

#define QUERY_THREADS	4
#define CHURN_THREADS	2
#define DURATION	1	/* seconds; COMPAT_CAPS_DURATION for longer */
#define MAX_THREADS	64
#define MAX_DURATION	120	/* seconds, below THREADS_TIMEOUT */
#define THREADS_TIMEOUT	180	/* seconds, for the harness */
#define FRESH_VM_EVERY	32	/* query: every that many calls, a new VM */
#define CLOSE_AFTER_MS	300	/* vm_close_race: close after that long */
#define EBADF_WAIT_MS	5000	/* then wait that long for every EBADF */

#define SIZE_VER0	KVM_PPC_COMPAT_CAPS_SIZE_VER0
#define QUERY_MAX	256	/* largest size passed, clean tail */
#define GUARD		32	/* pattern bytes after the struct */
#define CAPS_GARBAGE	0xdeadbeefcafef00dULL	/* input, must be ignored */
#define GUARD_BYTE	0xa5

static const __u64 query_sizes[] = { SIZE_VER0, 32, 64, QUERY_MAX };

/* One answer of KVM_PPC_GET_COMPAT_CAPS: errno (0: success), the struct */
struct answer {
	int err;
	struct kvm_ppc_compat_caps caps;
};

/* What every thread of a test sees */
struct shared {
	struct host h;		/* h.vm_fd: the VM all query threads share */
	int stop;		/* atomic: threads leave their loop */
	int closing;		/* atomic: vm_close_race closes vm_fd */
	pthread_mutex_t lock;	/* protects the members below */
	int have_first;
	struct answer first;	/* the first answer of the run */
	int failed;
	char msg[512];		/* the first failure */
};

struct worker {
	struct shared *sh;
	pthread_t tid;
	unsigned int id;
	int churn;		/* churn thread, else query thread */
	int done;		/* vm_close_race: EBADF seen */
	unsigned long iters;	/* query: calls; churn: VMs */
	unsigned long extra;	/* query: on fresh VMs; churn: SET_ONE_REG */
};

static bool stopped(struct shared *sh)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE);
}

/* Record the first failure and stop every thread */
static __printf(2, 3) void fail(struct shared *sh, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&sh->lock);
	if (!sh->failed) {
		va_start(ap, fmt);
		vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
		va_end(ap);
		sh->failed = 1;
	}
	pthread_mutex_unlock(&sh->lock);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
}

static const char *answer_str(const struct answer *a, char *buf, size_t len)
{
	char names[64];

	if (a->err)
		snprintf(buf, len, "%s, struct {size %llu, flags 0x%llx, caps 0x%016llx}",
			 err_name(a->err), a->caps.size, a->caps.flags,
			 a->caps.compat_capabilities);
	else
		snprintf(buf, len, "success {size %llu, flags 0x%llx, caps 0x%016llx (%s)}",
			 a->caps.size, a->caps.flags,
			 a->caps.compat_capabilities,
			 mask_names(a->caps.compat_capabilities, names,
				    sizeof(names)));
	return buf;
}

/*
 * One KVM_PPC_GET_COMPAT_CAPS on @fd with a clean struct of @size bytes
 * followed by guard bytes. Checks the answer against the fixture's and
 * the first answer of the run. @a gets the answer. Returns false after
 * fail() on a mismatch; EBADF is returned as an answer when @ebadf_ok.
 */
static bool get_caps(struct worker *w, int fd, __u64 size, const char *where,
		     bool ebadf_ok, struct answer *a)
{
	struct shared *sh = w->sh;
	__u64 mem[(QUERY_MAX + GUARD) / 8];
	__u8 *p = (__u8 *)mem;
	struct answer want;
	char s1[160], s2[160], who[128];
	size_t i;
	int ret;

	memset(p, 0, size);
	memset(p + size, GUARD_BYTE, GUARD);
	mem[0] = size;
	mem[1] = 0;
	mem[2] = CAPS_GARBAGE;

	ret = ioctl(fd, KVM_PPC_GET_COMPAT_CAPS, p);
	a->err = ret ? errno : 0;
	memcpy(&a->caps, p, sizeof(a->caps));
	snprintf(who, sizeof(who), "query thread %u, call %lu on %s, size %llu",
		 w->id, w->iters, where, size);
	if (ret != 0 && ret != -1) {
		fail(sh, "%s: ioctl returned %d", who, ret);
		return false;
	}
	if (ebadf_ok && a->err == EBADF)
		return true;

	if (sh->h.api == API_BARE) {
		want.err = EINVAL;
		want.caps.size = size;
		want.caps.flags = 0;
		want.caps.compat_capabilities = CAPS_GARBAGE;
	} else {
		want.err = 0;
		want.caps.size = SIZE_VER0;
		want.caps.flags = 0;
		want.caps.compat_capabilities = sh->h.granted;
	}
	if (a->err != want.err || memcmp(&a->caps, &want.caps, sizeof(a->caps))) {
		fail(sh, "%s: expected %s, got %s", who,
		     answer_str(&want, s1, sizeof(s1)),
		     answer_str(a, s2, sizeof(s2)));
		return false;
	}
	for (i = SIZE_VER0; i < size + GUARD; i++) {
		if (p[i] != (i < size ? 0 : GUARD_BYTE)) {
			fail(sh, "%s: byte %zu is 0x%02x, expected 0x%02x",
			     who, i, p[i], i < size ? 0 : GUARD_BYTE);
			return false;
		}
	}

	/* the size field is the only one that depends on the request */
	pthread_mutex_lock(&sh->lock);
	if (!sh->have_first) {
		sh->first = *a;
		sh->have_first = 1;
	}
	want = sh->first;
	pthread_mutex_unlock(&sh->lock);
	if (want.err == EINVAL && a->err == EINVAL)
		want.caps.size = size;
	if (a->err != want.err || memcmp(&a->caps, &want.caps, sizeof(a->caps))) {
		fail(sh, "%s: got %s, the first answer was %s", who,
		     answer_str(a, s2, sizeof(s2)),
		     answer_str(&want, s1, sizeof(s1)));
		return false;
	}
	return true;
}

/* A VM of its own: create, query once, close */
static bool query_fresh_vm(struct worker *w, __u64 size)
{
	struct shared *sh = w->sh;
	struct answer a;
	bool ok;
	int vm;

	vm = ioctl(sh->h.kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	if (vm < 0) {
		fail(sh, "query thread %u, call %lu: KVM_CREATE_VM failed: %s",
		     w->id, w->iters, strerror(errno));
		return false;
	}
	ok = get_caps(w, vm, size, "a fresh VM fd", false, &a);
	close(vm);
	return ok;
}

static void *query_thread(void *arg)
{
	struct worker *w = arg;
	struct answer a;
	__u64 size;
	bool ok;

	while (!stopped(w->sh)) {
		size = query_sizes[w->iters % ARRAY_SIZE(query_sizes)];
		if (w->iters % FRESH_VM_EVERY == FRESH_VM_EVERY - 1) {
			ok = query_fresh_vm(w, size);
			w->extra++;
		} else {
			ok = get_caps(w, w->sh->h.vm_fd, size, "the shared VM fd",
				      false, &a);
		}
		if (!ok)
			break;
		w->iters++;
	}
	return NULL;
}

/*
 * Create vcpu @id on @vm, enable PAPR, write @m's logical PVR to
 * KVM_REG_PPC_ARCH_COMPAT: success exactly when @m is granted.
 */
static bool churn_vcpu(struct worker *w, int vm, unsigned int id,
		       const struct compat_mode *m)
{
	struct kvm_enable_cap papr = { .cap = KVM_CAP_PPC_PAPR };
	struct shared *sh = w->sh;
	__u32 pvr = m->pvr;
	struct kvm_one_reg reg = {
		.id = KVM_REG_PPC_ARCH_COMPAT,	/* KVM_REG_SIZE_U32 */
		.addr = (uintptr_t)&pvr,
	};
	int vcpu, ret, err, want;

	vcpu = ioctl(vm, KVM_CREATE_VCPU, id);
	if (vcpu < 0) {
		fail(sh, "churn thread %u, VM %lu: KVM_CREATE_VCPU(%u) failed: %s",
		     w->id, w->iters, id, strerror(errno));
		return false;
	}
	ret = ioctl(vcpu, KVM_ENABLE_CAP, &papr);
	if (ret) {
		fail(sh, "churn thread %u, VM %lu: enabling PAPR on vcpu %u failed: %s",
		     w->id, w->iters, id, strerror(errno));
		close(vcpu);
		return false;
	}
	ret = ioctl(vcpu, KVM_SET_ONE_REG, &reg);
	err = ret ? errno : 0;
	close(vcpu);
	w->extra++;
	want = sh->h.granted & m->cap ? 0 : EINVAL;
	if (ret && ret != -1)
		err = -1;
	if (err != want) {
		fail(sh, "churn thread %u, VM %lu, vcpu %u: %s (0x%08x): expected %s, got %s",
		     w->id, w->iters, id, m->name, m->pvr, err_name(want),
		     err < 0 ? "a bad return value" : err_name(err));
		return false;
	}
	return true;
}

static void *churn_thread(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	unsigned int i;
	bool ok = true;
	int vm;

	while (ok && !stopped(sh)) {
		vm = ioctl(sh->h.kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
		if (vm < 0) {
			fail(sh, "churn thread %u, VM %lu: KVM_CREATE_VM failed: %s",
			     w->id, w->iters, strerror(errno));
			break;
		}
		for (i = 0; ok && i < ARRAY_SIZE(modes); i++)
			ok = churn_vcpu(w, vm, i, &modes[i]);
		close(vm);
		if (ok)
			w->iters++;
	}
	return NULL;
}

/* Query until the fd goes away: every answer right, then EBADF only */
static void *close_race_thread(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct answer a;
	__u64 size;

	while (!stopped(sh)) {
		size = query_sizes[w->iters % ARRAY_SIZE(query_sizes)];
		if (!get_caps(w, sh->h.vm_fd, size, "the VM fd being closed",
			      true, &a))
			break;
		if (a.err == EBADF) {
			if (!__atomic_load_n(&sh->closing, __ATOMIC_ACQUIRE))
				fail(sh, "query thread %u, call %lu: EBADF before the close",
				     w->id, w->iters);
			else
				__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
			break;
		}
		w->iters++;
	}
	return NULL;
}

static int env_uint(const char *name, unsigned int def, unsigned int max,
		    unsigned int *val)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	*val = def;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*val = v;
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(threads) {
	struct shared sh;
};

FIXTURE_SETUP(threads)
{
	struct shared *sh = &self->sh;

	pthread_mutex_init(&sh->lock, NULL);
	if (compat_caps_setup(_metadata, &sh->h))
		host_known(_metadata, &sh->h);
}

FIXTURE_TEARDOWN(threads)
{
	struct shared *sh = &self->sh;

	if (sh->h.vm_fd >= 0)
		close(sh->h.vm_fd);
	if (sh->h.kvm_fd >= 0)
		close(sh->h.kvm_fd);
	pthread_mutex_destroy(&sh->lock);
}

static void log_first(struct __test_metadata *_metadata, struct shared *sh)
{
	char buf[160];

	if (sh->have_first)
		TH_LOG("first answer: %s",
		       answer_str(&sh->first, buf, sizeof(buf)));
}

TEST_F_TIMEOUT(threads, query_and_churn, THREADS_TIMEOUT)
{
	struct shared *sh = &self->sh;
	unsigned long queries = 0, fresh = 0, vms = 0, regs = 0;
	unsigned int nq, nc, secs, i, n;
	struct worker *w;
	double t0, t;
	int ret;

	ASSERT_EQ(0, env_uint(ENV_QUERY, QUERY_THREADS, MAX_THREADS, &nq))
		TH_LOG("%s: a number up to %d", ENV_QUERY, MAX_THREADS);
	ASSERT_EQ(0, env_uint(ENV_CHURN, CHURN_THREADS, MAX_THREADS, &nc))
		TH_LOG("%s: a number up to %d", ENV_CHURN, MAX_THREADS);
	ASSERT_EQ(0, env_uint(ENV_DURATION, DURATION, MAX_DURATION, &secs))
		TH_LOG("%s: seconds, up to %d", ENV_DURATION, MAX_DURATION);
	n = nq + nc;
	ASSERT_TRUE(n > 0 && n <= MAX_THREADS)
		TH_LOG("%u query + %u churn threads: 1 to %d in all",
		       nq, nc, MAX_THREADS);
	TH_LOG("%u query threads, %u churn threads, %u s",
	       nq, nc, secs);

	w = calloc(n, sizeof(*w));
	ASSERT_NE(NULL, w);
	for (i = 0; i < n; i++) {
		w[i].sh = sh;
		w[i].churn = i >= nq;
		w[i].id = w[i].churn ? i - nq : i;
		ret = pthread_create(&w[i].tid, NULL,
				     w[i].churn ? churn_thread : query_thread,
				     &w[i]);
		if (ret) {
			fail(sh, "pthread_create: %s", strerror(ret));
			n = i;
			break;
		}
	}

	t0 = now();
	do {
		sleep_ms(50);
		t = now() - t0;
	} while (t < secs && !stopped(sh));
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	t = now() - t0;

	for (i = 0; i < n; i++) {
		if (w[i].churn) {
			TH_LOG("churn thread %u: %lu VMs, %lu KVM_SET_ONE_REG",
			       w[i].id, w[i].iters, w[i].extra);
			vms += w[i].iters;
			regs += w[i].extra;
		} else {
			TH_LOG("query thread %u: %lu calls, %lu on fresh VMs",
			       w[i].id, w[i].iters, w[i].extra);
			queries += w[i].iters;
			fresh += w[i].extra;
		}
	}
	TH_LOG("%u query threads x %lu calls (%lu on fresh VMs) in %.1f s",
	       nq, nq ? queries / nq : 0, fresh, t);
	TH_LOG("%u churn threads x %lu VMs (%lu KVM_SET_ONE_REG) in %.1f s",
	       nc, nc ? vms / nc : 0, regs, t);
	log_first(_metadata, sh);

	if (sh->failed)
		TH_LOG("%s", sh->msg);
	EXPECT_FALSE(sh->failed);
	if (!sh->failed) {
		for (i = 0; i < n; i++)
			EXPECT_NE(0UL, w[i].iters)
				TH_LOG("%s thread %u made no progress in %.1f s",
				       w[i].churn ? "churn" : "query", w[i].id,
				       t);
	}
	free(w);
}

/*
 * Close a VM fd while query threads use it: until the close every answer is
 * the expected one, after it EBADF, and nothing else in between.
 */
TEST_F_TIMEOUT(threads, vm_close_race, THREADS_TIMEOUT)
{
	struct shared *sh = &self->sh;
	unsigned long calls = 0;
	unsigned int nq, i, n, done;
	struct worker *w;
	double t0;
	int ret, fd;

	ASSERT_EQ(0, env_uint(ENV_QUERY, QUERY_THREADS, MAX_THREADS, &nq))
		TH_LOG("%s: a number up to %d", ENV_QUERY, MAX_THREADS);
	if (!nq)
		SKIP(return, "%s=0", ENV_QUERY);

	/* a VM of its own: the fixture closes its vm_fd itself */
	fd = sh->h.vm_fd;
	sh->h.vm_fd = ioctl(sh->h.kvm_fd, KVM_CREATE_VM, KVM_VM_PPC_HV);
	ASSERT_GE(sh->h.vm_fd, 0)
		TH_LOG("KVM_CREATE_VM failed: %s", strerror(errno));

	w = calloc(nq, sizeof(*w));
	ASSERT_NE(NULL, w);
	for (n = 0; n < nq; n++) {
		w[n].sh = sh;
		w[n].id = n;
		ret = pthread_create(&w[n].tid, NULL, close_race_thread, &w[n]);
		if (ret) {
			fail(sh, "pthread_create: %s", strerror(ret));
			break;
		}
	}

	sleep_ms(CLOSE_AFTER_MS);
	__atomic_store_n(&sh->closing, 1, __ATOMIC_RELEASE);
	close(sh->h.vm_fd);

	/* every thread sees EBADF on its next call */
	t0 = now();
	do {
		sleep_ms(10);
		for (i = 0, done = 0; i < n; i++)
			done += __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
	} while (done < n && !stopped(sh) && now() - t0 < EBADF_WAIT_MS / 1e3);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	sh->h.vm_fd = fd;

	for (i = 0; i < n; i++) {
		TH_LOG("query thread %u: %lu calls before EBADF%s", i,
		       w[i].iters, w[i].done ? "" : " (no EBADF seen)");
		calls += w[i].iters;
	}
	TH_LOG("%u query threads x %lu calls before the close", n,
	       n ? calls / n : 0);
	log_first(_metadata, sh);

	if (sh->failed)
		TH_LOG("%s", sh->msg);
	EXPECT_FALSE(sh->failed);
	if (!sh->failed) {
		for (i = 0; i < n; i++)
			EXPECT_TRUE(w[i].done)
				TH_LOG("query thread %u got no EBADF within %d ms of the close",
				       i, EBADF_WAIT_MS);
	}
	free(w);
}

TEST_HARNESS_MAIN
