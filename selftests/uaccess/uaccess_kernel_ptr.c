// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel address passed where a system call expects a user one must fail
 * with EFAULT and change nothing, whichever user-access primitive the kernel
 * uses on it:
 *
 *   copy_from_user()      setrlimit, sched_setaffinity, FS_IOC_FSSETXATTR
 *   copy_to_user()        getrlimit, uname
 *   get_user()            FIONBIO
 *   put_user()            FIONREAD, PR_GET_PDEATHSIG
 *   strncpy_from_user()   open, chdir
 *   strnlen_user()        execve (argv[0])
 *   clear_user()          get_mempolicy (the node mask's tail)
 *   iov_iter copies       write (to a pipe)
 *   masked user writes    poll (revents), getdents64 (the entries)
 *
 * Each is tried with addresses of the linear map at several offsets, of the
 * vmalloc area, the first address of quadrant 2, the last page of the
 * address space, and, when /proc tells them, the kernel's text, a vmalloc
 * allocation and a module.
 *
 * With masked user access, copy_from_user() and the string functions on
 * powerpc turn any address with the top bit set into one that is meant to
 * fault; in hypervisor state with the radix MMU (a bare-metal host) an
 * address of quadrant 2 is translated with PID 0, so that the copy reads
 * the kernel's memory. There setrlimit() returns 0 with the first bytes of
 * the kernel as the new limits, and open() of a kernel pointer reads an
 * empty name (ENOENT) instead of failing with EFAULT.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fs.h>

#include "kselftest_harness.h"

/* powerpc's getrlimit() is ugetrlimit, with the unsigned limits. */
#ifdef SYS_ugetrlimit
#define SYS_GETRLIMIT	SYS_ugetrlimit
#else
#define SYS_GETRLIMIT	SYS_getrlimit
#endif

#define MAX_KPTRS	16

struct kptr {
	const char *what;
	unsigned long addr;
};

static struct kptr kptrs[MAX_KPTRS] = {
	{ "linear map",		0xc000000000000000UL },
	{ "linear map +8",	0xc000000000000008UL },
	{ "linear map +64K",	0xc000000000010000UL },
	{ "linear map +16M",	0xc000000001000000UL },
	{ "vmalloc area",	0xc008000000000000UL },
	{ "quadrant 2",		0x8000000000000000UL },
	{ "last page",		0xfffffffffffff000UL },
};

static int nr_kptrs = 7;
static char found_what[3][64];

static void add_kptr(int slot, const char *what, unsigned long addr)
{
	if (nr_kptrs >= MAX_KPTRS || addr < 0x8000000000000000UL)
		return;
	snprintf(found_what[slot], sizeof(found_what[slot]), "%s", what);
	kptrs[nr_kptrs].what = found_what[slot];
	kptrs[nr_kptrs].addr = addr;
	nr_kptrs++;
}

/* The first hexadecimal address on a line of FILE that contains WORD. */
static unsigned long find_addr(const char *file, const char *word)
{
	unsigned long addr = 0;
	char line[256], *p;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, word))
			continue;
		p = strstr(line, "0x");
		addr = strtoul(p ? p + 2 : line, NULL, 16);
		if (addr)
			break;
	}
	fclose(f);
	return addr;
}

/* Addresses the kernel tells root about, added to the fixed ones. */
static void __attribute__((constructor)) find_kptrs(void)
{
	add_kptr(0, "kernel text (_stext)", find_addr("/proc/kallsyms", " _stext\n"));
	add_kptr(1, "a vmalloc allocation", find_addr("/proc/vmallocinfo", ""));
	add_kptr(2, "a module", find_addr("/proc/modules", "Live"));
}

/*
 * 1 when a call given kernel address K did not fail with EFAULT (logged),
 * else 0. Called right after the call, before errno can change.
 */
static int not_efault(const struct kptr *k, long ret, const char *call)
{
	int err = errno;

	if (ret == -1 && err == EFAULT)
		return 0;
	ksft_print_msg("%s(%s %#lx): returned %ld, errno %d (%s), want EFAULT\n",
		       call, k->what, k->addr, ret, ret == -1 ? err : 0,
		       ret == -1 ? strerror(err) : "-");
	return 1;
}

