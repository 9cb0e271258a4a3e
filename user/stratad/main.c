// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - strata's daemon: options, the pidfile lock, the event loop
 *
 * One thread: a signalfd for SIGHUP/SIGTERM/SIGINT, the listening socket
 * and each connection, all in one epoll set. Documentation/stratad.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "stratad.h"

static const char usage[] =
"Usage: stratad [-c FILE] [-t] [-v] [-h]\n"
"\n"
"strata's daemon: loads the strata modules, attaches the configured BPF\n"
"policies and answers stratactl on a unix socket.\n"
"\n"
"  -c, --config FILE  the configuration (default " STRATA_CONFIG ")\n"
"  -t, --check        check the configuration and exit (0: valid)\n"
"  -v, --verbose      log debug messages, libbpf's too\n"
"  -h, --help         this help\n";

static const struct option long_options[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "check",	no_argument,		NULL, 't' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "help",	no_argument,		NULL, 'h' },
	{ }
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list args)
{
	char text[2048];
	size_t len;

	if (level != LIBBPF_WARN && !log_verbose())
		return 0;
	vsnprintf(text, sizeof(text), fmt, args);
	len = strlen(text);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	/* libbpf's messages start with "libbpf: " already */
	log_msg(level == LIBBPF_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, "%s",
		text);
	return 0;
}

/* Whether @fd is the file @path names now. */
static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Take the pidfile's lock and write our pid in it; the fd or -errno. */
static int pidfile_lock(const char *path)
{
	char *dir = xstrdup(path), buf[32];
	int fd, err;

	err = mkdir_p(dirname(dir), 0755);
	free(dir);
	if (err) {
		pr_err("cannot create the directory of %s: %s", path,
		       strerror(-err));
		return err;
	}
again:
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			pr_err("already running (pid %s)", *buf ? buf : "?");
		} else {
			pr_err("cannot lock %s: %s", path, strerror(-err));
		}
		close(fd);
		return err;
	}
	if (!same_file(fd, path)) {
		/* the stratad that held it unlinked it meanwhile: retry */
		close(fd);
		goto again;
	}
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(fd, 0) ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf)) {
		err = -errno;
		pr_err("cannot write %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int setup_loop(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	stratad.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (stratad.signal_fd < 0)
		return -errno;
	stratad.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (stratad.epoll_fd < 0)
		return -errno;
	ev.data.ptr = &stratad.signal_fd;
	if (epoll_ctl(stratad.epoll_fd, EPOLL_CTL_ADD, stratad.signal_fd, &ev))
		return -errno;
	return 0;
}

static void handle_signals(void)
{
	struct signalfd_siginfo si;
	struct conf_errors errs;

	while (read(stratad.signal_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			daemon_reload(&errs);
			conf_errors_free(&errs);
			break;
		case SIGTERM:
		case SIGINT:
			pr_info("stopping (%s)", strsignal(si.ssi_signo));
			stratad.stopping = true;
			break;
		}
	}
}

static void run_loop(void)
{
	struct epoll_event evs[16];
	int n, i;

	while (!stratad.stopping) {
		/* Wake once a second to close idle connections. */
		n = epoll_wait(stratad.epoll_fd, evs, ARRAY_SIZE(evs), 1000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			void *ptr = evs[i].data.ptr;
			struct client *c = ptr;

			if (ptr == &stratad.signal_fd) {
				handle_signals();
			} else if (ptr == &stratad.listen_fd) {
				server_accept();
			} else if (!(evs[i].events & EPOLLIN) ||
				   !server_serve(c)) {
				client_free(c);
			}
		}
		server_sweep();
	}
}

static int check_config(const char *path, bool given)
{
	struct conf_errors errs;
	struct config *conf;
	size_t i;

	conf = config_load(path, given, &errs);
	if (!conf) {
		for (i = 0; i < errs.nr; i++)
			fprintf(stderr, "%s\n", errs.text[i]);
		conf_errors_free(&errs);
		return 1;
	}
	printf("%s: valid\n", path);
	config_free(conf);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = STRATA_CONFIG;
	bool check = false, verbose = false, given = false;
	struct conf_errors errs;
	int opt, err, status = 1;
	size_t i;

	while ((opt = getopt_long(argc, argv, "c:tvh", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			given = true;
			break;
		case 't':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stratad: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return 2;
	}

	log_init(verbose);
	libbpf_set_print(libbpf_log);
	if (modules_init()) {
		pr_err("cannot initialize libkmod");
		return 1;
	}
	if (check) {
		status = check_config(path, given);
		modules_exit();
		return status;
	}
	if (geteuid() != 0) {
		pr_err("must run as root");
		goto out_kmod;
	}
	stratad.config_path = path;
	stratad.config_given = given;
	stratad.conf = config_load(path, given, &errs);
	if (!stratad.conf) {
		for (i = 0; i < errs.nr; i++)
			pr_err("%s", errs.text[i]);
		conf_errors_free(&errs);
		goto out_kmod;
	}

	stratad.pid_fd = pidfile_lock(stratad.conf->pidfile);
	if (stratad.pid_fd < 0)
		goto out_conf;
	err = setup_loop();
	if (err) {
		pr_err("cannot set up the event loop: %s", strerror(-err));
		goto out_pidfile;
	}
	err = daemon_start();
	if (err) {
		pr_err("start failed");
		sd_notifyf(0, "STATUS=start failed: %s\nERRNO=%d",
			   strerror(-err), -err);
		/* The record keeps what was adopted, for the next start. */
		goto out_pidfile;
	}
	sd_notify(0, "READY=1");
	daemon_notify_status();
	pr_info("ready (version %s, pid %d, %s)", STRATA_VERSION, getpid(),
		stratad.conf->socket);

	run_loop();
	daemon_stop();
	status = 0;
out_pidfile:
	/* Unlinked while still locked: a new stratad locks a new file. */
	unlink(stratad.conf->pidfile);
	close(stratad.pid_fd);
out_conf:
	record_free(&stratad.rec);
	config_free(stratad.conf);
out_kmod:
	modules_exit();
	return status;
}
