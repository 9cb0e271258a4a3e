// SPDX-License-Identifier: GPL-2.0
/*
 * cap_bench - strata_cap microbenchmarks; prints one flat JSON object
 *
 * Round trips between two processes, in ns per round trip.  The parent
 * sends a message, the child (forked for each figure) sends it back, and
 * the parent waits for it before sending the next one.  The first four
 * bytes of each message carry a sequence number that the parent checks.
 *
 *   chan_rtt_ns           64 bytes over a strata channel.  The parent
 *                         creates the channel and exports one endpoint
 *                         (STRATA_CAP_IOC_HANDLE_EXPORT) before fork; the
 *                         child opens its own table and imports it.  Each
 *                         side reads with CHANNEL_READ and its
 *                         STRATA_CAP_CHANNEL_READ_WAIT option (a blocking
 *                         read) and writes with CHANNEL_WRITE: two ioctls
 *                         per side per round trip, as the baselines below
 *                         block in their read(2) or recvmsg(2).
 *   chan_xfer_rtt_ns      the same, each message also carrying one handle
 *                         (an event): the receiver sends the handle it got
 *                         back in its reply, so it moves each way.
 *   pipe_rtt_ns           64 bytes over two pipes: write(2), read(2).
 *   unix_rtt_ns           64 bytes over a SOCK_SEQPACKET unix socketpair
 *                         (message boundaries, as a channel has).
 *   eventfd_rtt_ns        two eventfds, no payload: write 1, read it.
 *   scm_rights_rtt_ns     the unix_rtt_ns socketpair, each message also
 *                         carrying one fd (an eventfd) with SCM_RIGHTS.
 *                         Both sides do what a handle transfer does: the
 *                         receiver sendmsg()s the fd it got back and then
 *                         close(2)s its copy, so one file moves back and
 *                         forth and neither side accumulates fds.
 *
 * Single-process operations, in ns per iteration:
 *
 *   handle_dup_close_ns   duplicate a handle and close the copy
 *   fd_dup_close_ns       dup(2) an fd and close(2) the copy (the baseline)
 *   event_create_close_ns create an event and close its handle
 *
 * Throughput, in MB/s (1e6 bytes per second) of payload:
 *
 *   chan_64k_mbps         64 KiB messages from the parent to the child
 *                         over a channel set up as for chan_rtt_ns.  The
 *                         writer writes until CHANNEL_WRITE fails with
 *                         -ENOSPC (the queue bound, channel_max_msgs), then
 *                         waits for WRITABLE; the reader reads with
 *                         READ_WAIT.
 *   pipe_64k_mbps         64 KiB write(2)s into a pipe of the default size,
 *                         read(2) in 64 KiB chunks.
 *
 * Each round of a throughput figure starts with a small header giving the
 * number of messages to follow and ends when the parent has read the
 * child's one-byte acknowledgment that it read them all; the time counted
 * is the whole of that.
 *
 * Each figure is the median of 15 rounds.  The iterations per round are
 * calibrated by a warm-up, doubling from 1 until a batch takes at least
 * 50 ms, so that a round lasts about 250 ms whatever the speed of the
 * machine; the whole run takes about 45 s, in a TCG guest as natively.
 * Every figure's objects and child are set up first; then the rounds are
 * interleaved (round 1 of every figure, then round 2, ...), so that a
 * burst of load from elsewhere on the host falls on all the figures alike
 * instead of spoiling a few.  The median and the range of each figure go
 * to stderr.
 *
 * The whole benchmark, children included, is pinned to one CPU (the first
 * it may use), so that every hop of a round trip is a wakeup and a context
 * switch on that CPU, whatever the transport.  Unpinned, in the TCG test
 * VM on a shared host, a wakeup that crosses vCPUs costs whatever the host
 * takes to run the other vCPU's thread (milliseconds when it is busy), and
 * how often that happens depends on where the scheduler's wake-affine
 * heuristics place each pair: the figures then compare placement luck
 * rather than code paths.  The same holds for the throughput figures, so
 * they measure copying and queueing, one side at a time, not parallelism.
 * The figures are meant to be compared with each other, not as speeds.
 *
 * Any failing call ends the run with a message and exit status 1, never
 * with a figure; so does a batch of iterations that takes two minutes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

enum {
	ROUNDS = 15,
	MSG_SIZE = 64,			/* round-trip payload */
	BIG_SIZE = 65536,		/* throughput message */
	MAX_ITERS = 10000000,
	WATCHDOG_S = 120,		/* most seconds one batch may take */
	EVENTFD_QUIT = 2,		/* eventfd value that ends the child */
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define WARMUP_NS	50e6
#define ROUND_NS	250e6

