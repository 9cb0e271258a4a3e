/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata selftests - helpers shared by the stratad and stratactl tests
 *
 * The "user" area loads no module itself: each test starts its own stratad
 * (build/user/stratad) with a private configuration in a temporary
 * directory, which also holds its socket, pidfile, record and log, and
 * the daemon loads what the configuration says from the build tree
 * (module_dir = the repository, policy_dir = build/bpf).  Every test
 * leaves no strata module loaded and nothing pinned under
 * /sys/fs/bpf/strata: its teardown runs in the harness's process
 * (FIXTURE_TEARDOWN_PARENT, an ASSERT in the test skips a plain teardown)
 * and its setup clears what a previous failed test may have left.
 *
 * Everything here returns 0 (or a count) on success and a negative errno
 * on failure unless it says otherwise.
 *
 * Groups of helpers:
 *   paths          ud_root(), ud_path(): the repository and its binaries
 *   programs       struct run, run_argv(): run a program as root or as
 *                  another user, capture its exit status and output;
 *                  CTL(), CTL_AS(), CTL_NODAEMON(): stratactl
 *   the daemon     struct ud, ud_init(), ud_config(), ud_start(),
 *                  ud_stop(), ud_kill9(), ud_wait(), ud_call(),
 *                  ud_log_tail(), ud_cleanup(), UD_SETUP()
 *   the kernel     mod_loaded(), mod_param(), mod_unload(), mod_insert(),
 *                  pins_count(), pins_total(), pin_link(),
 *                  bpf_count_progs(), bpf_count_maps(), bpf_count_links(),
 *                  ud_clean_kernel()
 *   JSON           json_of(), jget(), jstr(), jint(), jbool(), jlist(),
 *                  jfind()
 *   gangs, tiers   gang_make(), gang_state(), sleeper_start()
 */
#ifndef _STRATA_SELFTESTS_USER_COMMON_H
#define _STRATA_SELFTESTS_USER_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <strata.h>
#include <strata/gang.h>
#include <strata/tier.h>

#include "strata_test.h"
#include "ipc.h"

/* Paths and messages here are short; a truncated one fails a test. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define UD_NOBODY	65534
#define UD_START_MS	60000	/* start to a socket that answers */
#define UD_STOP_MS	60000	/* SIGTERM to exit (detaches under TCG) */
#define UD_WAIT_MS	30000	/* a reload or a command taking effect */
#define UD_NO_SOCKET	"/tmp/strata-no-such-dir/stratad.sock"
#define UD_BPF_ROOT	"/sys/fs/bpf/strata"
#define RUN_BUF		(1 << 16)
#define RUN_MS		120000	/* longest a stratactl or stratad -t may run */

/* The strata modules, in the order they unload (users first). */
static const char *const ud_modules[] = {
	"strata_gang", "strata_tier", "strata_cap",
};

/* STRATA_WAIT_UNTIL() of strata_test.h: poll every 20 ms. */
#define UD_WAIT_UNTIL(cond, ms) STRATA_WAIT_UNTIL(cond, ms)

/* ---- paths ------------------------------------------------------------- */

/* The repository: this binary is ROOT/build/selftests/user/NAME. */
static inline const char *ud_root(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX], up[PATH_MAX + 16];
	ssize_t n;

	if (root[0])
		return root;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return NULL;
	exe[n] = '\0';
	snprintf(up, sizeof(up), "%s/../../..", dirname(exe));
	if (!realpath(up, root))
		return NULL;
	return root;
}

/* ROOT/@rel in a static buffer (one of four, used in turn). */
static inline char *ud_path(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", ud_root(), rel);
	return p;
}

#define UD_STRATAD	ud_path("build/user/stratad")
#define UD_STRATACTL	ud_path("build/user/stratactl")
#define UD_POLICY(n)	ud_path("build/bpf/" n ".bpf.o")

/* ---- running programs -------------------------------------------------- */

struct run {
	int status;		/* exit status; 128+N: signal N; -1: no run */
	char out[RUN_BUF];
	char err[RUN_BUF];
};

