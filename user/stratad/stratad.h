/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stratad - definitions shared by the daemon's files
 *
 * Documentation/stratad.rst is the specification: configuration keys,
 * lifetime, protocol.
 */
#ifndef _STRATAD_H
#define _STRATAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <json-c/json.h>

#include "util.h"

struct kmod_module;

#define STRATA_BPF_ROOT		"/sys/fs/bpf/strata"
#define POLICY_NAME_MAX		32
/*
 * Every function that can fail for a reason a user must read fills a
 * buffer of this size with a sentence.
 */
#define MSG_LEN			512

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* ---- log.c ---------------------------------------------------------- */

enum log_level {
	LOG_LVL_ERR	= 3,
	LOG_LVL_WARN	= 4,
	LOG_LVL_INFO	= 6,
	LOG_LVL_DEBUG	= 7,
};

void log_init(bool verbose);
bool log_verbose(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* ---- the modules stratad knows, in dependency order ------------------ */

enum strata_module {
	MOD_CAP,
	MOD_TIER,
	MOD_GANG,
	NR_MODULES,
};

extern const char *const module_names[NR_MODULES];

/* The module of that name, or -1. */
int module_by_name(const char *name);

/* ---- config.c ------------------------------------------------------- */

struct conf_param {
	char *name;
	char *value;		/* as the kernel takes it (bools: Y or N) */
	int line;
};

struct conf_module {
	bool present;		/* the section exists */
	bool load;
	int line;		/* of the section header */
	struct conf_param *params;
	size_t nr_params;
};

struct conf_policy {
	char name[POLICY_NAME_MAX + 1];
	char *file;		/* resolved: absolute, or policy_dir/file */
	bool file_set;
	bool attach;
	int line;
	int file_line;
};

struct config {
	char *path;
	char *socket;
	char *pidfile;
	char *state;
	char *admin_group;	/* "" for root only */
	gid_t admin_gid;
	char *module_dir;	/* "" for the installed modules */
	char *policy_dir;
	bool unload_on_stop;
	struct conf_module modules[NR_MODULES];
	struct conf_policy *policies;
	size_t nr_policies;
};

/* Errors of a configuration, each "FILE:LINE: [section] key: message". */
struct conf_errors {
	char **text;
	size_t nr;
};

/*
 * Read and check @path; a missing file is an empty configuration unless
 * @must_exist. NULL when it has errors, all of them in @errs.
 */
struct config *config_load(const char *path, bool must_exist,
			   struct conf_errors *errs);
void config_free(struct config *conf);
void conf_errors_free(struct conf_errors *errs);
const struct conf_policy *config_policy(const struct config *conf,
					const char *name);

/* Whether @s is a boolean word; its value in *@val. */
bool parse_bool(const char *s, bool *val);

/* ---- modules.c ------------------------------------------------------ */

struct mod_parm {
	char name[64];
	char type[16];		/* "" when the module declares none */
};

int modules_init(void);
void modules_exit(void);

/* Find module @m (in @module_dir, or by name when that is empty). */
int module_find(const char *module_dir, enum strata_module m,
		struct kmod_module **mod, char *msg);
/* The parameters @mod declares; the count, or -errno. */
int module_parms(struct kmod_module *mod, struct mod_parm **parms);
/* The strata modules @m needs (modinfo "depends"). */
int module_deps(const char *module_dir, enum strata_module m,
		bool deps[NR_MODULES], char *msg);
bool module_loaded(enum strata_module m);
/* Insert @m alone, with the parameters of @cm (may be NULL). */
int module_insert(const char *module_dir, enum strata_module m,
		  const struct conf_module *cm, char *msg);
/*
 * For a loaded module: write the configured writable parameters that
 * differ, log the read-only ones that differ. Returns how many failed.
 */
int module_apply_params(enum strata_module m, const struct conf_module *cm);
int module_remove(enum strata_module m, char *msg);
/* {name: value} of /sys/module/M/parameters, or NULL if not loaded. */
struct json_object *module_params_json(enum strata_module m);
/* 0 when /sys/module/M/parameters/@key is writable, else -errno. */
int module_param_writable(enum strata_module m, const char *key);
int module_param_write(enum strata_module m, const char *key,
		       const char *value);

/* ---- policy.c ------------------------------------------------------- */

/* What stratad attached: enough to detach it without the object. */
struct policy_rec {
	char name[POLICY_NAME_MAX + 1];
	char *file;
	char **links;		/* in attach order */
	size_t nr_links;
	char **maps;		/* pinned by the object, in its directory */
	size_t nr_maps;
	bool configured;	/* attached because the configuration says so */
	bool pending;		/* being attached: what pins exist are ours */
};

bool policy_name_valid(const char *name);
int bpffs_ensure(void);
/* Whether /sys/fs/bpf/strata/NAME exists (anyone's). */
bool policy_dir_exists(const char *name);
bool policy_links_exist(const char *name);
int policy_attach(const char *name, const char *file, struct policy_rec *rec,
		  char *msg);
int policy_detach(const struct policy_rec *rec, char *msg);
void policy_rec_clear(struct policy_rec *rec);
/* [{name, id, prog_id, type}] of the link pins of @name. */
struct json_object *policy_links_json(const char *name);
/* Names of the directories under /sys/fs/bpf/strata; the count. */
int policy_dirs(char ***names);

/* ---- state.c -------------------------------------------------------- */

struct record {
	bool modules[NR_MODULES];	/* loaded by this daemon */
	struct policy_rec *policies;	/* attached by this daemon */
	size_t nr_policies;
};

int state_load(const char *path, struct record *rec);
int state_save(const char *path, const struct record *rec);
void record_free(struct record *rec);
bool record_has_modules(const struct record *rec);
struct policy_rec *record_policy(struct record *rec, const char *name);
int record_add_policy(struct record *rec, struct policy_rec *p);
void record_del_policy(struct record *rec, const char *name);

/* ---- daemon.c: what the signals and the commands share --------------- */

struct daemon {
	const char *config_path;
	bool config_given;
	struct config *conf;
	struct record rec;
	time_t started;
	int pid_fd;
	int listen_fd;
	int epoll_fd;
	int signal_fd;
	bool stopping;
};

extern struct daemon stratad;

int daemon_start(void);
/* Reread the configuration; -EINVAL (and @errs) when it is invalid. */
int daemon_reload(struct conf_errors *errs);
void daemon_stop(void);
void daemon_save(void);
void daemon_notify_status(void);

int daemon_module_load(enum strata_module m, char *msg);
int daemon_module_unload(enum strata_module m, char *msg);
int daemon_policy_attach(const char *name, const char *file, bool configured,
			 char *msg);
int daemon_policy_detach(const char *name, char *msg);

struct json_object *daemon_modules_json(void);
struct json_object *daemon_policy_json(const char *name);
struct json_object *daemon_policies_json(void);

/* ---- server.c ------------------------------------------------------- */

struct client {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;
	int nr_groups;
	bool admin;		/* when it connected: for the limits */
	time_t last;		/* CLOCK_MONOTONIC s of its last request */
	struct client *next;
};

int server_open(const char *path, char *msg);
void server_close(const char *path);
void server_accept(void);
/* Serve one request of @c; false when the connection is done. */
bool server_serve(struct client *c);
void client_free(struct client *c);
/* Close the connections that have been idle too long. */
void server_sweep(void);

/* Command handlers: a reply for @req. */
typedef struct json_object *(*cmd_fn)(const struct client *c,
				      struct json_object *req);

struct json_object *cmd_status(const struct client *c, struct json_object *r);
struct json_object *cmd_module_list(const struct client *c,
				    struct json_object *r);
struct json_object *cmd_module_load(const struct client *c,
				    struct json_object *r);
struct json_object *cmd_module_unload(const struct client *c,
				      struct json_object *r);
struct json_object *cmd_policy_list(const struct client *c,
				    struct json_object *r);
struct json_object *cmd_policy_attach(const struct client *c,
				      struct json_object *r);
struct json_object *cmd_policy_detach(const struct client *c,
				      struct json_object *r);
struct json_object *cmd_reload(const struct client *c, struct json_object *r);
struct json_object *cmd_tier_add(const struct client *c,
				 struct json_object *r);
struct json_object *cmd_tier_remove(const struct client *c,
				    struct json_object *r);
struct json_object *cmd_tier_quota(const struct client *c,
				   struct json_object *r);
struct json_object *cmd_tier_nodes(const struct client *c,
				   struct json_object *r);
struct json_object *cmd_tier_set(const struct client *c,
				 struct json_object *r);
struct json_object *cmd_gang_kill(const struct client *c,
				  struct json_object *r);

/*
 * Arguments of a request: 0, -ENOENT when absent (and not @required: the
 * caller keeps its default), or an EINVAL reply in *@reply.
 */
int arg_string(struct json_object *req, const char *key, bool required,
	       const char **val, struct json_object **reply);
int arg_u64(struct json_object *req, const char *key, bool required,
	    unsigned long long max, unsigned long long *val,
	    struct json_object **reply);

/* An ENODEV reply when module @m is not loaded, else NULL. */
struct json_object *need_module(enum strata_module m);

/* ---- small helpers (util.c) ----------------------------------------- */

char *xstrdup(const char *s);
/* Fill @msg (MSG_LEN bytes) with a sentence. */
void msgf(char *msg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mkdir_p(const char *path, mode_t mode);
int write_file(const char *path, const char *text);

#endif /* _STRATAD_H */