/*
 * How many of the kernel addresses CALL(ARG, address) did not refuse with
 * EFAULT, each logged under NAME. ARG is a file descriptor, or unused.
 */
static int try_kptrs(const char *name, long (*call)(long arg, unsigned long addr),
		     long arg)
{
	struct kptr *k;
	int bad = 0;
	long ret;

	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = call(arg, k->addr);
		bad += not_efault(k, ret, name);
	}
	return bad;
}

static long call_getrlimit(long arg, unsigned long addr)
{
	return syscall(SYS_GETRLIMIT, RLIMIT_CORE, addr);
}

static long call_uname(long arg, unsigned long addr)
{
	return syscall(SYS_uname, addr);
}

static long call_fionread(long fd, unsigned long addr)
{
	return ioctl(fd, FIONREAD, addr);
}

static long call_pdeathsig(long arg, unsigned long addr)
{
	return prctl(PR_GET_PDEATHSIG, addr, 0, 0, 0);
}

static long call_open(long arg, unsigned long addr)
{
	long ret = syscall(SYS_openat, AT_FDCWD, addr, O_RDONLY);

	if (ret >= 0)
		close(ret);
	return ret;
}

static long call_get_mempolicy(long arg, unsigned long addr)
{
	int mode;

	/*
	 * A node mask of 1024 bits, longer than the kernel's and shorter than
	 * a page: its tail is cleared with clear_user() before the nodes are
	 * copied.
	 */
	return syscall(SYS_get_mempolicy, &mode, addr, 1024, NULL, 0);
}

static long call_write(long fd, unsigned long addr)
{
	return write(fd, (const void *)addr, 64);
}

static long call_ppoll(long arg, unsigned long addr)
{
	return syscall(SYS_ppoll, addr, 1, NULL, NULL, 0);
}

TEST(addresses)
{
	struct kptr *k;

	/* Not a check: which addresses the others tried. */
	for (k = kptrs; k < kptrs + nr_kptrs; k++)
		TH_LOG("%-22s %#018lx", k->what, k->addr);
}

TEST(copy_from_user_setrlimit)
{
	struct rlimit before, after;
	struct kptr *k;
	int bad = 0;
	long ret;

	ASSERT_EQ(0, getrlimit(RLIMIT_CORE, &before));
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = syscall(SYS_setrlimit, RLIMIT_CORE, k->addr);
		bad += not_efault(k, ret, "setrlimit");
		ASSERT_EQ(0, getrlimit(RLIMIT_CORE, &after));
		if (memcmp(&before, &after, sizeof(before))) {
			TH_LOG("setrlimit(%s): RLIMIT_CORE changed to cur %#lx max %#lx",
			       k->what, (unsigned long)after.rlim_cur,
			       (unsigned long)after.rlim_max);
			setrlimit(RLIMIT_CORE, &before);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

TEST(copy_from_user_sched_setaffinity)
{
	cpu_set_t before, after;
	struct kptr *k;
	int bad = 0;
	long ret;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(before), &before));
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = syscall(SYS_sched_setaffinity, 0, 8, k->addr);
		bad += not_efault(k, ret, "sched_setaffinity");
		ASSERT_EQ(0, sched_getaffinity(0, sizeof(after), &after));
		if (!CPU_EQUAL(&before, &after)) {
			TH_LOG("sched_setaffinity(%s): the affinity changed", k->what);
			sched_setaffinity(0, sizeof(before), &before);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

TEST(copy_from_user_ioctl)
{
	struct fsxattr before, after;
	struct kptr *k;
	int fd, bad = 0, has_get;
	long ret;

	fd = memfd_create("uaccess_kernel_ptr", 0);
	ASSERT_LE(0, fd);
	/* The fs may not implement fileattr; the copy comes first anyway. */
	has_get = ioctl(fd, FS_IOC_FSGETXATTR, &before) == 0;
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = ioctl(fd, FS_IOC_FSSETXATTR, k->addr);
		bad += not_efault(k, ret, "ioctl(FS_IOC_FSSETXATTR)");
		if (has_get) {
			ASSERT_EQ(0, ioctl(fd, FS_IOC_FSGETXATTR, &after));
			if (memcmp(&before, &after, sizeof(before))) {
				TH_LOG("FS_IOC_FSSETXATTR(%s): the attributes changed", k->what);
				bad++;
			}
		}
	}
	close(fd);
	EXPECT_EQ(0, bad);
}

TEST(copy_to_user_getrlimit)
{
	EXPECT_EQ(0, try_kptrs("getrlimit", call_getrlimit, 0));
}

TEST(copy_to_user_uname)
{
	EXPECT_EQ(0, try_kptrs("uname", call_uname, 0));
}

TEST(get_user_fionbio)
{
	struct kptr *k;
	int fds[2], flags, bad = 0;
	long ret;

	ASSERT_EQ(0, pipe(fds));
	flags = fcntl(fds[0], F_GETFL);
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = ioctl(fds[0], FIONBIO, k->addr);
		bad += not_efault(k, ret, "ioctl(FIONBIO)");
		if (fcntl(fds[0], F_GETFL) != flags) {
			TH_LOG("FIONBIO(%s): the file flags changed", k->what);
			fcntl(fds[0], F_SETFL, flags);
			bad++;
		}
	}
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, bad);
}