/* Who a program runs as: uid, gid and supplementary groups. */
struct run_as {
	uid_t uid;
	gid_t gid;
	int nr_groups;
	gid_t groups[4];
};

static const struct run_as ud_nobody = { UD_NOBODY, UD_NOBODY, 0, { 0 } };

static inline struct run *run_new(void)
{
	return calloc(1, sizeof(struct run));
}

static inline void run_read(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Become @as (no capabilities left); 0 or -errno. */
static inline int run_become(const struct run_as *as)
{
	if (setgroups(as->nr_groups, as->groups) ||
	    setresgid(as->gid, as->gid, as->gid) ||
	    setresuid(as->uid, as->uid, as->uid))
		return -errno;
	return 0;
}

/*
 * Run @path with @argv (argv[0] included, NULL-terminated), as @as (NULL:
 * as the caller), with @env ("NAME=VALUE" or NULL) added to the
 * environment.  Fills @r; returns the exit status.
 */
static inline int run_argv(struct run *r, const struct run_as *as,
			   const char *env, const char *path,
			   char *const argv[])
{
	int out, err, status;
	long long deadline;
	sigset_t none;
	pid_t pid, ret;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	out = memfd_create("run-out", MFD_CLOEXEC);
	err = memfd_create("run-err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		goto out;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		if (as && run_become(as)) {
			dprintf(2, "cannot become uid %u: %s\n", as->uid,
				strerror(errno));
			_exit(127);
		}
		if (env)
			putenv((char *)env);
		execv(path, argv);
		dprintf(2, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	/* a program that hangs is killed: the test fails, the run goes on */
	deadline = strata_now_ms() + RUN_MS;
	for (;;) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid || ret < 0)
			break;
		if (strata_now_ms() >= deadline)
			kill(pid, SIGKILL);
		strata_sleep_ms(5);
	}
	if (ret == pid)
		r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
			    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
	run_read(out, r->out, sizeof(r->out));
	run_read(err, r->err, sizeof(r->err));
out:
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return r->status;
}

/* stratactl [-s @sock] @args... (@args NULL-terminated). */
static inline int ctl_run(struct run *r, const struct run_as *as,
			  const char *env, const char *sock,
			  char *const args[])
{
	char *argv[32] = { "stratactl" };
	int i = 1, j;

	if (sock) {
		argv[i++] = "-s";
		argv[i++] = (char *)sock;
	}
	for (j = 0; args[j] && i < 31; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	return run_argv(r, as, env, UD_STRATACTL, argv);
}

/* CTL(r, &self->d, "-j", "status"): stratactl against that daemon. */
#define CTL(r, d, ...) ctl_run(r, NULL, NULL, (d)->sock,		\
			       (char *const[]){ __VA_ARGS__, NULL })
/* The same as @as (e.g. &ud_nobody). */
#define CTL_AS(r, as, d, ...) ctl_run(r, as, NULL, (d)->sock,		\
				      (char *const[]){ __VA_ARGS__, NULL })
/* stratactl with a socket nobody listens on: no daemon. */
#define CTL_NODAEMON(r, ...) ctl_run(r, NULL, NULL, UD_NO_SOCKET,	\
				     (char *const[]){ __VA_ARGS__, NULL })
/* stratad @args... (-t, -h, ...). */
#define STRATAD(r, ...) run_argv(r, NULL, NULL, UD_STRATAD,		\
				 (char *const[]){ "stratad", __VA_ARGS__, NULL })

/* ---- files --------------------------------------------------------------- */

static inline int ud_write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

/* The whole of file @path (malloc'd, to be freed), or NULL. */
static inline char *ud_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static inline bool ud_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Remove @path and everything below it (bpffs: unpins); 0 or -errno. */
static inline int ud_rm_tree(const char *path)
{
	char sub[PATH_MAX + NAME_MAX + 2];
	struct dirent *e;
	struct stat st;
	int ret = 0;
	DIR *dir;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? -errno : 0;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (ud_rm_tree(sub))
			ret = -EIO;
	}
	closedir(dir);
	if (rmdir(path) && !ret)
		ret = -errno;
	return ret;
}