/* One set of objects per figure; unused members stay -1 or 0. */
struct ctx {
	int table;		/* the parent's table */
	__u32 ch;		/* the parent's endpoint */
	__u32 ev;		/* the event that travels, chan_xfer_rtt_ns */
	int xfd;		/* the exported endpoint, until the child has it */
	int to_child[2];	/* pipes, or [0] a socket / eventfd */
	int to_parent[2];
	int fd;			/* the fd that travels, scm_rights_rtt_ns */
	void (*child)(struct ctx *c);	/* what the child runs, if any */
	pid_t pid;
	char *buf;
};

/*
 * A figure: start() makes its objects and forks its child, run() does n
 * iterations, stop() undoes start().  @bytes: payload per iteration of a
 * figure given in MB/s; 0 for one given in ns.
 */
struct figure {
	const char *name;
	void (*start)(struct ctx *c);
	void (*run)(struct ctx *c, long n);
	void (*stop)(struct ctx *c);
	void (*child)(struct ctx *c);
	double bytes;
	struct ctx c;
	long iters;
	double ns[ROUNDS];
};

static const char *who = "cap_bench";
static const char *figure = "";
static bool in_child;
static volatile sig_atomic_t child_exited;

static void leave(void)
{
	if (in_child)
		_exit(1);
	exit(1);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", who, figure, *figure ? ": " : "",
		what, strerror(err));
	leave();
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s%s", who, figure, *figure ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	leave();
}

static void on_sigchld(int sig)
{
	child_exited = 1;
}

static void on_sigalrm(int sig)
{
	static const char msg[] = ": no progress, giving up\n";

	/* Only async-signal-safe calls; the child dies of PR_SET_PDEATHSIG. */
	if (write(STDERR_FILENO, "cap_bench: ", 11) < 0 ||
	    write(STDERR_FILENO, figure, strlen(figure)) < 0 ||
	    write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* All the figures, which every child needs to see (set by main()). */
static struct figure *figures;
static int nr_figures;

/* In the parent: fail if a child exited before it was told to. */
static void check_children(void)
{
	int status = 0, i;
	pid_t pid;

	if (in_child || !child_exited)
		return;
	pid = waitpid(-1, &status, WNOHANG);
	for (i = 0; pid > 0 && i < nr_figures; i++)
		if (figures[i].c.pid == pid)
			fail("the child of %s exited early (status 0x%x)",
			     figures[i].name, status);
	fail("a child exited early");
}

/*
 * A blocking call in the parent interrupted by SIGCHLD (installed without
 * SA_RESTART) means a child is gone: fail rather than wait forever, as
 * the eventfd figure otherwise would.  Other interruptions are retried.
 */
static bool again(int err)
{
	if (err != EINTR)
		return false;
	check_children();
	return true;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

/* Time @n iterations of @f, in ns. */
static double batch(struct figure *f, long n)
{
	double t;

	figure = f->name;
	/* A child that died while the parent was elsewhere sent no EINTR. */
	check_children();
	alarm(WATCHDOG_S);
	t = now_ns();
	f->run(&f->c, n);
	t = now_ns() - t;
	alarm(0);
	return t;
}

/*
 * Warm up, doubling the iterations from 1 until a batch takes WARMUP_NS,
 * and set the iterations of a round from the last batch.
 */
static void calibrate(struct figure *f)
{
	double elapsed;
	long n = 1;

	for (;;) {
		elapsed = batch(f, n);
		if (elapsed >= WARMUP_NS || n >= MAX_ITERS)
			break;
		n *= 2;
	}
	f->iters = n * (ROUND_NS / elapsed);
	if (f->iters < 1)
		f->iters = 1;
	if (f->iters > MAX_ITERS)
		f->iters = MAX_ITERS;
}

/* ---- helpers ------------------------------------------------------------ */

static void write_full(int fd, const void *p, size_t len, const char *what)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (again(errno))
				continue;
			die(what, errno);
		}
		p = (const char *)p + n;
		len -= n;
	}
}