TEST(put_user_fionread)
{
	int fds[2], bad;

	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(1, write(fds[1], "x", 1));
	bad = try_kptrs("ioctl(FIONREAD)", call_fionread, fds[0]);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, bad);
}

TEST(put_user_prctl)
{
	EXPECT_EQ(0, try_kptrs("prctl(PR_GET_PDEATHSIG)", call_pdeathsig, 0));
}

TEST(strncpy_from_user_open)
{
	EXPECT_EQ(0, try_kptrs("open", call_open, 0));
}

TEST(strncpy_from_user_chdir)
{
	char before[256], after[256];
	struct kptr *k;
	int bad = 0;
	long ret;

	ASSERT_NE(NULL, getcwd(before, sizeof(before)));
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		errno = 0;
		ret = syscall(SYS_chdir, k->addr);
		bad += not_efault(k, ret, "chdir");
		ASSERT_NE(NULL, getcwd(after, sizeof(after)));
		if (strcmp(before, after)) {
			TH_LOG("chdir(%s): the directory changed to %s", k->what, after);
			ASSERT_EQ(0, chdir(before));
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

/* What the child exits with when execve() failed with EFAULT. */
#define EXEC_EFAULT	42

TEST(strnlen_user_execve)
{
	struct kptr *k;
	int bad = 0, status;
	pid_t pid;

	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			char *argv[2], *envp[1];

			argv[0] = (char *)k->addr;
			argv[1] = NULL;
			envp[0] = NULL;
			syscall(SYS_execve, "/bin/true", argv, envp);
			_exit(errno == EFAULT ? EXEC_EFAULT : 1);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != EXEC_EFAULT) {
			TH_LOG("execve(argv[0] = %s %#lx): status %#x, want EFAULT",
			       k->what, k->addr, status);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

TEST(clear_user_get_mempolicy)
{
	int mode;

	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0))
		SKIP(return, "get_mempolicy: %s (no NUMA?)", strerror(errno));
	EXPECT_EQ(0, try_kptrs("get_mempolicy", call_get_mempolicy, 0));
}

/*
 * Last: these write through a masked address (scoped_user_write_access),
 * so without the fix on an affected host they write into the kernel.
 */
/* write() copies through an iov_iter: import_ubuf(), copy_page_from_iter() */
TEST(iov_iter_write_pipe)
{
	int fds[2], bad;

	ASSERT_EQ(0, pipe(fds));
	bad = try_kptrs("write(pipe)", call_write, fds[1]);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, bad);
}

TEST(masked_write_poll)
{
	EXPECT_EQ(0, try_kptrs("poll", call_ppoll, 0));
}

TEST(masked_write_getdents64)
{
	struct kptr *k;
	int fd, bad = 0;
	long ret;

	fd = open("/", O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	for (k = kptrs; k < kptrs + nr_kptrs; k++) {
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
		errno = 0;
		ret = syscall(SYS_getdents64, fd, k->addr, 4096);
		bad += not_efault(k, ret, "getdents64");
	}
	close(fd);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
