// SPDX-License-Identifier: GPL-2.0
/*
 * strata_cap selftests - capability mode: no ambient authority
 *
 * A process that entered capability mode (STRATA_CAP_IOC_SANDBOX_ENTER)
 * acts only through the handles and file descriptors it holds.  Everything
 * it could otherwise reach by a name (a path, an address, a pid, a key) or
 * borrow from privilege is refused with EPERM: for the process, its
 * threads, everything it starts and whatever it executes, for good.  The
 * rules are enforced by the BPF LSM programs of bpf/cap_sandbox.bpf.c.
 *
 * Capability mode is per process and permanent, so the test process never
 * enters it.  Every test forks a child that opens a table of its own (a
 * table belongs to the process that opened it), optionally prepares what
 * it will hold, enters, does the sandboxed part and reports each result
 * over a pipe made before entering; the test process, outside, asserts.
 * The programs are attached in-process, once for the whole file (see
 * programs_attach()), and detached at the end.
 *
 * Tests that try a way out also say, in a comment, why it would matter.
 * Where the kernel checks a capability before it reaches the rule's own
 * hook, the refusal may come from the "capable" rule instead; the tests
 * assert the EPERM, and name a rule only where the rule is the point.
 */
#include <dirent.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "common.h"
#include "cap_sandbox.h"
#include "cap_sandbox.skel.h"

#define BUSYBOX		"/bin/busybox"	/* static: runs without ld.so */
#define PASSWD		"/etc/passwd"
#define PERF_PARANOID	"/proc/sys/kernel/perf_event_paranoid"
#define REPORT_MAX	16
#define NO_REPORT	INT_MIN

/* ---- running something in capability mode ----------------------------- */

/*
 * What a sandboxed child does: @prepare (optional) outside capability
 * mode, with the table it just opened, then @run inside.  @arg is the
 * child's copy of whatever the test passed; @prepare may fill it in for
 * @run.  With @run_anyway, @run also runs when ENTER failed.
 */
struct job {
	int (*prepare)(int table, void *arg);
	int (*run)(int table, void *arg);
	void *arg;
	bool run_anyway;
};

/* What the child reported, in order, and how it ended. */
struct outcome {
	int enter;		/* ENTER's result, NO_REPORT if it never said */
	int n;			/* values reported after that */
	int v[REPORT_MAX];	/* report()s, then @run's return value */
	int status;		/* its wait status */
};

/* The child's exit codes when it could not do its part at all. */
enum {
	CHILD_NO_TABLE = 90,
	CHILD_NOT_PREPARED,
	CHILD_PIPE_BROKEN,
};

struct child {
	pid_t pid;
	int rd;
};

/* The child's end of the report pipe (also its threads' and children's). */
static int report_fd = -1;

/* Send @v to the test process, which collects the values in order. */
static void report(int v)
{
	if (write(report_fd, &v, sizeof(v)) != sizeof(v))
		_exit(CHILD_PIPE_BROKEN);
}

/* 0 for a call that succeeded, -errno for one that failed. */
static inline int sys(long ret)
{
	return ret < 0 ? -errno : 0;
}

static int child_start(const struct job *job, struct child *c)
{
	int p[2], table, ret;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (c->pid == 0) {
		close(p[0]);
		report_fd = p[1];
		table = strata_cap_open(O_CLOEXEC);
		if (table < 0)
			_exit(CHILD_NO_TABLE);
		if (job->prepare && job->prepare(table, job->arg))
			_exit(CHILD_NOT_PREPARED);
		ret = strata_sandbox_enter(table);
		report(ret);
		if (ret && !job->run_anyway)
			_exit(0);
		report(job->run(table, job->arg));
		_exit(0);
	}
	close(p[1]);
	c->rd = p[0];
	return 0;
}

/* The next value the child reported: true, or false once it is done. */
static bool child_next(struct child *c, int *v)
{
	ssize_t n;

	do {
		n = read(c->rd, v, sizeof(*v));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(*v);
}

/* Collect the rest of what the child (and its descendants) report. */
static void child_finish(struct child *c, struct outcome *out)
{
	int v;

	while (child_next(c, &v))
		if (out->n < REPORT_MAX)
			out->v[out->n++] = v;
	close(c->rd);
	if (waitpid(c->pid, &out->status, 0) != c->pid)
		out->status = -1;
}

static void run_sandboxed(struct __test_metadata *_metadata,
			  const struct job *job, struct outcome *out)
{
	struct child c;

	memset(out, 0, sizeof(*out));
	out->enter = NO_REPORT;
	ASSERT_EQ(0, child_start(job, &c));
	if (!child_next(&c, &out->enter))
		out->enter = NO_REPORT;
	child_finish(&c, out);
	if (!job->run_anyway)
		ASSERT_EQ(0, out->enter)
			TH_LOG("no capability mode (wait status 0x%x)",
			       out->status);
}

/*
 * Run @fn(table, @arg) in capability mode and return what it returned;
 * the test fails unless the child entered, returned and exited cleanly.
 */
static int __in_sandbox(struct __test_metadata *_metadata,
			int (*fn)(int table, void *arg), void *arg)
{
	struct job job = { .run = fn, .arg = arg };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	EXPECT_TRUE(WIFEXITED(out.status) && !WEXITSTATUS(out.status))
		TH_LOG("sandboxed child: wait status 0x%x", out.status);
	EXPECT_LE(1, out.n)
		TH_LOG("no report: did an exec go through?");
	return out.n ? out.v[out.n - 1] : NO_REPORT;
}

#define in_sandbox(fn, arg) __in_sandbox(_metadata, fn, arg)

/* ---- processes that stay outside ---------------------------------------- */

/*
 * A bystander: a process outside capability mode, started before the
 * sandboxed child.  It waits for its pipe to close and exits 0, unless a
 * signal ends it first.
 */
struct bystander {
	pid_t pid;
	int go;
};

static int bystander_start(struct bystander *b)
{
	char c;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	b->pid = fork();
	if (b->pid < 0)
		return -errno;
	if (b->pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	b->go = p[1];
	return 0;
}

/* Let it exit; its wait status. */
static int bystander_stop(struct bystander *b)
{
	int status = -1;

	close(b->go);
	waitpid(b->pid, &status, 0);
	return status;
}

/* For tests where it may have been stopped (ptrace): end it for sure. */
static void bystander_kill(struct bystander *b)
{
	kill(b->pid, SIGKILL);
	close(b->go);
	waitpid(b->pid, NULL, 0);
}

/* ---- the programs, shared by the tests --------------------------------- */

/*
 * The programs are attached once per run of this file and shared by its
 * tests, because detaching fifty LSM programs takes seconds in a TCG
 * guest.  The first test that needs them loads and attaches them, and pins
 * the links and the denials and recent maps in a bpffs instance of this
 * run's own (CAP_SANDBOX_PIN_DIR is for the system's copy); later tests
 * find the pins.  The harness process detaches them at exit, and so does
 * the test of detaching.  No test process keeps a link open: a sandboxed
 * child it forked would otherwise hold the programs attached.
 */
static char bpffs[64];
static pid_t harness;

static char *pinned(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", bpffs, name);
	return buf;
}

static bool programs_attached(void)
{
	char path[PATH_MAX];

	return !access(pinned(path, "links/sandbox_file_ioctl"), F_OK);
}

static int programs_attach(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct cap_sandbox_bpf *skel;
	char path[PATH_MAX];
	struct statfs fs;
	int i, err;

	if (statfs(bpffs, &fs) || fs.f_type != BPF_FS_MAGIC) {
		if (mkdir(bpffs, 0700) && errno != EEXIST)
			return -errno;
		if (mount("bpf", bpffs, "bpf", 0, "mode=0700"))
			return -errno;
	}
	if (mkdir(pinned(path, "links"), 0700) && errno != EEXIST)
		return -errno;
	/* The maps are pinned by name, under pin_root_path, as they load. */
	skel = cap_sandbox_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	err = cap_sandbox_bpf__load(skel);
	if (!err)
		err = cap_sandbox_bpf__attach(skel);
	for (i = 0; !err && i < skel->skeleton->prog_cnt; i++) {
		struct bpf_link *link = *skel->skeleton->progs[i].link;

		snprintf(path, sizeof(path), "%s/links/%s", bpffs,
			 skel->skeleton->progs[i].name);
		if (link)
			err = bpf_link__pin(link, path);
	}
	/* The pins keep them attached. */
	cap_sandbox_bpf__destroy(skel);
	return err;
}

/*
 * Detach the programs, at once: the pins go, and the last reference to
 * each link is closed here, which detaches it before close() returns.
 */
static void programs_detach(void)
{
	char path[PATH_MAX];
	int fds[128], n = 0;
	struct dirent *d;
	DIR *dir;

	dir = opendir(pinned(path, "links"));
	if (dir) {
		while ((d = readdir(dir)) && n < (int)ARRAY_SIZE(fds)) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/links/%s", bpffs,
				 d->d_name);
			fds[n] = bpf_obj_get(path);
			if (fds[n] >= 0)
				n++;
			unlink(path);
		}
		closedir(dir);
	}
	while (n)
		close(fds[--n]);
	rmdir(pinned(path, "links"));
	unlink(pinned(path, "denials"));
	unlink(pinned(path, "recent"));
}