/* Returns false on end of file before the first byte. */
static bool read_full(int fd, void *p, size_t len, const char *what)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)p + got, len - got);
		if (n < 0) {
			if (again(errno))
				continue;
			die(what, errno);
		}
		if (!n) {
			if (!got)
				return false;
			fail("%s: end of file in a message", what);
		}
		got += n;
	}
	return true;
}

/* Wait for any of @signals on @h, for ever; returns the pending signals. */
static __u32 wait_for(int table, __u32 h, __u32 signals)
{
	__u32 pending = 0;
	int err;

	do {
		err = strata_object_wait_one(table, h, signals,
					     STRATA_TIME_INFINITE, &pending);
	} while (err && again(-err));
	if (err)
		die("wait on a channel", -err);
	return pending;
}

/* Write a message, waiting for WRITABLE while the peer's queue is full. */
static void chan_write(int table, __u32 h, const void *p, __u32 len,
		       __u32 *handles, __u32 nr_handles)
{
	__u32 pending;
	int err;

	for (;;) {
		err = strata_channel_write(table, h, p, len, handles,
					   nr_handles);
		if (!err)
			return;
		if (err == -EDQUOT)
			fail("channel write: %s: user_max_queued_bytes < channel_max_msgs * %d",
			     strerror(-err), BIG_SIZE);
		if (err != -ENOSPC)
			die("channel write", -err);
		pending = wait_for(table, h, STRATA_SIGNAL_WRITABLE |
					     STRATA_SIGNAL_PEER_CLOSED);
		if (!(pending & STRATA_SIGNAL_WRITABLE))
			fail("channel write: the peer closed its endpoint");
	}
}

/*
 * Read one message of at most @len bytes and @nr_handles handles, waiting
 * for it in the read (READ_WAIT); returns its size, or -1 when the queue
 * is empty and the peer gone.
 */
static long chan_read(int table, __u32 h, void *p, __u32 len,
		      __u32 *handles, __u32 nr_handles, __u32 *actual_handles)
{
	__u32 bytes = 0, nh = 0;
	int err;

	do {
		err = strata_channel_read_wait(table, h, p, len, handles,
					       nr_handles, &bytes, &nh);
	} while (err && again(-err));
	if (err == -EPIPE)
		return -1;
	if (err)
		die("channel read", -err);
	if (actual_handles)
		*actual_handles = nh;
	else if (nh)
		fail("channel read: %u unexpected handles", nh);
	return bytes;
}

static void seal_seq(char *buf, __u32 seq)
{
	memcpy(buf, &seq, sizeof(seq));
}

static void check_seq(const char *buf, __u32 seq)
{
	__u32 got;

	memcpy(&got, buf, sizeof(got));
	if (got != seq)
		fail("reply %u to message %u", got, seq);
}

