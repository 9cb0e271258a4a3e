// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox_demo - a worker in capability mode, fed through a channel
 *
 * The parent makes a channel and a VMO holding a line of text, and forks.
 * The child opens a handle table of its own, takes its end of the channel
 * from an exported descriptor, closes every other descriptor but 0-2 and
 * enters capability mode: from then on it can only use what it holds.
 * The parent sends it the VMO (read and write rights only) with the order
 * "upper"; the child upper-cases the text in place, tries to open
 * /etc/passwd and to create an AF_INET socket, and answers with what
 * happened.  Both attempts must fail with EPERM.
 *
 * Needs strata_cap and the capability-mode programs (cap_sandbox load).
 * Exits 0 when every step behaved as described, 3 when the programs are
 * not loaded, 1 otherwise.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strata.h>

#define EXIT_NOT_LOADED	3
#define VMO_SIZE	4096
#define TIMEOUT_NS	(20 * 1000000000LL)

static const char text[] = "capability mode: no ambient authority, only handles";

/* parent -> child, with the VMO as the message's one handle */
struct order {
	char verb[8];		/* "upper" */
	__u32 length;		/* bytes of text at the start of the VMO */
};

/* child -> parent */
struct reply {
	__s32 status;		/* 0, or -errno of the VMO work */
	__s32 sandboxed;	/* strata_sandbox_status() */
	__s32 open_err;		/* open("/etc/passwd"): -errno or 0 */
	__s32 socket_err;	/* socket(AF_INET): -errno or 0 */
};

static const char *err_name(int err)
{
	return err ? strerror(-err) : "succeeded";
}

/* ---- the child, in capability mode --------------------------------------- */

static int upper(int table, __u32 vmo, __u32 length)
{
	char buf[VMO_SIZE];
	__u32 i;
	int err;

	if (length > sizeof(buf))
		return -EINVAL;
	err = strata_vmo_read(table, vmo, buf, 0, length);
	if (err)
		return err;
	for (i = 0; i < length; i++)
		buf[i] = toupper((unsigned char)buf[i]);
	return strata_vmo_write(table, vmo, buf, 0, length);
}

static int worker(int export_fd)
{
	struct reply rep = { 0 };
	struct order ord;
	__u32 ch, vmo, nbytes, nhandles, pending;
	int table, fd, err;

	/* Nothing of the parent's but the channel end and stdio. */
	if (export_fd != 3 && dup2(export_fd, 3) < 0)
		return 1;
	close_range(4, ~0U, 0);
	table = strata_cap_open(O_CLOEXEC);
	if (table < 0) {
		printf("  child: cannot open a handle table: %s\n",
		       strerror(-table));
		return 1;
	}
	err = strata_handle_import(table, 3, &ch);
	close(3);
	if (err) {
		printf("  child: cannot import the channel: %s\n",
		       strerror(-err));
		return 1;
	}

	err = strata_sandbox_enter(table);
	if (err == -EOPNOTSUPP) {
		printf("  child: cannot enter capability mode: the capability-mode programs\n"
		       "         are not loaded (build/bpf/cap_sandbox load, or stratad)\n");
		return EXIT_NOT_LOADED;
	}
	if (err) {
		printf("  child: cannot enter capability mode: %s\n",
		       strerror(-err));
		return 1;
	}
	rep.sandboxed = strata_sandbox_status(table);
	printf("  child: in capability mode (status %d); waiting for work\n",
	       rep.sandboxed);

	err = strata_object_wait_one(table, ch, STRATA_SIGNAL_READABLE |
				     STRATA_SIGNAL_PEER_CLOSED,
				     strata_deadline_after(TIMEOUT_NS),
				     &pending);
	if (!err)
		err = strata_channel_read(table, ch, &ord, sizeof(ord), &vmo,
					  1, &nbytes, &nhandles);
	if (!err && (nbytes != sizeof(ord) || nhandles != 1))
		err = -EPROTO;
	if (err) {
		printf("  child: no order: %s\n", strerror(-err));
		return 1;
	}
	ord.verb[sizeof(ord.verb) - 1] = '\0';
	printf("  child: order \"%s\" on %u bytes of VMO handle 0x%08x\n",
	       ord.verb, ord.length, vmo);
	rep.status = strcmp(ord.verb, "upper") ? -EOPNOTSUPP :
		     upper(table, vmo, ord.length);

	/* What it was never given. */
	fd = open("/etc/passwd", O_RDONLY);
	rep.open_err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	printf("  child: open(\"/etc/passwd\")        %s\n",
	       err_name(rep.open_err));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	rep.socket_err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	printf("  child: socket(AF_INET, SOCK_STREAM) %s\n",
	       err_name(rep.socket_err));

	err = strata_channel_write(table, ch, &rep, sizeof(rep), NULL, 0);
	if (err) {
		printf("  child: cannot answer: %s\n", strerror(-err));
		return 1;
	}
	return rep.status || rep.open_err != -EPERM ||
	       rep.socket_err != -EPERM;
}