/* ---- the kernel: modules ----------------------------------------------- */

static inline bool mod_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return ud_exists(path);
}

/* /sys/module/@mod/parameters/@param into @buf; 0 or -errno. */
static inline int mod_param(const char *mod, const char *param, char *buf,
			    size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod,
		 param);
	return strata_read_str(path, buf, size);
}

/* The parameter as a number, or -1. */
static inline long mod_param_long(const char *mod, const char *param)
{
	char buf[64];

	if (mod_param(mod, param, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

/*
 * Unload @mod, retrying for @ms while it is busy (a detached struct_ops
 * drops its reference after an RCU grace period).  Never forced.
 */
static inline int mod_unload(const char *mod, long ms)
{
	return strata_mod_unload(mod, ms, 100);
}

/* Load ROOT/kmod/AREA/@mod.ko with @params, behind the daemon's back. */
static inline int mod_insert(const char *mod, const char *params)
{
	char rel[128];
	int fd, ret = 0;

	snprintf(rel, sizeof(rel), "kmod/%s/%s.ko", mod + strlen("strata_"),
		 mod);
	fd = open(ud_path(rel), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- the kernel: BPF ----------------------------------------------------- */

/* Entries of /sys/fs/bpf/strata/@policy/links, or -1 when it is absent. */
static inline int pins_count(const char *policy)
{
	char path[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), UD_BPF_ROOT "/%s/links", policy);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* Whether /sys/fs/bpf/strata/@policy exists at all. */
static inline bool policy_dir_exists(const char *policy)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), UD_BPF_ROOT "/%s", policy);
	return ud_exists(path);
}

/* Files (pins) anywhere below @path. */
static inline int pins_below(const char *path)
{
	char sub[PATH_MAX + NAME_MAX + 2];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *dir;

	if (lstat(path, &st))
		return 0;
	if (!S_ISDIR(st.st_mode))
		return 1;
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		n += pins_below(sub);
	}
	closedir(dir);
	return n;
}

static inline int pins_total(void)
{
	return pins_below(UD_BPF_ROOT);
}

/* The first link pin's file name in /sys/fs/bpf/strata/@policy/links. */
static inline int pin_first(const char *policy, char *name, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), UD_BPF_ROOT "/%s/links", policy);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name, size, "%s", e->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

/* The link pinned as /sys/fs/bpf/strata/@policy/links/@link: its info. */
static inline int pin_link(const char *policy, const char *link,
			   struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), UD_BPF_ROOT "/%s/links/%s", policy,
		 link);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_link_get_info_by_fd(fd, info, &len))
		ret = -errno;
	close(fd);
	return ret;
}

/* The id of the first link of @policy, or 0. */
static inline __u32 pin_first_id(const char *policy)
{
	struct bpf_link_info info;
	char name[256];

	if (pin_first(policy, name, sizeof(name)) ||
	    pin_link(policy, name, &info))
		return 0;
	return info.id;
}

/*
 * Loaded BPF programs whose name is @name (as the kernel keeps it: at
 * most 15 characters), or -errno.
 */
static inline int bpf_count_progs(const char *name)
{
	struct bpf_prog_info info;
	__u32 id = 0, len;
	int fd, n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, name, sizeof(info.name) - 1))
			n++;
		close(fd);
	}
	return errno == ENOENT ? n : -errno;
}

/* Maps named @name (struct_ops maps carry their variable's name). */
static inline int bpf_count_maps(const char *name)
{
	struct bpf_map_info info;
	__u32 id = 0, len;
	int fd, n = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (!bpf_map_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, name, sizeof(info.name) - 1))
			n++;
		close(fd);
	}
	return errno == ENOENT ? n : -errno;
}

/* Every BPF link in the system. */
static inline int bpf_count_links(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_link_get_next_id(id, &id))
		n++;
	return errno == ENOENT ? n : -errno;
}