static void init_ctx(struct ctx *c, int table)
{
	memset(c, 0, sizeof(*c));
	c->table = table;
	c->xfd = -1;
	c->fd = -1;
	c->to_child[0] = -1;
	c->to_child[1] = -1;
	c->to_parent[0] = -1;
	c->to_parent[1] = -1;
	c->buf = malloc(BIG_SIZE);
	if (!c->buf)
		die("malloc", ENOMEM);
	memset(c->buf, 0xa5, BIG_SIZE);
}

static void close_fd(int *fd)
{
	if (*fd >= 0 && close(*fd))
		die("close", errno);
	*fd = -1;
}

static void close_handle(int table, __u32 *h)
{
	int err;

	if (*h == STRATA_HANDLE_INVALID)
		return;
	err = strata_handle_close(table, *h);
	if (err)
		die("close a handle", -err);
	*h = STRATA_HANDLE_INVALID;
}

static void close_fds(struct ctx *c)
{
	close_fd(&c->xfd);
	close_fd(&c->to_child[0]);
	close_fd(&c->to_child[1]);
	close_fd(&c->to_parent[0]);
	close_fd(&c->to_parent[1]);
	close_fd(&c->fd);
}

/*
 * Fork a child that runs c->child and exits 0.  It closes the parent's
 * table first: the table answers only the process that opened it, and a
 * copy held by the child would keep it alive after the parent closes it.
 * It closes the fds of the other figures too, whose children must see the
 * end of file when the parent closes its ends, whatever the order.
 */
static void spawn(struct ctx *c)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0)
		die("fork", errno);
	if (c->pid)
		return;

	in_child = true;
	who = "cap_bench (child)";
	signal(SIGCHLD, SIG_DFL);
	/* Never outlive a parent that died in the middle of a figure. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(1);
	close_fd(&c->table);
	for (i = 0; i < nr_figures; i++)
		if (&figures[i].c != c)
			close_fds(&figures[i].c);
	c->child(c);
	_exit(0);
}

static void reap(struct ctx *c)
{
	int status;

	while (waitpid(c->pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid", errno);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child failed (status 0x%x)", status);
	c->pid = 0;
	child_exited = 0;
}

/* ---- channels ----------------------------------------------------------- */

/* In the child: a table of its own, and the endpoint imported into it. */
static int chan_child_table(struct ctx *c, __u32 *h)
{
	int table, err;

	table = strata_cap_open(O_CLOEXEC);
	if (table < 0)
		die("open " STRATA_CAP_DEV, -table);
	err = strata_handle_import(table, c->xfd, h);
	if (err)
		die("import the endpoint", -err);
	close_fd(&c->xfd);
	return table;
}

/* Echo every message, with its handles, until the parent closes. */
static void chan_echo(struct ctx *c)
{
	__u32 h, handles[1], nh;
	int table;
	long n;

	table = chan_child_table(c, &h);
	for (;;) {
		n = chan_read(table, h, c->buf, MSG_SIZE, handles, 1, &nh);
		if (n < 0)
			break;
		chan_write(table, h, c->buf, n, handles, nh);
	}
	close_handle(table, &h);
	close_fd(&table);
}

static void chan_rtt(struct ctx *c, long n)
{
	__u32 i;
	long len;

	for (i = 0; i < n; i++) {
		seal_seq(c->buf, i);
		chan_write(c->table, c->ch, c->buf, MSG_SIZE, NULL, 0);
		len = chan_read(c->table, c->ch, c->buf, MSG_SIZE, NULL, 0,
				NULL);
		if (len < 0)
			fail("channel read: the child closed its endpoint");
		if (len != MSG_SIZE)
			fail("channel read: %ld bytes", len);
		check_seq(c->buf, i);
	}
}