/* ---- the parent ------------------------------------------------------------ */

static int failures;

static void expect(const char *what, int ok)
{
	printf("  %-52s %s\n", what, ok ? "ok" : "UNEXPECTED");
	if (!ok)
		failures++;
}

int main(void)
{
	char result[sizeof(text)];
	struct order ord = { .verb = "upper", .length = sizeof(text) - 1 };
	struct reply rep;
	__u32 c0, c1, vmo, lent, nbytes, nhandles, pending;
	int table, export_fd, err, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	table = strata_cap_open(O_CLOEXEC);
	if (table < 0) {
		fprintf(stderr, "cannot open %s: %s (is strata_cap loaded?)\n",
			STRATA_CAP_DEV, strerror(-table));
		return 1;
	}
	err = strata_channel_create(table, &c0, &c1);
	if (!err)
		err = strata_vmo_create(table, VMO_SIZE, 0, &vmo);
	if (!err)
		err = strata_vmo_write(table, vmo, text, 0, sizeof(text) - 1);
	/* The worker gets the VMO's contents, not the right to pass it on. */
	if (!err)
		err = strata_handle_duplicate(table, vmo, STRATA_RIGHT_READ |
					      STRATA_RIGHT_WRITE |
					      STRATA_RIGHT_TRANSFER, &lent);
	if (err) {
		fprintf(stderr, "cannot set up the channel and the VMO: %s\n",
			strerror(-err));
		return 1;
	}
	export_fd = strata_handle_export(table, c1, STRATA_RIGHT_SAME_RIGHTS,
					 0);
	if (export_fd < 0) {
		fprintf(stderr, "cannot export the child's channel end: %s\n",
			strerror(-export_fd));
		return 1;
	}
	printf("parent: channel 0x%08x (the peer exported as fd %d), VMO 0x%08x\n"
	       "parent: the VMO holds \"%s\"\n", c0, export_fd, vmo, text);

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid)
		_exit(worker(export_fd));
	close(export_fd);

	err = strata_channel_write(table, c0, &ord, sizeof(ord), &lent, 1);
	if (err && err != -EPIPE) {
		fprintf(stderr, "cannot send the order: %s\n", strerror(-err));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	if (!err)
		printf("parent: sent \"upper\" with a READ|WRITE copy of the VMO\n");

	err = strata_object_wait_one(table, c0, STRATA_SIGNAL_READABLE |
				     STRATA_SIGNAL_PEER_CLOSED,
				     strata_deadline_after(TIMEOUT_NS),
				     &pending);
	if (!err)
		err = strata_channel_read(table, c0, &rep, sizeof(rep), NULL,
					  0, &nbytes, &nhandles);
	if (!err && nbytes != sizeof(rep))
		err = -EPROTO;
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NOT_LOADED) {
		printf("capability mode is not available: load the programs first\n");
		return EXIT_NOT_LOADED;
	}
	if (err) {
		printf("parent: no answer from the child: %s\n",
		       strerror(-err));
		return 1;
	}
	memset(result, 0, sizeof(result));
	err = strata_vmo_read(table, vmo, result, 0, sizeof(text) - 1);
	printf("parent: the VMO now holds \"%s\"\n", err ? "?" : result);

	expect("the child was in capability mode", rep.sandboxed == 1);
	expect("it upper-cased the VMO through its handle",
	       !rep.status && !err && !strcmp(result,
		"CAPABILITY MODE: NO AMBIENT AUTHORITY, ONLY HANDLES"));
	expect("open(\"/etc/passwd\") was refused with EPERM",
	       rep.open_err == -EPERM);
	expect("socket(AF_INET) was refused with EPERM",
	       rep.socket_err == -EPERM);
	expect("the child exited with status 0",
	       WIFEXITED(status) && !WEXITSTATUS(status));
	expect("this process is not in capability mode",
	       strata_sandbox_status(table) == 0);
	close(table);
	return failures ? 1 : 0;
}