/* Mount the BPF file system on /sys/fs/bpf if it is not. */
static inline int ud_bpffs(void)
{
	struct statfs fs;

	if (!statfs("/sys/fs/bpf", &fs) && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (syscall(SYS_mount, "bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return -errno;
	return 0;
}

/*
 * What a test (or a failed one before it) may have left: every pin under
 * /sys/fs/bpf/strata (unpinning destroys a link nobody else holds) and
 * every strata module.  0 when all is gone.
 */
static inline int ud_clean_kernel(void)
{
	size_t i;
	int ret;

	ret = ud_rm_tree(UD_BPF_ROOT);
	for (i = 0; i < sizeof(ud_modules) / sizeof(ud_modules[0]); i++)
		if (mod_unload(ud_modules[i], 10000) && !ret)
			ret = -EBUSY;
	return ret;
}

/* No strata module loaded, nothing pinned. */
static inline bool ud_kernel_clean(void)
{
	size_t i;

	for (i = 0; i < sizeof(ud_modules) / sizeof(ud_modules[0]); i++)
		if (mod_loaded(ud_modules[i]))
			return false;
	return pins_total() == 0;
}

/* ---- JSON -------------------------------------------------------------- */

/* A string for EXPECT_STREQ(): "(null)" for NULL. */
#define UD_S(s) ({ const char *__s = (s); __s ? __s : "(null)"; })

/* The JSON value that is the whole of @text (to be put), or NULL. */
static inline struct json_object *json_of(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t len = strlen(text);

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	obj = json_tokener_parse_ex(tok, text, len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* @obj's @path ("daemon.pid": keys separated by dots), or NULL. */
static inline struct json_object *jget(struct json_object *obj,
				       const char *path)
{
	char key[128];
	const char *dot;

	while (obj && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? dot - path : (long)strlen(path)), path);
		if (!json_object_is_type(obj, json_type_object) ||
		    !json_object_object_get_ex(obj, key, &obj))
			return NULL;
		path = dot ? dot + 1 : "";
	}
	return obj;
}

/* The string at @path, or NULL when it is absent or not a string. */
static inline const char *jstr(struct json_object *obj, const char *path)
{
	obj = jget(obj, path);
	return json_object_is_type(obj, json_type_string) ?
	       json_object_get_string(obj) : NULL;
}

/* The integer at @path, or LLONG_MIN when absent or not an integer. */
static inline long long jint(struct json_object *obj, const char *path)
{
	obj = jget(obj, path);
	return json_object_is_type(obj, json_type_int) ?
	       json_object_get_int64(obj) : LLONG_MIN;
}

/* 1 or 0 for a boolean at @path, -1 for anything else. */
static inline int jbool(struct json_object *obj, const char *path)
{
	obj = jget(obj, path);
	return json_object_is_type(obj, json_type_boolean) ?
	       json_object_get_boolean(obj) : -1;
}

static inline bool jnull(struct json_object *obj, const char *path)
{
	/* present, with the value null */
	return json_object_is_type(obj, json_type_object) &&
	       json_object_object_get_ex(obj, path, &obj) && !obj;
}

/*
 * The list a command printed: @root itself when it is an array, else its
 * member @key ({"modules": [...]}); NULL when neither is one.
 */
static inline struct json_object *jlist(struct json_object *root,
					const char *key)
{
	if (json_object_is_type(root, json_type_array))
		return root;
	root = jget(root, key);
	return json_object_is_type(root, json_type_array) ? root : NULL;
}

/* The element of array @arr whose string @key is @val, or NULL. */
static inline struct json_object *jfind(struct json_object *arr,
					const char *key, const char *val)
{
	size_t i, n;

	if (!json_object_is_type(arr, json_type_array))
		return NULL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s = jstr(e, key);

		if (s && !strcmp(s, val))
			return e;
	}
	return NULL;
}

/* A module in a list, named "strata_cap" (or, leniently, "cap"). */
static inline struct json_object *jfind_module(struct json_object *arr,
					       const char *mod)
{
	struct json_object *e = jfind(arr, "name", mod);

	return e ? e : jfind(arr, "name", mod + strlen("strata_"));
}

/* The "owner" of module @mod in module.list's reply @j, or "(null)". */
static inline const char *jmodule_owner(struct json_object *j,
					const char *mod)
{
	return UD_S(jstr(jfind_module(jlist(j, "modules"), mod), "owner"));
}

/* ---- the daemon -------------------------------------------------------- */

struct ud {
	char dir[64];		/* /tmp/strata-ud-XXXXXX, mode 0755 */
	char conf[128];
	char sock[128];
	char pidfile[128];
	char state[128];
	char log[128];		/* the daemon's stdout and stderr */
	pid_t pid;		/* the running daemon, or 0 */
	int status;		/* its exit status (128+N: signal N) */
};

/* A private directory and the paths in it. */
static inline int ud_init(struct ud *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/strata-ud-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	/* the unprivileged clients must reach the socket */
	if (chmod(d->dir, 0755))
		return -errno;
	snprintf(d->conf, sizeof(d->conf), "%s/stratad.conf", d->dir);
	snprintf(d->sock, sizeof(d->sock), "%s/stratad.sock", d->dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/stratad.pid", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/stratad.state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/stratad.log", d->dir);
	return 0;
}

/*
 * The configuration: [daemon] with this test's socket, pidfile, record,
 * module_dir (the repository) and policy_dir (build/bpf), then @fmt.  Its
 * first lines, before a section header, are more [daemon] keys.
 */
static inline int ud_config(struct ud *d, const char *fmt, ...)
{
	char *text, *extra;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&extra, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	ret = asprintf(&text,
		       "# written by a strata selftest\n"
		       "[daemon]\n"
		       "socket = %s\n"
		       "pidfile = %s\n"
		       "state = %s\n"
		       "module_dir = %s\n"
		       "policy_dir = %s\n"
		       "%s",
		       d->sock, d->pidfile, d->state, ud_root(),
		       ud_path("build/bpf"), extra);
	free(extra);
	if (ret < 0)
		return -ENOMEM;
	ret = ud_write_file(d->conf, text);
	free(text);
	return ret;
}

/*
 * One request on a new connection to @sock: @fmt is the request's JSON.
 * The reply when it says ok (to be put); else NULL, the errno in *@err
 * (negative) and the daemon's sentence in @msg (may be NULL).
 */
static inline struct json_object *ud_callv(const char *sock, int *err,
					   char *msg, size_t msglen,
					   const char *fmt, va_list ap)
{
	struct json_object *req, *reply;
	char text[4096], dummy[256];
	int fd;

	if (!msg) {
		msg = dummy;
		msglen = sizeof(dummy);
	}
	msg[0] = '\0';
	vsnprintf(text, sizeof(text), fmt, ap);
	req = json_tokener_parse(text);
	if (!req) {
		*err = -EINVAL;
		snprintf(msg, msglen, "test bug: bad JSON %.200s", text);
		return NULL;
	}
	fd = ipc_connect(sock);
	if (fd < 0) {
		json_object_put(req);
		*err = fd;
		snprintf(msg, msglen, "connect %s: %s", sock, strerror(-fd));
		return NULL;
	}
	reply = ipc_call(fd, req, err, msg, msglen);
	close(fd);
	return reply;
}

static inline struct json_object *ud_call(const struct ud *d, int *err,
					  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline struct json_object *ud_call(const struct ud *d, int *err,
					  const char *fmt, ...)
{
	struct json_object *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = ud_callv(d->sock, err, NULL, 0, fmt, ap);
	va_end(ap);
	return reply;
}

/* The errno (negative) a request gets; 0 when it succeeds. */
static inline int ud_errno(const struct ud *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int ud_errno(const struct ud *d, const char *fmt, ...)
{
	struct json_object *reply;
	va_list ap;
	int err;

	va_start(ap, fmt);
	reply = ud_callv(d->sock, &err, NULL, 0, fmt, ap);
	va_end(ap);
	json_object_put(reply);
	return reply ? 0 : err;
}

/* The daemon's status reply, or NULL. */
static inline struct json_object *ud_status(const struct ud *d)
{
	int err;

	return ud_call(d, &err, "{\"cmd\":\"status\"}");
}

/*
 * Wait up to @ms for our daemon child to exit; its status (128+N for
 * signal N), or -ETIMEDOUT.
 */
static inline int ud_wait(struct ud *d, long ms)
{
	return strata_wait_pid(&d->pid, &d->status, ms, 20);
}

/* Start stratad -c CONF [@arg] in the background, its output to the log. */
static inline int ud_spawn(struct ud *d, const char *arg)
{
	sigset_t none;
	int fd;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		execl(UD_STRATAD, "stratad", "-c", d->conf, arg, (char *)NULL);
		dprintf(2, "exec %s: %s\n", UD_STRATAD, strerror(errno));
		_exit(127);
	}
	d->pid = pid;
	d->status = -1;
	return 0;
}

/*
 * Wait until the daemon answers "status" on its socket: 0; -ECHILD when
 * it exited first (its status in d->status); -ETIMEDOUT after @ms, when
 * it is killed.
 */
static inline int ud_ready(struct ud *d, long ms)
{
	long long deadline = strata_now_ms() + ms;
	struct json_object *st;

	for (;;) {
		st = ud_status(d);
		if (st) {
			json_object_put(st);
			return 0;
		}
		if (ud_wait(d, 0) >= 0)
			return -ECHILD;
		if (strata_now_ms() >= deadline)
			break;
		strata_sleep_ms(50);
	}
	kill(d->pid, SIGKILL);
	ud_wait(d, 5000);
	return -ETIMEDOUT;
}

/* Start the daemon and wait until it answers; see ud_ready(). */
static inline int ud_start(struct ud *d)
{
	int ret = ud_spawn(d, NULL);

	return ret ? ret : ud_ready(d, UD_START_MS);
}

/* SIGTERM and wait: its exit status, or -ETIMEDOUT (then it is killed). */
static inline int ud_stop(struct ud *d)
{
	int ret;

	if (d->pid <= 0)
		return -ESRCH;
	kill(d->pid, SIGTERM);
	ret = ud_wait(d, UD_STOP_MS);
	if (ret == -ETIMEDOUT) {
		kill(d->pid, SIGKILL);
		ud_wait(d, 5000);
	}
	return ret;
}

/* SIGKILL: nothing of the daemon's runs. */
static inline int ud_kill9(struct ud *d)
{
	if (d->pid <= 0)
		return -ESRCH;
	kill(d->pid, SIGKILL);
	return ud_wait(d, 10000) == 128 + SIGKILL ? 0 : -EIO;
}

/* The last bytes of the daemon's log, for TH_LOG(). */
static inline const char *ud_log_tail(const struct ud *d)
{
	static char tail[3072];
	int fd = open(d->log, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t n;

	tail[0] = '\0';
	if (fd < 0)
		return "(no log)";
	end = lseek(fd, 0, SEEK_END);
	n = pread(fd, tail, sizeof(tail) - 1,
		  end > (off_t)sizeof(tail) - 1 ? end - (sizeof(tail) - 1) :
						  0);
	close(fd);
	tail[n > 0 ? n : 0] = '\0';
	return tail;
}

/* Whether the daemon's log holds @s. */
static inline bool ud_log_has(const struct ud *d, const char *s)
{
	char *log = ud_slurp(d->log);
	bool has = log && strstr(log, s);

	free(log);
	return has;
}

/* Wait up to @ms for process @pid (not necessarily a child) to end. */
static inline bool ud_pid_gone(pid_t pid, long ms)
{
	struct pollfd p = { .events = POLLIN };
	bool gone;

	p.fd = syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return errno == ESRCH;
	gone = poll(&p, 1, ms) == 1;
	close(p.fd);
	waitpid(pid, NULL, WNOHANG);	/* when it was our child */
	return gone;
}

/*
 * The teardown: stop a daemon still running (also from another process
 * than its parent: SIGTERM, then SIGKILL), unpin and unload what is left,
 * remove the directory.  0 when the kernel was left clean by the test.
 */
static inline int ud_cleanup(struct ud *d)
{
	bool clean;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (!ud_pid_gone(d->pid, UD_STOP_MS)) {
			kill(d->pid, SIGKILL);
			ud_pid_gone(d->pid, 5000);
		}
		d->pid = 0;
	}
	clean = ud_kernel_clean();
	ud_clean_kernel();
	if (d->dir[0])
		ud_rm_tree(d->dir);
	return clean ? 0 : -EBUSY;
}

/* The first of the NULL-terminated @progs that cannot run, or NULL. */
static inline const char *ud_missing(const char *const progs[])
{
	for (; *progs; progs++)
		if (access(*progs, X_OK))
			return *progs;
	return NULL;
}

/*
 * The start of every fixture's setup, ASSERTs in the caller's test: the
 * programs named (UD_STRATAD, UD_STRATACTL) are built, the BPF file system
 * is mounted, nothing a previous test left is loaded or pinned, and @d is
 * a new private directory.
 */
#define UD_SETUP(d, ...) do {						\
	const char *__missing =						\
		ud_missing((const char *const[]){ __VA_ARGS__, NULL });	\
									\
	ASSERT_EQ(NULL, __missing) TH_LOG("no %s (make user)", __missing); \
	ASSERT_EQ(0, ud_bpffs());					\
	ASSERT_EQ(0, ud_clean_kernel())					\
		TH_LOG("strata modules or pins left that cannot be removed"); \
	ASSERT_EQ(0, ud_init(d));					\
} while (0)

/* ---- gangs and registrations ------------------------------------------- */

struct ud_gang {
	int dev;		/* /dev/strata/gang */
	int table;		/* our handle table */
	__u32 handle;
	__u64 koid;
};

/* A gang of 2 members of 1 GPU, created here and never joined. */
static inline int gang_make(struct ud_gang *g)
{
	struct strata_gang_create c;
	struct strata_gang_info info;
	int ret;

	memset(g, 0, sizeof(*g));
	g->dev = g->table = -1;
	g->dev = open(STRATA_GANG_DEV, O_RDWR | O_CLOEXEC);
	if (g->dev < 0)
		return -errno;
	g->table = strata_cap_open(O_CLOEXEC);
	if (g->table < 0)
		return g->table;
	memset(&c, 0, sizeof(c));
	c.nr_members = 2;
	c.gpus_per_member = 1;
	ret = strata_gang_create(g->dev, g->table, &c, &g->handle);
	if (ret)
		return ret;
	ret = strata_gang_info(g->dev, g->table, g->handle, &info);
	if (ret)
		return ret;
	g->koid = info.koid;
	return 0;
}

/* The gang's state (STRATA_GANG_*), abort reason in *@reason; or -errno. */
static inline int gang_state(const struct ud_gang *g, __u32 *reason)
{
	struct strata_gang_info info;
	int ret = strata_gang_info(g->dev, g->table, g->handle, &info);

	if (ret)
		return ret;
	if (reason)
		*reason = info.abort_reason;
	return info.state;
}

static inline void gang_drop(struct ud_gang *g)
{
	if (g->table >= 0)
		close(g->table);
	if (g->dev >= 0)
		close(g->dev);
	g->table = g->dev = -1;
}

/* A child that sleeps until killed: something to register with tier. */
static inline pid_t sleeper_start(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static inline void sleeper_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Whether tier registration @id exists (via /dev/strata/tier). */
static inline int tier_has(__u32 id)
{
	__u32 ids[64];
	int fd, n, i, found = 0;

	fd = strata_tier_open();
	if (fd < 0)
		return fd;
	n = strata_tier_list(fd, ids, 64);
	for (i = 0; i < n && i < 64; i++)
		if (ids[i] == id)
			found = 1;
	close(fd);
	return n < 0 ? n : found;
}

/* The number of tier registrations, or -errno. */
static inline int tier_count(void)
{
	int fd = strata_tier_open(), n;
	__u32 ids[64];

	if (fd < 0)
		return fd;
	n = strata_tier_list(fd, ids, 64);
	close(fd);
	return n;
}

#endif /* _STRATA_SELFTESTS_USER_COMMON_H */