static void chan_xfer_rtt(struct ctx *c, long n)
{
	__u32 i, nh;
	long len;

	for (i = 0; i < n; i++) {
		seal_seq(c->buf, i);
		chan_write(c->table, c->ch, c->buf, MSG_SIZE, &c->ev, 1);
		c->ev = STRATA_HANDLE_INVALID;	/* it left the table */
		len = chan_read(c->table, c->ch, c->buf, MSG_SIZE, &c->ev, 1,
				&nh);
		if (len < 0)
			fail("channel read: the child closed its endpoint");
		if (len != MSG_SIZE || nh != 1 ||
		    c->ev == STRATA_HANDLE_INVALID)
			fail("channel read: %ld bytes, %u handles", len, nh);
		check_seq(c->buf, i);
	}
}

/*
 * Reader for chan_64k_mbps: an 8-byte header with the number of 64 KiB
 * messages, the messages, then a one-byte acknowledgment.
 */
static void chan_sink(struct ctx *c)
{
	__u64 count, i;
	__u32 h;
	int table;
	long n;

	table = chan_child_table(c, &h);
	for (;;) {
		n = chan_read(table, h, c->buf, BIG_SIZE, NULL, 0, NULL);
		if (n < 0)
			break;
		if (n != sizeof(count))
			fail("channel read: a %ld-byte header", n);
		memcpy(&count, c->buf, sizeof(count));
		for (i = 0; i < count; i++) {
			n = chan_read(table, h, c->buf, BIG_SIZE, NULL, 0,
				      NULL);
			if (n < 0)
				fail("channel read: the parent closed in a round");
			if (n != BIG_SIZE)
				fail("channel read: %ld bytes", n);
		}
		chan_write(table, h, c->buf, 1, NULL, 0);
	}
	close_handle(table, &h);
	close_fd(&table);
}

static void chan_stream(struct ctx *c, long n)
{
	__u64 count = n;
	long i, len;
	char ack;

	chan_write(c->table, c->ch, &count, sizeof(count), NULL, 0);
	for (i = 0; i < n; i++)
		chan_write(c->table, c->ch, c->buf, BIG_SIZE, NULL, 0);
	len = chan_read(c->table, c->ch, &ack, 1, NULL, 0, NULL);
	if (len < 0)
		fail("channel read: the child closed its endpoint");
	if (len != 1)
		fail("channel read: a %ld-byte acknowledgment", len);
}

static void chan_start(struct ctx *c)
{
	__u32 peer;
	int err;

	err = strata_channel_create(c->table, &c->ch, &peer);
	if (err)
		die("create a channel", -err);
	c->xfd = strata_handle_export(c->table, peer, STRATA_RIGHT_SAME_RIGHTS,
				      O_CLOEXEC);
	if (c->xfd < 0)
		die("export an endpoint", -c->xfd);
	spawn(c);
	/* Only the child's copy keeps the exported endpoint now. */
	close_fd(&c->xfd);
}

static void chan_xfer_start(struct ctx *c)
{
	int err;

	err = strata_event_create(c->table, &c->ev);
	if (err)
		die("create an event", -err);
	chan_start(c);
}

static void chan_stop(struct ctx *c)
{
	close_handle(c->table, &c->ch);	/* PEER_CLOSED ends the child */
	reap(c);
	close_handle(c->table, &c->ev);
}

/* ---- pipes, unix sockets, eventfds -------------------------------------- */

static void pipe_echo(struct ctx *c)
{
	close_fd(&c->to_child[1]);
	close_fd(&c->to_parent[0]);
	while (read_full(c->to_child[0], c->buf, MSG_SIZE, "pipe read"))
		write_full(c->to_parent[1], c->buf, MSG_SIZE, "pipe write");
}

static void pipe_rtt(struct ctx *c, long n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		seal_seq(c->buf, i);
		write_full(c->to_child[1], c->buf, MSG_SIZE, "pipe write");
		if (!read_full(c->to_parent[0], c->buf, MSG_SIZE, "pipe read"))
			fail("pipe read: the child closed its end");
		check_seq(c->buf, i);
	}
}