__attribute__((constructor)) static void programs_init(void)
{
	harness = getpid();
	snprintf(bpffs, sizeof(bpffs), "/tmp/strata-sandbox-bpf.%d", harness);
}

/* In the harness process only: its children leave with _exit(). */
__attribute__((destructor)) static void programs_fini(void)
{
	struct statfs fs;

	if (getpid() != harness || statfs(bpffs, &fs))
		return;
	if (fs.f_type == BPF_FS_MAGIC) {
		programs_detach();
		umount2(bpffs, MNT_DETACH);
	}
	rmdir(bpffs);
}

/* ---- the fixture ---------------------------------------------------------- */

FIXTURE(sandbox) {
	int denials_fd, recent_fd;	/* the programs' maps */
	__u64 t0;			/* when the test started */
	char dir[64];		/* scratch directory, made before entering */
	long perf_paranoid;	/* to restore, or -1 */
	int shm_id, msg_id, sem_id;
};

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

FIXTURE_SETUP(sandbox)
{
	char path[PATH_MAX];

	self->perf_paranoid = -1;
	self->shm_id = -1;
	self->msg_id = -1;
	self->sem_id = -1;
	self->denials_fd = -1;
	self->recent_fd = -1;
	if (!programs_attached())
		ASSERT_EQ(0, programs_attach())
			TH_LOG("cannot attach cap_sandbox (is \"bpf\" in lsm=?)");
	self->denials_fd = bpf_obj_get(pinned(path, "denials"));
	ASSERT_LE(0, self->denials_fd);
	self->recent_fd = bpf_obj_get(pinned(path, "recent"));
	ASSERT_LE(0, self->recent_fd);
	snprintf(self->dir, sizeof(self->dir), "/tmp/strata-sandbox-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->t0 = monotonic_ns();
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -1 : 0;
}

/* "@self->dir/@name" in @buf. */
static char *in_dir(char *buf, FIXTURE_DATA(sandbox) *self, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", self->dir, name);
	return buf;
}

/* When a test failed, what the programs refused during it helps. */
static void print_refusals(FIXTURE_DATA(sandbox) *self)
{
	struct cap_sandbox_event ev;
	__u32 i;

	for (i = 0; i < CAP_SANDBOX_RECENT; i++) {
		if (bpf_map_lookup_elem(self->recent_fd, &i, &ev) ||
		    ev.time_ns < self->t0)
			continue;
		fprintf(stderr, "#   refused: pid %u (%.16s) rule %s, hook %.24s\n",
			ev.pid, ev.comm, ev.rule < CAP_SANDBOX_NR_RULES ?
			cap_sandbox_rule_names[ev.rule] : "?", ev.hook);
	}
}

FIXTURE_TEARDOWN(sandbox)
{
	char path[PATH_MAX];

	if (_metadata->exit_code == KSFT_FAIL && self->recent_fd >= 0)
		print_refusals(self);
	close(self->denials_fd);
	close(self->recent_fd);
	if (self->perf_paranoid >= 0) {
		snprintf(path, sizeof(path), "%ld", self->perf_paranoid);
		strata_write_str(PERF_PARANOID, path);
	}
	if (self->shm_id >= 0)
		shmctl(self->shm_id, IPC_RMID, NULL);
	if (self->msg_id >= 0)
		msgctl(self->msg_id, IPC_RMID, NULL);
	if (self->sem_id >= 0)
		semctl(self->sem_id, 0, IPC_RMID);
	/* The mount test's mounts, if it left any. */
	umount2(in_dir(path, self, "mounted"), MNT_DETACH);
	umount2(in_dir(path, self, "mountpoint"), MNT_DETACH);
	nftw(self->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Create @name in the scratch directory with @text; 0 or -errno. */
static int make_file(FIXTURE_DATA(sandbox) *self, const char *name,
		     const char *text, mode_t mode)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	fd = open(in_dir(path, self, name), O_WRONLY | O_CREAT | O_TRUNC |
		  O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -EIO;
	if (fchmod(fd, mode))
		ret = -errno;
	close(fd);
	return ret;
}

/* What @name in the scratch directory holds, in @buf; its length. */
static ssize_t read_file(FIXTURE_DATA(sandbox) *self, const char *name,
			 char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	fd = open(in_dir(path, self, name), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Copy @from to @name in the scratch directory, with @mode; 0 or -errno. */
static int copy_file(FIXTURE_DATA(sandbox) *self, const char *from,
		     const char *name, mode_t mode)
{
	char path[PATH_MAX], buf[65536];
	int in, out, ret = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(in_dir(path, self, name), O_WRONLY | O_CREAT | O_TRUNC |
		   O_CLOEXEC, 0700);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			ret = -EIO;
			break;
		}
	if (n < 0)
		ret = -errno;
	/* After the writes: writing clears the setuid and setgid bits. */
	if (!ret && fchmod(out, mode))
		ret = -errno;
	close(out);
	close(in);
	return ret;
}

static void unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path,
	       strnlen(path, sizeof(sun->sun_path) - 1));
}

/* Refusals counted under @rule so far. */
static __u64 denials(FIXTURE_DATA(sandbox) *self, __u32 rule)
{
	__u64 n = 0;

	if (bpf_map_lookup_elem(self->denials_fd, &rule, &n))
		return ~0ULL;
	return n;
}

/* ==== entering ============================================================ */

static int open_passwd(int table, void *arg)
{
	return sys(open(PASSWD, O_RDONLY | O_CLOEXEC));
}

static int status_and_open(int table, void *arg)
{
	report(strata_sandbox_status(table));
	return open_passwd(table, arg);
}

/*
 * Capability mode is never a silent no-op: without the programs nothing
 * can enforce it, so ENTER says so and the caller stays as it was.
 */
TEST(entering_without_the_programs_fails_and_changes_nothing)
{
	struct job job = { .run = status_and_open, .run_anyway = true };
	struct outcome out;

	if (!access(CAP_SANDBOX_PIN_DIR "/links/sandbox_file_ioctl", F_OK))
		SKIP(return, "cap_sandbox is loaded system-wide");
	/* Declared first, so normally nothing attached them yet. */
	if (programs_attached())
		programs_detach();
	run_sandboxed(_metadata, &job, &out);
	EXPECT_EQ(-EOPNOTSUPP, out.enter);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(0, out.v[0]);		/* STATUS: not in capability mode */
	EXPECT_EQ(0, out.v[1]);		/* and open() still works */
}

/* ENTER succeeds (in_sandbox() checks) and the rules apply at once. */
TEST_F(sandbox, entering_with_the_programs_attached_takes_effect)
{
	int fd = open(PASSWD, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);	/* outside, the same open works */
	close(fd);
	EXPECT_EQ(-EPERM, in_sandbox(open_passwd, NULL));
}

struct before_after {
	int before;
};

static int status_before(int table, void *arg)
{
	struct before_after *ba = arg;

	ba->before = strata_sandbox_status(table);
	return 0;
}

static int status_after(int table, void *arg)
{
	struct before_after *ba = arg;

	report(ba->before);
	return strata_sandbox_status(table);
}

TEST_F(sandbox, status_is_0_before_entering_and_1_after)
{
	struct before_after ba = { .before = NO_REPORT };
	struct job job = {
		.prepare = status_before,
		.run = status_after,
		.arg = &ba,
	};
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(0, out.v[0]);
	EXPECT_EQ(1, out.v[1]);
}

static int enter_again(int table, void *arg)
{
	report(strata_sandbox_enter(table));
	report(strata_sandbox_status(table));
	return open_passwd(table, arg);
}

TEST_F(sandbox, entering_twice_is_a_no_op)
{
	struct job job = { .run = enter_again };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(0, out.v[0]);
	EXPECT_EQ(1, out.v[1]);
	EXPECT_EQ(-EPERM, out.v[2]);
}

/* The sandboxed child holds on until the test process writes to @go. */
struct rendezvous {
	int go[2];
};

static int report_then_wait(int table, void *arg)
{
	struct rendezvous *r = arg;
	char c;

	report(strata_sandbox_status(table));
	close(r->go[1]);
	if (read(r->go[0], &c, 1) != 1)
		return NO_REPORT;
	report(strata_sandbox_status(table));
	return open_passwd(table, arg);
}

/* Only the process that entered (and what it starts) is affected. */
TEST_F(sandbox, entering_affects_only_the_process_that_entered)
{
	struct rendezvous r;
	struct job job = { .run = report_then_wait, .arg = &r };
	struct outcome out = { .enter = NO_REPORT };
	struct child c;
	int table, fd, v;

	ASSERT_EQ(0, pipe2(r.go, O_CLOEXEC));
	ASSERT_EQ(0, child_start(&job, &c));
	ASSERT_TRUE(child_next(&c, &out.enter));
	ASSERT_EQ(0, out.enter);
	ASSERT_TRUE(child_next(&c, &v));
	EXPECT_EQ(1, v);

	/* While the child is sandboxed, its parent is not. */
	table = strata_cap_open(O_CLOEXEC);
	ASSERT_LE(0, table);
	EXPECT_EQ(0, strata_sandbox_status(table));
	fd = open(PASSWD, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd);
	close(fd);
	close(table);

	ASSERT_EQ(1, write(r.go[1], "g", 1));
	close(r.go[1]);
	child_finish(&c, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(1, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
}

/* ==== files =============================================================== */

TEST_F(sandbox, open_by_absolute_path_is_denied)
{
	EXPECT_EQ(-EPERM, in_sandbox(open_passwd, NULL));
}

static int open_relative(int table, void *arg)
{
	return sys(openat(AT_FDCWD, "file", O_RDONLY | O_CLOEXEC));
}

/* The working directory is not a capability: a relative name is a name. */
TEST_F(sandbox, open_by_relative_path_is_denied)
{
	ASSERT_EQ(0, make_file(self, "file", "text", 0644));
	ASSERT_EQ(0, chdir(self->dir));
	EXPECT_EQ(-EPERM, in_sandbox(open_relative, NULL));
}

struct held {
	int fd;			/* a descriptor opened before entering */
	int fd2;
	FIXTURE_DATA(sandbox) *self;
};

static int open_beneath(int table, void *arg)
{
	struct held *h = arg;
	char buf[4096];

	/* The directory itself is held: it can still be listed. */
	report(sys(syscall(SYS_getdents64, h->fd, buf, sizeof(buf))));
	return sys(openat(h->fd, "file", O_RDONLY | O_CLOEXEC));
}

/*
 * Unlike Capsicum, where a directory descriptor lets its holder open what
 * lies beneath it, strata refuses every open by name, relative to a held
 * directory too: a directory descriptor is good for listing it, fstat()
 * and fchdir(), nothing more.  A process that needs files is given their
 * descriptors, or a channel to a service that opens them.
 */
TEST_F(sandbox, openat_beneath_a_held_directory_is_denied)
{
	struct held h = { .self = self };
	struct job job = { .run = open_beneath, .arg = &h };
	struct outcome out;

	ASSERT_EQ(0, make_file(self, "file", "text", 0644));
	h.fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(0, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
	close(h.fd);
}

static int open_table(int table, void *arg)
{
	int fd = strata_cap_open(O_CLOEXEC);

	return fd < 0 ? fd : 0;
}

/* A second table would be a fresh start with nothing revoked: refused. */
TEST_F(sandbox, a_new_handle_table_cannot_be_opened)
{
	EXPECT_EQ(-EPERM, in_sandbox(open_table, NULL));
}

static int use_held_files(int table, void *arg)
{
	struct held *h = arg;
	char buf[8] = "";

	report(pwrite(h->fd, "after", 5, 0));
	report(pread(h->fd, buf, 5, 0));
	report(!memcmp(buf, "after", 5));
	report(pread(h->fd2, buf, 5, 0));
	return !memcmp(buf, "root:", 5);
}

TEST_F(sandbox, descriptors_opened_before_entering_still_read_and_write)
{
	struct held h = { .self = self };
	struct job job = { .run = use_held_files, .arg = &h };
	char path[PATH_MAX], buf[64];
	struct outcome out;

	ASSERT_EQ(0, make_file(self, "file", "before", 0644));
	h.fd = open(in_dir(path, self, "file"), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	h.fd2 = open(PASSWD, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, h.fd2);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(5, out.n);
	EXPECT_EQ(5, out.v[0]);		/* written */
	EXPECT_EQ(5, out.v[1]);		/* read back */
	EXPECT_EQ(1, out.v[2]);		/* the same bytes */
	EXPECT_EQ(5, out.v[3]);		/* a read-only descriptor reads */
	EXPECT_EQ(1, out.v[4]);
	ASSERT_EQ(6, read_file(self, "file", buf, sizeof(buf)));
	EXPECT_STREQ("aftere", buf);
	close(h.fd);
	close(h.fd2);
}

/* ==== the network and other sockets ====================================== */

static int inet_socket(int table, void *arg)
{
	return sys(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int inet6_socket(int table, void *arg)
{
	return sys(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

static int netlink_socket(int table, void *arg)
{
	return sys(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
}

/* A network socket reaches every address there is. */
TEST_F(sandbox, ipv4_sockets_cannot_be_created)
{
	EXPECT_EQ(-EPERM, in_sandbox(inet_socket, NULL));
}

TEST_F(sandbox, ipv6_sockets_cannot_be_created)
{
	EXPECT_EQ(-EPERM, in_sandbox(inet6_socket, NULL));
}

/* Netlink reaches the kernel's configuration: routes, links, audit... */
TEST_F(sandbox, netlink_sockets_cannot_be_created)
{
	EXPECT_EQ(-EPERM, in_sandbox(netlink_socket, NULL));
}

static int use_socketpair(int table, void *arg)
{
	char buf[8] = "";
	int sv[2];

	report(sys(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)));
	report(write(sv[0], "ping", 4));
	report(read(sv[1], buf, sizeof(buf)));
	return !memcmp(buf, "ping", 4);
}

/* A socketpair names nothing: both ends are born held. */
TEST_F(sandbox, unix_socketpairs_are_created_and_carry_data)
{
	struct job job = { .run = use_socketpair };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(4, out.n);
	EXPECT_EQ(0, out.v[0]);
	EXPECT_EQ(4, out.v[1]);
	EXPECT_EQ(4, out.v[2]);
	EXPECT_EQ(1, out.v[3]);
}

static int bind_path(int table, void *arg)
{
	struct held *h = arg;
	struct sockaddr_un sun;
	char path[PATH_MAX];
	int s;

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	report(s < 0 ? -errno : 0);
	unix_addr(&sun, in_dir(path, h->self, "sock"));
	return sys(bind(s, (struct sockaddr *)&sun, sizeof(sun)));
}

TEST_F(sandbox, unix_sockets_cannot_bind_a_path)
{
	struct held h = { .self = self };
	struct job job = { .run = bind_path, .arg = &h };
	struct outcome out;
	char path[PATH_MAX];
	struct stat st;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(0, out.v[0]);		/* the socket itself is fine */
	EXPECT_EQ(-EPERM, out.v[1]);
	EXPECT_EQ(-1, stat(in_dir(path, self, "sock"), &st));
}

struct servers {
	FIXTURE_DATA(sandbox) *self;
	char abstract[64];
	int path_fd, abstract_fd;
};

static int connect_to(const struct sockaddr_un *sun, socklen_t len)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	return sys(connect(s, (const struct sockaddr *)sun, len));
}

static int connect_both(int table, void *arg)
{
	struct servers *sv = arg;
	struct sockaddr_un sun;
	char path[PATH_MAX];

	unix_addr(&sun, in_dir(path, sv->self, "server"));
	report(connect_to(&sun, sizeof(sun)));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, sv->abstract, strlen(sv->abstract));
	return connect_to(&sun, offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(sv->abstract));
}

static int listen_at(const struct sockaddr_un *sun, socklen_t len)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (bind(s, (const struct sockaddr *)sun, len) || listen(s, 4)) {
		close(s);
		return -errno;
	}
	return s;
}

/*
 * A path in the file system or a name in the abstract namespace both
 * reach a server that exists independently of the sandbox.
 */
TEST_F(sandbox, unix_sockets_cannot_connect_to_a_path_or_an_abstract_name)
{
	struct servers sv = { .self = self };
	struct job job = { .run = connect_both, .arg = &sv };
	struct sockaddr_un sun;
	struct outcome out;
	char path[PATH_MAX];

	unix_addr(&sun, in_dir(path, self, "server"));
	sv.path_fd = listen_at(&sun, sizeof(sun));
	ASSERT_LE(0, sv.path_fd);
	snprintf(sv.abstract, sizeof(sv.abstract), "strata-sandbox-%d",
		 getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, sv.abstract, strlen(sv.abstract));
	sv.abstract_fd = listen_at(&sun, offsetof(struct sockaddr_un,
						  sun_path) + 1 +
				   strlen(sv.abstract));
	ASSERT_LE(0, sv.abstract_fd);

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
	/* Nobody got through to either server. */
	fcntl(sv.path_fd, F_SETFL, O_NONBLOCK);
	fcntl(sv.abstract_fd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, accept(sv.path_fd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, accept(sv.abstract_fd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(sv.path_fd);
	close(sv.abstract_fd);
}

static int sendto_path(int table, void *arg)
{
	struct held *h = arg;
	struct sockaddr_un sun;
	char path[PATH_MAX];
	int s;

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	unix_addr(&sun, in_dir(path, h->self, "dgram"));
	return sys(sendto(s, "x", 1, 0, (struct sockaddr *)&sun,
			  sizeof(sun)));
}

/* An address in sendto() is a connect() for one message. */
TEST_F(sandbox, sendto_with_an_address_is_denied)
{
	struct held h = { .self = self };
	struct sockaddr_un sun;
	char path[PATH_MAX], c;

	h.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, h.fd);
	unix_addr(&sun, in_dir(path, self, "dgram"));
	ASSERT_EQ(0, bind(h.fd, (struct sockaddr *)&sun, sizeof(sun)));

	EXPECT_EQ(-EPERM, in_sandbox(sendto_path, &h));
	EXPECT_EQ(-1, recv(h.fd, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(h.fd);
}

/* ==== other processes ===================================================== */

static int traceme(int table, void *arg)
{
	return sys(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

/* Being traced by its parent would put the sandbox under outside control. */
TEST_F(sandbox, ptrace_traceme_is_denied)
{
	EXPECT_EQ(-EPERM, in_sandbox(traceme, NULL));
}

static int kill_outsiders(int table, void *arg)
{
	struct bystander *b = arg;

	report(sys(kill(getppid(), 0)));
	return sys(kill(b->pid, SIGTERM));
}

/* A pid is a name: it reaches any process the credentials allow. */
TEST_F(sandbox, signals_to_processes_outside_are_denied)
{
	struct bystander b;
	struct job job = { .run = kill_outsiders, .arg = &b };
	struct outcome out;
	int status;

	ASSERT_EQ(0, bystander_start(&b));
	run_sandboxed(_metadata, &job, &out);
	status = bystander_stop(&b);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* the parent */
	EXPECT_EQ(-EPERM, out.v[1]);	/* a process started before entering */
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the bystander got a signal: status 0x%x", status);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static int kill_insiders(int table, void *arg)
{
	int status = 0;
	pid_t pid;

	signal(SIGUSR1, on_usr1);
	report(sys(kill(getpid(), SIGUSR1)));
	report(got_usr1);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		for (;;)
			pause();
	}
	report(sys(kill(pid, SIGTERM)));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST_F(sandbox, signals_to_itself_and_to_its_sandboxed_children_work)
{
	struct job job = { .run = kill_insiders };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(4, out.n);
	EXPECT_EQ(0, out.v[0]);
	EXPECT_EQ(1, out.v[1]);		/* the handler ran */
	EXPECT_EQ(0, out.v[2]);
	EXPECT_EQ(SIGTERM, out.v[3]);	/* and the child died of it */
}

static int change_others(int table, void *arg)
{
	struct bystander *b = arg;
	struct rlimit rl;
	cpu_set_t set;

	report(sys(setpriority(PRIO_PROCESS, b->pid, 0)));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	report(sys(sched_setaffinity(b->pid, sizeof(set), &set)));
	return sys(prlimit(b->pid, RLIMIT_NOFILE, NULL, &rl));
}

/* Scheduling and limits of other processes are theirs, not the sandbox's. */
TEST_F(sandbox, other_processes_cannot_be_changed_or_inspected)
{
	struct bystander b;
	struct job job = { .run = change_others, .arg = &b };
	struct outcome out;

	ASSERT_EQ(0, bystander_start(&b));
	run_sandboxed(_metadata, &job, &out);
	bystander_stop(&b);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* setpriority */
	EXPECT_EQ(-EPERM, out.v[1]);	/* sched_setaffinity */
	EXPECT_EQ(-EPERM, out.v[2]);	/* prlimit, even to read */
}

/* ==== the system ========================================================== */

static int mount_and_umount(int table, void *arg)
{
	struct held *h = arg;
	char path[PATH_MAX];

	report(sys(mount("none", in_dir(path, h->self, "mountpoint"), "tmpfs",
			 0, NULL)));
	return sys(umount2(in_dir(path, h->self, "mounted"), 0));
}

/*
 * Mounts change what every name means, for everyone in the namespace.
 * The test runs in a mount namespace of its own, so that nothing leaks if
 * a rule fails.
 */
TEST_F(sandbox, mounting_and_unmounting_are_denied)
{
	struct held h = { .self = self };
	struct job job = { .run = mount_and_umount, .arg = &h };
	char path[PATH_MAX];
	struct stat dir, st;
	struct outcome out;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, mkdir(in_dir(path, self, "mountpoint"), 0755));
	ASSERT_EQ(0, mkdir(in_dir(path, self, "mounted"), 0755));
	ASSERT_EQ(0, mount("none", path, "tmpfs", 0, NULL));

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* mount */
	EXPECT_EQ(-EPERM, out.v[1]);	/* umount */
	/* Nothing was mounted and nothing unmounted. */
	ASSERT_EQ(0, stat(self->dir, &dir));
	ASSERT_EQ(0, stat(in_dir(path, self, "mountpoint"), &st));
	EXPECT_EQ(dir.st_dev, st.st_dev);
	ASSERT_EQ(0, stat(in_dir(path, self, "mounted"), &st));
	EXPECT_NE(dir.st_dev, st.st_dev);
	EXPECT_EQ(0, umount2(path, 0));
}

static int load_modules(int table, void *arg)
{
	struct held *h = arg;
	char image[64] = "";

	report(sys(syscall(SYS_init_module, image, sizeof(image), "")));
	return sys(syscall(SYS_finit_module, h->fd, "", 0));
}

/* A module is code in the kernel, beyond every rule. */
TEST_F(sandbox, kernel_modules_cannot_be_loaded)
{
	struct held h = { .self = self };
	struct job job = { .run = load_modules, .arg = &h };
	struct outcome out;

	h.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* init_module */
	EXPECT_EQ(-EPERM, out.v[1]);	/* finit_module, from a held fd */
	close(h.fd);
}

static int use_bpf(int table, void *arg)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	report(sys(syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr))));

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (__u64)(unsigned long)prog;
	attr.insn_cnt = 2;
	attr.license = (__u64)(unsigned long)"GPL";
	return sys(syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
}

/* BPF could detach the very programs that enforce capability mode. */
TEST_F(sandbox, bpf_is_denied)
{
	struct job job = { .run = use_bpf };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* BPF_MAP_CREATE */
	EXPECT_EQ(-EPERM, out.v[1]);	/* BPF_PROG_LOAD */
}

static int change_ids(int table, void *arg)
{
	report(sys(setuid(65534)));
	report(sys(setgid(65534)));
	return getuid() == 0 && getgid() == 0;
}

TEST_F(sandbox, uids_and_gids_cannot_change)
{
	struct job job = { .run = change_ids };
	struct outcome out;

	ASSERT_EQ(0, getuid());
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* setuid */
	EXPECT_EQ(-EPERM, out.v[1]);	/* setgid */
	EXPECT_EQ(1, out.v[2]);		/* still root */
}

static int change_groups_and_caps(int table, void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	report(sys(setgroups(0, NULL)));
	/* Dropping capabilities is refused as well: capset() is frozen. */
	return sys(syscall(SYS_capset, &hdr, data));
}

TEST_F(sandbox, groups_and_capabilities_cannot_change)
{
	struct job job = { .run = change_groups_and_caps };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* setgroups */
	EXPECT_EQ(-EPERM, out.v[1]);	/* capset */
}

/* Lower the hard limit on descriptors a little, remembering it. */
static int lower_nofile(int table, void *arg)
{
	rlim_t *max = arg;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < 64)
		return -1;
	*max = rl.rlim_max;
	rl.rlim_max--;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static int privileged_calls(int table, void *arg)
{
	rlim_t *max = arg;
	char name[HOST_NAME_MAX + 1] = "";
	struct rlimit rl;

	/* The same name again: only the privilege check can refuse. */
	if (gethostname(name, sizeof(name) - 1))
		return NO_REPORT;
	report(sys(sethostname(name, strlen(name))));
	/* Back to the hard limit it had a moment ago, before entering. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max = *max;
	return sys(setrlimit(RLIMIT_NOFILE, &rl));
}

/*
 * Root in capability mode has no privilege left: every capability check
 * fails, whatever the credentials say.
 */
TEST_F(sandbox, privileged_operations_are_denied_even_to_root)
{
	rlim_t max = 0;
	struct job job = {
		.prepare = lower_nofile,
		.run = privileged_calls,
		.arg = &max,
	};
	struct outcome out;

	ASSERT_EQ(0, getuid());
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* sethostname: CAP_SYS_ADMIN */
	EXPECT_EQ(-EPERM, out.v[1]);	/* raise a hard limit: CAP_SYS_RESOURCE */
}

/*
 * A CPU-wide counter, not one on the calling task: a task's counter turns
 * on the perf_sched_events static key in the scheduler's context switch,
 * and closing it turns it off again a second later from a worker, which
 * patches __schedule's text while the other vCPU runs it; TCG gets that
 * wrong now and then ("Oops: int3" in __schedule, Documentation/testing.rst).
 * A CPU-wide cpu-clock counter flips no static key.
 */
static int perf_open(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(__NR_perf_event_open, &attr, -1, 0, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static int use_perf(int table, void *arg)
{
	return sys(perf_open());
}

/*
 * Performance counters observe the system and other processes.  A
 * CPU-wide counter needs CAP_PERFMON unless perf_event_paranoid is -1,
 * which in capability mode (no capability check passes) would fail with
 * EACCES before the perf rule is asked: the test lowers it to -1 for its
 * duration, so that the rule itself is tested.
 */
TEST_F(sandbox, perf_event_open_is_denied)
{
	long paranoid = strata_read_long(PERF_PARANOID);
	int fd;

	if (paranoid > -1) {
		ASSERT_EQ(0, strata_write_str(PERF_PARANOID, "-1"));
		self->perf_paranoid = paranoid;
	}
	fd = perf_open();
	if (fd < 0)
		SKIP(return, "perf_event_open: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(-EPERM, in_sandbox(use_perf, NULL));
}

/* ==== the file system by name ============================================ */

static int change_by_name(int table, void *arg)
{
	FIXTURE_DATA(sandbox) *self = arg;
	char a[PATH_MAX], b[PATH_MAX];

	report(sys(unlink(in_dir(a, self, "file"))));
	report(sys(mkdir(in_dir(a, self, "newdir"), 0755)));
	report(sys(rename(in_dir(a, self, "file"), in_dir(b, self, "moved"))));
	report(sys(symlink("file", in_dir(a, self, "symlink"))));
	report(sys(chmod(in_dir(a, self, "file"), 0600)));
	report(sys(chown(in_dir(a, self, "file"), 65534, 65534)));
	report(sys(rmdir(in_dir(a, self, "subdir"))));
	report(sys(link(in_dir(a, self, "file"), in_dir(b, self, "hardlink"))));
	report(sys(mknod(in_dir(a, self, "fifo"), S_IFIFO | 0600, 0)));
	return sys(open(in_dir(a, self, "created"),
			O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

TEST_F(sandbox, the_file_system_cannot_be_changed_by_name)
{
	static const char *const gone[] = {
		"newdir", "moved", "symlink", "hardlink", "fifo", "created",
	};
	static const char *const calls[] = {
		"unlink", "mkdir", "rename", "symlink", "chmod", "chown",
		"rmdir", "link", "mknod", "open(O_CREAT)",
	};
	struct job job = { .run = change_by_name, .arg = self };
	char path[PATH_MAX];
	struct outcome out;
	struct stat st;
	int i;

	ASSERT_EQ(0, make_file(self, "file", "text", 0644));
	ASSERT_EQ(0, mkdir(in_dir(path, self, "subdir"), 0755));
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(ARRAY_SIZE(calls), out.n);
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		const char *call = calls[i];

		EXPECT_EQ(-EPERM, out.v[i])
			TH_LOG("%s", call);
	}

	/* The directory is as it was. */
	ASSERT_EQ(0, stat(in_dir(path, self, "file"), &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(1, st.st_nlink);
	EXPECT_EQ(0, stat(in_dir(path, self, "subdir"), &st));
	for (i = 0; i < ARRAY_SIZE(gone); i++) {
		const char *name = gone[i];

		EXPECT_EQ(-1, lstat(in_dir(path, self, name), &st))
			TH_LOG("%s exists", name);
	}
}

static int set_xattrs(int table, void *arg)
{
	struct held *h = arg;
	char path[PATH_MAX];

	in_dir(path, h->self, "file");
	report(sys(setxattr(path, "user.strata", "1", 1, 0)));
	report(sys(fsetxattr(h->fd, "user.strata", "1", 1, 0)));
	return sys(removexattr(path, "user.strata"));
}

/*
 * Extended attributes carry security labels and capabilities of files
 * (security.capability): refused by name and on held descriptors alike.
 */
TEST_F(sandbox, extended_attributes_cannot_be_set_or_removed)
{
	struct held h = { .self = self };
	struct job job = { .run = set_xattrs, .arg = &h };
	char path[PATH_MAX], v[4];
	struct outcome out;

	ASSERT_EQ(0, make_file(self, "file", "text", 0644));
	h.fd = open(in_dir(path, self, "file"), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* setxattr */
	EXPECT_EQ(-EPERM, out.v[1]);	/* fsetxattr */
	EXPECT_EQ(-EPERM, out.v[2]);	/* removexattr */
	EXPECT_GT(0, getxattr(path, "user.strata", v, sizeof(v)));
	close(h.fd);
}

struct vmo_held {
	FIXTURE_DATA(sandbox) *self;
	__u32 vmo;
	long page;
};

static int make_vmo(int table, void *arg)
{
	struct vmo_held *v = arg;

	return strata_vmo_create(table, v->page, STRATA_VMO_RESIZABLE,
				 &v->vmo);
}

static int truncate_and_resize(int table, void *arg)
{
	struct vmo_held *v = arg;
	char path[PATH_MAX];
	__u64 size = 0;

	report(sys(truncate(in_dir(path, v->self, "file"), 0)));
	report(strata_vmo_set_size(table, v->vmo, 3 * v->page));
	report(strata_vmo_get_size(table, v->vmo, &size));
	return size / v->page;
}

/*
 * truncate() by name is a change by name.  A VMO is a file too (an
 * unlinked shmem file), and resizing it goes through the same kernel
 * path, but it has no name: it is reached through a held handle.
 */
TEST_F(sandbox, truncate_by_name_is_denied_but_a_vmo_still_resizes)
{
	struct vmo_held v = { .self = self, .page = sysconf(_SC_PAGESIZE) };
	struct job job = {
		.prepare = make_vmo,
		.run = truncate_and_resize,
		.arg = &v,
	};
	struct outcome out;
	char buf[16];

	ASSERT_EQ(0, make_file(self, "file", "content", 0644));
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(4, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* truncate */
	EXPECT_EQ(0, out.v[1]);		/* VMO_SET_SIZE */
	EXPECT_EQ(0, out.v[2]);
	EXPECT_EQ(3, out.v[3]);		/* pages */
	EXPECT_EQ(7, read_file(self, "file", buf, sizeof(buf)));
}

/* ==== handles held before entering ======================================= */

struct objects {
	__u32 c0, c1, event, vmo;
	long page;
};

static int make_objects(int table, void *arg)
{
	struct objects *o = arg;

	if (strata_channel_create(table, &o->c0, &o->c1) ||
	    strata_event_create(table, &o->event) ||
	    strata_vmo_create(table, o->page, 0, &o->vmo) ||
	    strata_vmo_write(table, o->vmo, "hello", 0, 5))
		return -1;
	return 0;
}

static int use_objects(int table, void *arg)
{
	struct objects *o = arg;
	__u32 nbytes = 0, pending = 0;
	char buf[8] = "";
	void *addr = NULL;

	report(strata_channel_write(table, o->c0, "ping", 4, NULL, 0));
	report(strata_channel_read(table, o->c1, buf, sizeof(buf), NULL, 0,
				   &nbytes, NULL));
	report(nbytes == 4 && !memcmp(buf, "ping", 4));
	report(strata_object_signal(table, o->event, 0,
				    STRATA_SIGNAL_SIGNALED));
	report(strata_object_wait_one(table, o->event, STRATA_SIGNAL_SIGNALED,
				      0, &pending));
	report(pending == STRATA_SIGNAL_SIGNALED);
	report(strata_vmo_map(table, o->vmo, PROT_READ | PROT_WRITE, 0,
			      o->page, &addr));
	if (!addr)
		return NO_REPORT;
	report(!memcmp(addr, "hello", 5));
	memcpy(addr, "world", 5);
	report(strata_vmo_read(table, o->vmo, buf, 0, 5));
	return !memcmp(buf, "world", 5);
}

/* The handles are the authority the sandbox was given: they all work. */
TEST_F(sandbox, handles_held_before_entering_keep_working)
{
	struct objects o = { .page = sysconf(_SC_PAGESIZE) };
	struct job job = {
		.prepare = make_objects,
		.run = use_objects,
		.arg = &o,
	};
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(10, out.n);
	EXPECT_EQ(0, out.v[0]);		/* channel write */
	EXPECT_EQ(0, out.v[1]);		/* channel read */
	EXPECT_EQ(1, out.v[2]);		/* the message */
	EXPECT_EQ(0, out.v[3]);		/* event signal */
	EXPECT_EQ(0, out.v[4]);		/* wait */
	EXPECT_EQ(1, out.v[5]);		/* signalled */
	EXPECT_EQ(0, out.v[6]);		/* VMO map */
	EXPECT_EQ(1, out.v[7]);		/* what was written before entering */
	EXPECT_EQ(0, out.v[8]);		/* VMO read */
	EXPECT_EQ(1, out.v[9]);		/* what was written through the map */
}

/* ==== inheritance ========================================================= */

/*
 * A child forked after entering cannot ask STATUS: a table belongs to the
 * process that opened it (the inherited one refuses it) and it cannot
 * open one of its own.  So the tests check the rules themselves.
 */
static int probe_rules(void)
{
	report(sys(open(PASSWD, O_RDONLY | O_CLOEXEC)));
	return sys(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

/* Fork @depth levels down, probe the rules there; 0 when all returned. */
static int probe_below(int depth)
{
	int status;
	pid_t pid;

	if (!depth) {
		report(probe_rules());
		return 0;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(probe_below(depth - 1) ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int probe_child(int table, void *arg)
{
	return probe_below(1);
}

static int probe_grandchild(int table, void *arg)
{
	return probe_below(2);
}

TEST_F(sandbox, a_child_forked_after_entering_is_sandboxed)
{
	struct job job = { .run = probe_child };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* open */
	EXPECT_EQ(-EPERM, out.v[1]);	/* socket */
	EXPECT_EQ(0, out.v[2]);
}

TEST_F(sandbox, a_grandchild_is_sandboxed_too)
{
	struct job job = { .run = probe_grandchild };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
	EXPECT_EQ(0, out.v[2]);
}

struct thread_probe {
	int table;
	int go[2], ready[2];
	int before, open, status;
	pthread_t thread;
};

static void *probe_thread(void *arg)
{
	struct thread_probe *t = arg;

	t->open = sys(open(PASSWD, O_RDONLY | O_CLOEXEC));
	t->status = strata_sandbox_status(t->table);
	return NULL;
}

static int thread_after(int table, void *arg)
{
	struct thread_probe *t = arg;

	t->table = table;
	if (pthread_create(&t->thread, NULL, probe_thread, t) ||
	    pthread_join(t->thread, NULL))
		return NO_REPORT;
	report(t->open);
	return t->status;
}

TEST_F(sandbox, a_thread_created_after_entering_is_sandboxed)
{
	struct thread_probe t = {};
	struct job job = { .run = thread_after, .arg = &t };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_EQ(1, out.v[1]);
}

/* Opens once before the main thread enters, then once after. */
static void *early_thread(void *arg)
{
	struct thread_probe *t = arg;
	char c;

	t->before = sys(open(PASSWD, O_RDONLY | O_CLOEXEC));
	if (write(t->ready[1], "r", 1) != 1 || read(t->go[0], &c, 1) != 1)
		return NULL;
	return probe_thread(t);
}

static int start_early_thread(int table, void *arg)
{
	struct thread_probe *t = arg;
	char c;

	t->table = table;
	t->open = NO_REPORT;
	t->status = NO_REPORT;
	if (pipe(t->go) || pipe(t->ready) ||
	    pthread_create(&t->thread, NULL, early_thread, t))
		return -1;
	/* Its first open is over before ENTER. */
	return read(t->ready[0], &c, 1) == 1 ? 0 : -1;
}

static int release_early_thread(int table, void *arg)
{
	struct thread_probe *t = arg;

	if (write(t->go[1], "g", 1) != 1 || pthread_join(t->thread, NULL))
		return NO_REPORT;
	report(t->before);
	report(t->open);
	return t->status;
}

/*
 * Capability mode is a property of the process: a thread that was already
 * running when another thread entered is in it from then on.
 */
TEST_F(sandbox, a_thread_that_existed_before_entering_is_sandboxed_after)
{
	struct thread_probe t = {};
	struct job job = {
		.prepare = start_early_thread,
		.run = release_early_thread,
		.arg = &t,
	};
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	EXPECT_EQ(0, out.v[0]);		/* before ENTER */
	EXPECT_EQ(-EPERM, out.v[1]);	/* after */
	EXPECT_EQ(1, out.v[2]);
}

/* ==== exec ================================================================ */

static char *const no_env[] = { NULL };

struct exec_job {
	int fd;			/* the program, held */
	int out[2];		/* its stdout and stderr */
	char *const *argv;
};

static int redirect_output(int table, void *arg)
{
	struct exec_job *e = arg;

	if (dup2(e->out[1], 1) < 0 || dup2(e->out[1], 2) < 0)
		return -1;
	return 0;
}

static int exec_held(int table, void *arg)
{
	struct exec_job *e = arg;

	return sys(execveat(e->fd, "", e->argv, no_env, AT_EMPTY_PATH));
}

/* Read what the exec'd program printed, once it is gone. */
static ssize_t read_output(struct exec_job *e, char *buf, size_t size)
{
	ssize_t n, len = 0;

	close(e->out[1]);
	while (len < (ssize_t)size - 1 &&
	       (n = read(e->out[0], buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(e->out[0]);
	return len;
}

/*
 * A held, static program may be executed (the exec opens nothing by name),
 * and capability mode survives the exec: busybox cat cannot open a file
 * by name either.
 */
TEST_F(sandbox, exec_of_a_held_program_is_allowed_and_stays_sandboxed)
{
	static char *const argv[] = { "busybox", "cat", PASSWD, NULL };
	struct exec_job e = { .argv = argv };
	struct job job = {
		.prepare = redirect_output,
		.run = exec_held,
		.arg = &e,
	};
	struct outcome out;
	char buf[4096];

	e.fd = open(BUSYBOX, O_RDONLY);
	ASSERT_LE(0, e.fd);
	ASSERT_EQ(0, pipe(e.out));
	run_sandboxed(_metadata, &job, &out);
	read_output(&e, buf, sizeof(buf));
	/* No result came back: the exec succeeded and busybox ran. */
	EXPECT_EQ(0, out.n)
		TH_LOG("execveat: %d", out.n ? out.v[0] : 0);
	ASSERT_TRUE(WIFEXITED(out.status));
	EXPECT_NE(0, WEXITSTATUS(out.status));
	EXPECT_NE(NULL, strstr(buf, strerror(EPERM)))
		TH_LOG("busybox said: %s", buf);
	EXPECT_EQ(NULL, strstr(buf, "root:"));
	close(e.fd);
}

static int exec_by_path(int table, void *arg)
{
	static char *const argv[] = { "busybox", "true", NULL };

	return sys(execve(BUSYBOX, argv, no_env));
}

/* The exec rule refuses it (opening the program is the exec's business). */
TEST_F(sandbox, execve_by_path_is_denied)
{
	__u64 exec0 = denials(self, CAP_SANDBOX_EXEC);

	EXPECT_EQ(-EPERM, in_sandbox(exec_by_path, NULL));
	EXPECT_EQ(exec0 + 1, denials(self, CAP_SANDBOX_EXEC));
}

/* ==== escape attempts ===================================================== */

/*
 * Each of these would hand the sandbox authority it was never given.  Each
 * test tries, and checks that the attempt got nowhere.
 */

static char *const busybox_true[] = { "busybox", "true", NULL };

static int exec_setid(int table, void *arg)
{
	struct held *h = arg;

	report(sys(execveat(h->fd, "", busybox_true, no_env, AT_EMPTY_PATH)));
	return sys(execveat(h->fd2, "", busybox_true, no_env, AT_EMPTY_PATH));
}

/*
 * A setuid or setgid program starts with credentials the sandbox does not
 * have (with no_new_privs unset, a setuid-root program is root again, and
 * an exec resets what the sandbox dropped).  If the exec went through,
 * busybox true would exit 0 without a report.
 */
TEST_F(sandbox, a_setuid_or_setgid_program_cannot_be_executed)
{
	struct held h = { .self = self };
	struct job job = { .run = exec_setid, .arg = &h };
	__u64 exec0 = denials(self, CAP_SANDBOX_EXEC);
	char path[PATH_MAX];
	struct outcome out;

	ASSERT_EQ(0, copy_file(self, BUSYBOX, "setuid", 04755));
	ASSERT_EQ(0, copy_file(self, BUSYBOX, "setgid", 02755));
	h.fd = open(in_dir(path, self, "setuid"), O_RDONLY);
	ASSERT_LE(0, h.fd);
	h.fd2 = open(in_dir(path, self, "setgid"), O_RDONLY);
	ASSERT_LE(0, h.fd2);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n)
		TH_LOG("a set-id program ran (wait status 0x%x)", out.status);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
	/* Refused for being set-id, by the exec rule. */
	EXPECT_EQ(exec0 + 2, denials(self, CAP_SANDBOX_EXEC));
	close(h.fd);
	close(h.fd2);
}

static int trace_outsiders(int table, void *arg)
{
	struct bystander *b = arg;

	report(sys(ptrace(PTRACE_ATTACH, b->pid, NULL, NULL)));
	/* SEIZE: the same check, without stopping the test if it failed. */
	return sys(ptrace(PTRACE_SEIZE, getppid(), NULL, NULL));
}

/*
 * A tracer controls its tracee completely: tracing the parent would be
 * running code with all of the parent's authority.
 */
TEST_F(sandbox, ptrace_of_the_parent_or_any_outsider_is_denied)
{
	struct bystander b;
	struct job job = { .run = trace_outsiders, .arg = &b };
	struct outcome out;

	ASSERT_EQ(0, bystander_start(&b));
	run_sandboxed(_metadata, &job, &out);
	bystander_kill(&b);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* PTRACE_ATTACH, a bystander */
	EXPECT_EQ(-EPERM, out.v[1]);	/* PTRACE_SEIZE, the parent */
}

static volatile int canary = 1;

static int poke_parent(int table, void *arg)
{
	int value = 2;
	struct iovec local = { .iov_base = &value, .iov_len = sizeof(value) };
	struct iovec remote = {
		.iov_base = (void *)&canary,
		.iov_len = sizeof(canary),
	};

	/* The child is a fork: &canary is the parent's address too. */
	report(sys(process_vm_writev(getppid(), &local, 1, &remote, 1, 0)));
	return sys(process_vm_readv(getppid(), &local, 1, &remote, 1, 0));
}

/* Writing another process's memory is ptrace without the ceremony. */
TEST_F(sandbox, process_vm_writev_to_the_parent_is_denied)
{
	struct job job = { .run = poke_parent };
	struct outcome out;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_EQ(-EPERM, out.v[1]);
	EXPECT_EQ(1, canary);
}

static int reopen_through_proc(int table, void *arg)
{
	struct held *h = arg;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", h->fd);
	report(sys(open(path, O_RDWR | O_CLOEXEC)));
	snprintf(path, sizeof(path), "/dev/fd/%d", h->fd);
	return sys(open(path, O_RDWR | O_CLOEXEC));
}

/*
 * /proc/self/fd/N opens the file again, with whatever access mode is
 * asked: a read-only descriptor would become a writable one.
 */
TEST_F(sandbox, a_held_file_cannot_be_reopened_through_proc)
{
	struct held h = { .self = self };
	struct job job = { .run = reopen_through_proc, .arg = &h };
	char path[PATH_MAX], buf[16];
	struct outcome out;

	ASSERT_EQ(0, make_file(self, "file", "text", 0644));
	h.fd = open(in_dir(path, self, "file"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* /proc/self/fd/N */
	EXPECT_EQ(-EPERM, out.v[1]);	/* /dev/fd/N */
	EXPECT_EQ(4, read_file(self, "file", buf, sizeof(buf)));
	close(h.fd);
}

static int climb_out(int table, void *arg)
{
	struct held *h = arg;

	return sys(openat(h->fd, "../../../../../../etc/passwd",
			  O_RDONLY | O_CLOEXEC));
}

/* ".." from a held directory leads anywhere in the file system. */
TEST_F(sandbox, dot_dot_cannot_climb_out_of_a_held_directory)
{
	struct held h = { .self = self };

	h.fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	EXPECT_EQ(-EPERM, in_sandbox(climb_out, &h));
	close(h.fd);
}

static int follow_symlink(int table, void *arg)
{
	struct held *h = arg;

	return sys(openat(h->fd, "link", O_RDONLY | O_CLOEXEC));
}

/* So does an absolute symbolic link found beneath it. */
TEST_F(sandbox, an_absolute_symlink_cannot_lead_out_of_a_held_directory)
{
	struct held h = { .self = self };
	char path[PATH_MAX];

	ASSERT_EQ(0, symlink(PASSWD, in_dir(path, self, "link")));
	h.fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	EXPECT_EQ(-EPERM, in_sandbox(follow_symlink, &h));
	close(h.fd);
}

static int uring_setup(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return syscall(__NR_io_uring_setup, 4, &p);
}

static int use_io_uring(int table, void *arg)
{
	return sys(uring_setup());
}

/*
 * io_uring performs system calls from its own context (io-wq workers, the
 * SQPOLL thread, personalities with other credentials): a second door to
 * everything the rules guard.  The sandbox gets no ring.
 */
TEST_F(sandbox, io_uring_cannot_be_set_up)
{
	int fd = uring_setup();

	if (fd < 0)
		SKIP(return, "io_uring unavailable: %s", strerror(errno));
	close(fd);
	EXPECT_EQ(-EPERM, in_sandbox(use_io_uring, NULL));
}

static int exec_memfd(int table, void *arg)
{
	struct held *h = arg;
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int m;

	m = memfd_create("busybox", 0);
	report(m < 0 ? -errno : 0);
	if (m < 0)
		return NO_REPORT;
	while ((n = pread(h->fd, buf, sizeof(buf), off)) > 0) {
		if (write(m, buf, n) != n)
			return NO_REPORT;
		off += n;
	}
	report(off > 0 && n == 0);
	return sys(execveat(m, "", busybox_true, no_env, AT_EMPTY_PATH));
}

/*
 * Code written into a memfd was never a file of the system: executing it
 * would let the sandbox run any program it can write, setuid bits aside.
 * memfd_create() itself is fine: it names nothing.
 */
TEST_F(sandbox, a_memfd_cannot_be_executed)
{
	struct held h = { .self = self };
	struct job job = { .run = exec_memfd, .arg = &h };
	__u64 exec0 = denials(self, CAP_SANDBOX_EXEC);
	struct outcome out;

	h.fd = open(BUSYBOX, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, h.fd);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n)
		TH_LOG("the memfd ran (wait status 0x%x)", out.status);
	EXPECT_EQ(0, out.v[0]);		/* memfd_create */
	EXPECT_EQ(1, out.v[1]);		/* busybox copied in */
	EXPECT_EQ(-EPERM, out.v[2]);	/* execveat */
	EXPECT_EQ(exec0 + 1, denials(self, CAP_SANDBOX_EXEC));
	close(h.fd);
}

static int new_userns(int table, void *arg)
{
	return sys(unshare(CLONE_NEWUSER));
}

/*
 * In a new user namespace the process would be root with every capability
 * over it, and could make new mount and network namespaces of its own.
 */
TEST_F(sandbox, a_new_user_namespace_cannot_be_created)
{
	EXPECT_EQ(-EPERM, in_sandbox(new_userns, NULL));
}

static int exec_path_only(int table, void *arg)
{
	int fd = open(BUSYBOX, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return sys(execveat(fd, "", busybox_true, no_env, AT_EMPTY_PATH));
}

/*
 * O_PATH opens a name without reading or writing it, but a descriptor of a
 * program found by name is a program reached by name: executing it is an
 * execve() by path.  Either the O_PATH open or the exec must be refused;
 * if both went through, busybox true exits 0 without a report.
 */
TEST_F(sandbox, a_program_found_with_o_path_cannot_be_executed)
{
	EXPECT_EQ(-EPERM, in_sandbox(exec_path_only, NULL));
}

static int exec_script(int table, void *arg)
{
	struct held *h = arg;
	static char *const argv[] = { "script", NULL };

	return sys(execveat(h->fd, "", argv, no_env, AT_EMPTY_PATH));
}

/*
 * A script names its interpreter by path ("#!/bin/busybox"): executing a
 * held script would run a program the sandbox only knows by name.  If the
 * exec went through, "busybox true" exits 0 without a report.
 */
TEST_F(sandbox, a_held_script_cannot_reach_its_interpreter_by_name)
{
	struct held h = { .self = self };
	__u64 exec0 = denials(self, CAP_SANDBOX_EXEC);
	char path[PATH_MAX];

	ASSERT_EQ(0, make_file(self, "script", "#!" BUSYBOX " true\n", 0755));
	h.fd = open(in_dir(path, self, "script"), O_RDONLY);
	ASSERT_LE(0, h.fd);
	EXPECT_EQ(-EPERM, in_sandbox(exec_script, &h));
	/* The script was fine to run; its interpreter, by name, was not. */
	EXPECT_EQ(exec0 + 1, denials(self, CAP_SANDBOX_EXEC));
	close(h.fd);
}

static int sigio_to_outsider(int table, void *arg)
{
	struct bystander *b = arg;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return NO_REPORT;
	/* Any of these may be refused; the signal must not arrive. */
	ret = fcntl(sv[0], F_SETOWN, b->pid);
	if (!ret)
		ret = fcntl(sv[0], F_SETSIG, SIGTERM);
	if (!ret)
		ret = fcntl(sv[0], F_SETFL, O_ASYNC);
	report(ret < 0 ? -errno : 0);
	/* Data arriving on sv[0] sends its owner the signal, at once. */
	return write(sv[1], "x", 1);
}

/*
 * F_SETOWN and O_ASYNC make the kernel signal a pid whenever a descriptor
 * becomes ready: kill() by another name, to any process.
 */
TEST_F(sandbox, a_signal_through_f_setown_cannot_reach_a_process_outside)
{
	struct bystander b;
	struct job job = { .run = sigio_to_outsider, .arg = &b };
	struct outcome out;
	int status;

	ASSERT_EQ(0, bystander_start(&b));
	run_sandboxed(_metadata, &job, &out);
	status = bystander_stop(&b);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(1, out.v[1]);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the bystander got signal %d (fcntl: %d)",
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0, out.v[0]);
}

static int sigio_by_ioctl(int table, void *arg)
{
	struct bystander *b = arg;
	int sv[2], on = 1, ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return NO_REPORT;
	ret = ioctl(sv[0], FIOSETOWN, &b->pid);
	if (!ret)
		ret = ioctl(sv[0], FIOASYNC, &on);
	report(ret < 0 ? -errno : 0);
	return write(sv[1], "x", 1);
}

/* FIOSETOWN is F_SETOWN by another name, and refused the same way. */
TEST_F(sandbox, a_signal_through_fiosetown_cannot_reach_a_process_outside)
{
	struct bystander b;
	struct job job = { .run = sigio_by_ioctl, .arg = &b };
	struct outcome out;
	int status;

	ASSERT_EQ(0, bystander_start(&b));
	run_sandboxed(_metadata, &job, &out);
	status = bystander_stop(&b);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the bystander got signal %d",
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

struct ipc_keys {
	key_t shm, msg, sem;
};

static int ipc_by_key(int table, void *arg)
{
	struct ipc_keys *k = arg;

	report(sys(shmget(k->shm, 0, 0)));
	report(sys(msgget(k->msg, 0)));
	return sys(semget(k->sem, 0, 0));
}

/*
 * System V IPC objects are found by a key in a namespace shared with
 * every process: a shared memory segment, message queue or semaphore set
 * of a process outside is reachable by anyone who knows or guesses its
 * key.  (IPC_PRIVATE objects name nothing.)
 */
TEST_F(sandbox, system_v_ipc_objects_cannot_be_reached_by_key)
{
	struct ipc_keys k;
	struct job job = { .run = ipc_by_key, .arg = &k };
	struct outcome out;

	/* One key will do: each kind of object has its own key space. */
	k.shm = 0x57a70000 | (getpid() & 0xffff);
	k.msg = k.shm;
	k.sem = k.shm;
	self->shm_id = shmget(k.shm, 4096, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, self->shm_id);
	self->msg_id = msgget(k.msg, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, self->msg_id);
	self->sem_id = semget(k.sem, 1, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, self->sem_id);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(3, out.n);
	/*
	 * The ipc rule refuses the permission check; the IPC code reports
	 * every failed permission check as EACCES, whatever the LSM said.
	 */
	EXPECT_EQ(-EACCES, out.v[0]);	/* shmget */
	EXPECT_EQ(-EACCES, out.v[1]);	/* msgget */
	EXPECT_EQ(-EACCES, out.v[2]);	/* semget */
}

static int ipc_by_id(int table, void *arg)
{
	int *shm_id = arg;

	report(sys(shmctl(*shm_id, IPC_RMID, NULL)));
	return sys(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
}

/*
 * An id is a name too: removing an outsider's segment by id, or making
 * new objects in the namespace shared with every process, is refused.
 */
TEST_F(sandbox, system_v_ipc_objects_cannot_be_removed_or_created)
{
	struct job job = { .run = ipc_by_id, .arg = &self->shm_id };
	struct shmid_ds ds;
	struct outcome out;

	self->shm_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ASSERT_LE(0, self->shm_id);
	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[0]);	/* shmctl(IPC_RMID) */
	EXPECT_EQ(-EPERM, out.v[1]);	/* shmget(IPC_PRIVATE) */
	/* The segment is still there. */
	EXPECT_EQ(0, shmctl(self->shm_id, IPC_STAT, &ds));
}

/* ==== refusals are counted and recorded =================================== */

static int one_bpf_call(int table, void *arg)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return sys(syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

TEST_F(sandbox, a_refusal_is_counted_under_its_rule)
{
	__u64 bpf0 = denials(self, CAP_SANDBOX_BPF);
	__u64 open0 = denials(self, CAP_SANDBOX_OPEN);

	ASSERT_NE(~0ULL, bpf0);
	EXPECT_EQ(-EPERM, in_sandbox(one_bpf_call, NULL));
	EXPECT_EQ(bpf0 + 1, denials(self, CAP_SANDBOX_BPF));
	EXPECT_EQ(open0, denials(self, CAP_SANDBOX_OPEN));
}

static int pid_then_socket(int table, void *arg)
{
	report(getpid());
	return inet_socket(table, arg);
}

TEST_F(sandbox, a_refusal_is_recorded_with_the_pid_the_rule_and_the_hook)
{
	struct job job = { .run = pid_then_socket };
	struct cap_sandbox_event ev, head;
	int fd = self->recent_fd;
	__u32 key = CAP_SANDBOX_RECENT;
	struct outcome out;
	bool found = false;
	__u32 i;

	run_sandboxed(_metadata, &job, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(-EPERM, out.v[1]);

	ASSERT_EQ(0, bpf_map_lookup_elem(fd, &key, &head));
	EXPECT_LE(1, head.time_ns);	/* the number of refusals so far */
	for (i = 0; i < CAP_SANDBOX_RECENT && !found; i++) {
		ASSERT_EQ(0, bpf_map_lookup_elem(fd, &i, &ev));
		found = ev.tgid == (__u32)out.v[0] &&
			ev.rule == CAP_SANDBOX_SOCKET;
	}
	ASSERT_TRUE(found);
	EXPECT_EQ((__u32)out.v[0], ev.pid);	/* the main thread */
	EXPECT_EQ(-EPERM, ev.err);
	EXPECT_STREQ("socket_create", ev.hook);
	EXPECT_EQ(0, strncmp(ev.comm, program_invocation_short_name,
			     sizeof(ev.comm) - 1));
	EXPECT_NE(0, ev.time_ns);
}

/* ==== detaching =========================================================== */

/*
 * The rules live in the programs: once they are detached, the mark of the
 * sandboxed process sits in a map nobody consults any more, nothing is
 * enforced, and STATUS, which only reports what is enforced, says 0.  The
 * programs are the trusted computing base of capability mode; unloading
 * them (cap_sandbox unload, or closing the last link) is the
 * administrator's way out for every sandboxed process.  (Last in the file:
 * the tests after it would have to attach the programs again.)
 */
TEST_F(sandbox, detaching_the_programs_ends_enforcement)
{
	struct rendezvous r;
	struct job job = { .run = report_then_wait, .arg = &r };
	struct outcome out = { .enter = NO_REPORT };
	struct child c;
	int v;

	ASSERT_EQ(0, pipe2(r.go, O_CLOEXEC));
	ASSERT_EQ(0, child_start(&job, &c));
	ASSERT_TRUE(child_next(&c, &out.enter));
	ASSERT_EQ(0, out.enter);
	ASSERT_TRUE(child_next(&c, &v));
	EXPECT_EQ(1, v);

	programs_detach();

	ASSERT_EQ(1, write(r.go[1], "g", 1));
	close(r.go[1]);
	child_finish(&c, &out);
	ASSERT_EQ(2, out.n);
	EXPECT_EQ(0, out.v[0]);		/* STATUS: nothing enforced */
	EXPECT_EQ(0, out.v[1]);		/* open() works again */
}

TEST_HARNESS_MAIN