static void pipe_sink(struct ctx *c)
{
	__u64 count, left;
	ssize_t n;
	char ack = 0;

	close_fd(&c->to_child[1]);
	close_fd(&c->to_parent[0]);
	while (read_full(c->to_child[0], &count, sizeof(count), "pipe read")) {
		left = count * BIG_SIZE;
		while (left) {
			n = read(c->to_child[0], c->buf,
				 left < BIG_SIZE ? left : BIG_SIZE);
			if (n < 0) {
				if (again(errno))
					continue;
				die("pipe read", errno);
			}
			if (!n)
				fail("pipe read: end of file in a round");
			left -= n;
		}
		write_full(c->to_parent[1], &ack, 1, "pipe write");
	}
}

static void pipe_stream(struct ctx *c, long n)
{
	__u64 count = n;
	long i;
	char ack;

	write_full(c->to_child[1], &count, sizeof(count), "pipe write");
	for (i = 0; i < n; i++)
		write_full(c->to_child[1], c->buf, BIG_SIZE, "pipe write");
	if (!read_full(c->to_parent[0], &ack, 1, "pipe read"))
		fail("pipe read: no acknowledgment");
}

static void pipe_start(struct ctx *c)
{
	if (pipe2(c->to_child, O_CLOEXEC) || pipe2(c->to_parent, O_CLOEXEC))
		die("pipe2", errno);
	spawn(c);
	close_fd(&c->to_child[0]);
	close_fd(&c->to_parent[1]);
}

static void pipe_stop(struct ctx *c)
{
	close_fd(&c->to_child[1]);	/* end of file ends the child */
	close_fd(&c->to_parent[0]);
	reap(c);
}

/* The socketpair: to_child[0] is the parent's end, to_parent[0] the child's. */
static void unix_start(struct ctx *c)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair", errno);
	c->to_child[0] = sv[0];
	c->to_parent[0] = sv[1];
	spawn(c);
	close_fd(&c->to_parent[0]);
}

static void unix_stop(struct ctx *c)
{
	close_fd(&c->to_child[0]);	/* end of file ends the child */
	reap(c);
}

static void unix_echo(struct ctx *c)
{
	close_fd(&c->to_child[0]);
	while (read_full(c->to_parent[0], c->buf, MSG_SIZE, "recv"))
		write_full(c->to_parent[0], c->buf, MSG_SIZE, "send");
}

static void unix_rtt(struct ctx *c, long n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		seal_seq(c->buf, i);
		write_full(c->to_child[0], c->buf, MSG_SIZE, "send");
		if (!read_full(c->to_child[0], c->buf, MSG_SIZE, "recv"))
			fail("recv: the child closed its end");
		check_seq(c->buf, i);
	}
}

static void send_fd(int sock, const void *p, size_t len, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cm.buf,
		.msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	memset(&cm, 0, sizeof(cm));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, 0);
	} while (n < 0 && again(errno));
	if (n < 0)
		die("sendmsg", errno);
	if ((size_t)n != len)
		fail("sendmsg: %zd bytes of %zu", n, len);
}

/* Returns the fd received, or -1 when the peer closed. */
static int recv_fd(int sock, void *p, size_t len)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = p, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cm.buf,
		.msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, 0);
	} while (n < 0 && again(errno));
	if (n < 0)
		die("recvmsg", errno);
	if (!n)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if ((size_t)n != len || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    !cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		fail("recvmsg: %zd bytes, flags 0x%x, not one fd", n,
		     msg.msg_flags);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void scm_echo(struct ctx *c)
{
	int fd;

	close_fd(&c->fd);	/* the parent's, inherited */
	close_fd(&c->to_child[0]);
	while ((fd = recv_fd(c->to_parent[0], c->buf, MSG_SIZE)) >= 0) {
		send_fd(c->to_parent[0], c->buf, MSG_SIZE, fd);
		close_fd(&fd);
	}
}

static void scm_rights_rtt(struct ctx *c, long n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		seal_seq(c->buf, i);
		send_fd(c->to_child[0], c->buf, MSG_SIZE, c->fd);
		close_fd(&c->fd);	/* moved, as a transferred handle */
		c->fd = recv_fd(c->to_child[0], c->buf, MSG_SIZE);
		if (c->fd < 0)
			fail("recvmsg: the child closed its end");
		check_seq(c->buf, i);
	}
}

static void scm_start(struct ctx *c)
{
	c->fd = eventfd(0, EFD_CLOEXEC);
	if (c->fd < 0)
		die("eventfd", errno);
	unix_start(c);
}

static void scm_stop(struct ctx *c)
{
	unix_stop(c);
	close_fd(&c->fd);
}

/* to_child[0] is the parent's eventfd, to_parent[0] the child's. */
static void eventfd_echo(struct ctx *c)
{
	__u64 v;

	for (;;) {
		if (!read_full(c->to_child[0], &v, sizeof(v), "eventfd read"))
			fail("eventfd read: end of file");
		if (v == EVENTFD_QUIT)
			break;
		if (v != 1)
			fail("eventfd read: %llu", (unsigned long long)v);
		write_full(c->to_parent[0], &v, sizeof(v), "eventfd write");
	}
}

static void eventfd_rtt(struct ctx *c, long n)
{
	__u64 v;
	long i;

	for (i = 0; i < n; i++) {
		v = 1;
		write_full(c->to_child[0], &v, sizeof(v), "eventfd write");
		if (!read_full(c->to_parent[0], &v, sizeof(v), "eventfd read"))
			fail("eventfd read: end of file");
		if (v != 1)
			fail("eventfd read: %llu", (unsigned long long)v);
	}
}

static void eventfd_start(struct ctx *c)
{
	c->to_child[0] = eventfd(0, EFD_CLOEXEC);
	c->to_parent[0] = eventfd(0, EFD_CLOEXEC);
	if (c->to_child[0] < 0 || c->to_parent[0] < 0)
		die("eventfd", errno);
	spawn(c);
}

static void eventfd_stop(struct ctx *c)
{
	__u64 quit = EVENTFD_QUIT;

	write_full(c->to_child[0], &quit, sizeof(quit), "eventfd write");
	reap(c);
	close_fd(&c->to_child[0]);
	close_fd(&c->to_parent[0]);
}

/* ---- single-process operations ------------------------------------------ */

static void event_start(struct ctx *c)
{
	int err;

	err = strata_event_create(c->table, &c->ev);
	if (err)
		die("create an event", -err);
}

static void event_stop(struct ctx *c)
{
	close_handle(c->table, &c->ev);
}

static void dup_close(struct ctx *c, long n)
{
	__u32 d;
	long i;
	int err;

	for (i = 0; i < n; i++) {
		err = strata_handle_duplicate(c->table, c->ev,
					      STRATA_RIGHT_SAME_RIGHTS, &d);
		if (err)
			die("duplicate", -err);
		err = strata_handle_close(c->table, d);
		if (err)
			die("close", -err);
	}
}

static void fd_dup_close(struct ctx *c, long n)
{
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = dup(c->table);
		if (fd < 0)
			die("dup", errno);
		if (close(fd))
			die("close", errno);
	}
}

static void create_close(struct ctx *c, long n)
{
	__u32 d;
	long i;
	int err;

	for (i = 0; i < n; i++) {
		err = strata_event_create(c->table, &d);
		if (err)
			die("create an event", -err);
		err = strata_handle_close(c->table, d);
		if (err)
			die("close", -err);
	}
}

/* ---- main --------------------------------------------------------------- */

/* Run on one CPU from now on, with every child forked later (see above). */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity", errno);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			break;
	if (cpu == CPU_SETSIZE)
		fail("no CPU in the affinity mask");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
}

/* In the order of the JSON object. */
static struct figure figure_table[] = {
	{ .name = "chan_rtt_ns", .start = chan_start, .run = chan_rtt,
	  .stop = chan_stop, .child = chan_echo },
	{ .name = "chan_xfer_rtt_ns", .start = chan_xfer_start,
	  .run = chan_xfer_rtt, .stop = chan_stop, .child = chan_echo },
	{ .name = "pipe_rtt_ns", .start = pipe_start, .run = pipe_rtt,
	  .stop = pipe_stop, .child = pipe_echo },
	{ .name = "unix_rtt_ns", .start = unix_start, .run = unix_rtt,
	  .stop = unix_stop, .child = unix_echo },
	{ .name = "eventfd_rtt_ns", .start = eventfd_start,
	  .run = eventfd_rtt, .stop = eventfd_stop, .child = eventfd_echo },
	{ .name = "scm_rights_rtt_ns", .start = scm_start,
	  .run = scm_rights_rtt, .stop = scm_stop, .child = scm_echo },
	{ .name = "handle_dup_close_ns", .start = event_start,
	  .run = dup_close, .stop = event_stop },
	{ .name = "fd_dup_close_ns", .run = fd_dup_close },
	{ .name = "event_create_close_ns", .run = create_close },
	{ .name = "chan_64k_mbps", .start = chan_start, .run = chan_stream,
	  .stop = chan_stop, .child = chan_sink, .bytes = BIG_SIZE },
	{ .name = "pipe_64k_mbps", .start = pipe_start, .run = pipe_stream,
	  .stop = pipe_stop, .child = pipe_sink, .bytes = BIG_SIZE },
};

int main(void)
{
	struct sigaction sa = {};
	struct figure *f;
	double med, v;
	int table, i, r;

	/* A dead peer must show up as EPIPE, with a message. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_sigalrm);
	/* No SA_RESTART: a blocked parent must notice a child's death. */
	sa.sa_handler = on_sigchld;
	if (sigaction(SIGCHLD, &sa, NULL))
		die("sigaction", errno);
	pin_to_one_cpu();
	figures = figure_table;
	nr_figures = ARRAY_SIZE(figure_table);

	table = strata_cap_open(O_CLOEXEC);
	if (table < 0)
		die("open " STRATA_CAP_DEV, -table);
	/* All first: the children close every other figure's fds. */
	for (f = figures; f < figures + nr_figures; f++) {
		init_ctx(&f->c, table);
		f->c.child = f->child;
	}
	for (f = figures; f < figures + nr_figures; f++) {
		figure = f->name;
		if (f->start)
			f->start(&f->c);
	}
	for (f = figures; f < figures + nr_figures; f++)
		calibrate(f);
	/*
	 * Round r of every figure, then round r + 1: a burst of load from
	 * elsewhere on the host then spreads over all the figures instead
	 * of spoiling some of them.
	 */
	for (r = 0; r < ROUNDS; r++)
		for (f = figures; f < figures + nr_figures; f++)
			f->ns[r] = batch(f, f->iters) / f->iters;
	for (f = figures + nr_figures - 1; f >= figures; f--) {
		figure = f->name;
		if (f->stop)
			f->stop(&f->c);
		free(f->c.buf);
	}
	figure = "";

	printf("{\n");
	for (i = 0; i < nr_figures; i++) {
		f = &figures[i];
		med = median(f->ns);
		/* bytes per ns, times 1e3: MB/s */
		v = f->bytes ? f->bytes / med * 1e3 : med;
		printf("  \"%s\": %.1f%s\n", f->name, v,
		       i + 1 < nr_figures ? "," : "");
		/* The spread, to judge the noise by; ns is sorted now. */
		fprintf(stderr,
			"cap_bench: %s: %d rounds of %ld, %.1f ns each (%.1f to %.1f)\n",
			f->name, ROUNDS, f->iters, med, f->ns[0],
			f->ns[ROUNDS - 1]);
	}
	printf("}\n");
	if (fflush(stdout))
		die("write the results", errno);
	close_fd(&table);
	return 0;
}
