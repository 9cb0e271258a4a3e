// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - lifetime: start (adopt, load, attach), reload, stop; and the
 * operations the signals and the socket's commands share
 *
 * The kernel holds everything (modules, link pins); the record says which
 * of it this daemon set up, and is saved after every change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "stratad.h"

struct daemon stratad = {
	.pid_fd = -1,
	.listen_fd = -1,
	.epoll_fd = -1,
	.signal_fd = -1,
};

void daemon_save(void)
{
	int err = state_save(stratad.conf->state, &stratad.rec);

	if (err)
		pr_err("cannot write the record %s: %s", stratad.conf->state,
		       strerror(-err));
}

void daemon_notify_status(void)
{
	char mods[128] = "", pols[1024] = "";
	size_t i, len;
	int m;

	for (m = 0; m < NR_MODULES; m++) {
		if (!module_loaded(m))
			continue;
		len = strlen(mods);
		snprintf(mods + len, sizeof(mods) - len, "%s%s",
			 len ? " " : "", module_names[m]);
	}
	for (i = 0; i < stratad.rec.nr_policies; i++) {
		len = strlen(pols);
		snprintf(pols + len, sizeof(pols) - len, "%s%s",
			 len ? " " : "", stratad.rec.policies[i].name);
	}
	sd_notifyf(0, "STATUS=modules: %s; policies: %s",
		   *mods ? mods : "none", *pols ? pols : "none");
}

/* ---- modules ---------------------------------------------------------- */

int daemon_module_load(enum strata_module m, char *msg)
{
	const struct conf_module *cm = &stratad.conf->modules[m];
	bool deps[NR_MODULES];
	int d, err;

	if (module_loaded(m)) {
		msgf(msg, "%s is already loaded", module_names[m]);
		return -EEXIST;
	}
	err = module_deps(stratad.conf->module_dir, m, deps, msg);
	if (err)
		return err;
	for (d = 0; d < NR_MODULES; d++) {
		if (!deps[d] || module_loaded(d))
			continue;
		err = daemon_module_load(d, msg);
		if (err)
			return err;
	}
	/* Recorded first: killed during the load, the next stratad adopts it. */
	stratad.rec.modules[m] = true;
	daemon_save();
	err = module_insert(stratad.conf->module_dir, m,
			    cm->present ? cm : NULL, msg);
	if (err) {
		stratad.rec.modules[m] = false;
		daemon_save();
		return err;
	}
	pr_info("loaded %s", module_names[m]);
	return 0;
}

int daemon_module_unload(enum strata_module m, char *msg)
{
	int err = module_remove(m, msg);

	if (err)
		return err;
	pr_info("unloaded %s", module_names[m]);
	stratad.rec.modules[m] = false;
	daemon_save();
	return 0;
}

/* ---- policies --------------------------------------------------------- */

int daemon_policy_attach(const char *name, const char *file, bool configured,
			 char *msg)
{
	struct policy_rec p;
	int err;

	if (record_policy(&stratad.rec, name)) {
		msgf(msg, "policy %s is already attached", name);
		return -EEXIST;
	}
	/*
	 * Recorded before the directory that claims the name exists, so
	 * that a stratad killed during the attach leaves a record of it:
	 * the next one removes what it finds of the attach (adopt()).
	 */
	memset(&p, 0, sizeof(p));
	strcpy(p.name, name);
	p.file = xstrdup(file);
	p.pending = true;
	if (record_add_policy(&stratad.rec, &p)) {
		policy_rec_clear(&p);
		msgf(msg, "out of memory");
		return -ENOMEM;
	}
	daemon_save();
	err = policy_attach(name, file, &p, msg);
	record_del_policy(&stratad.rec, name);
	if (err) {
		daemon_save();
		return err;
	}
	p.configured = configured;
	pr_info("attached policy %s (%s, %zu link%s)", name, file, p.nr_links,
		p.nr_links == 1 ? "" : "s");
	if (record_add_policy(&stratad.rec, &p)) {
		/* without a record it cannot be detached later: undo */
		policy_detach(&p, msg);
		policy_rec_clear(&p);
		msgf(msg, "out of memory");
		return -ENOMEM;
	}
	daemon_save();
	return 0;
}

int daemon_policy_detach(const char *name, char *msg)
{
	struct policy_rec *p = record_policy(&stratad.rec, name);
	int err;

	if (!p) {
		if (policy_dir_exists(name)) {
			msgf(msg,
			     "policy %s was not attached by stratad: it is left alone",
			     name);
			return -EBUSY;
		}
		msgf(msg, "policy %s is not attached", name);
		return -ENOENT;
	}
	err = policy_detach(p, msg);
	if (err)
		return err;
	pr_info("detached policy %s", name);
	record_del_policy(&stratad.rec, name);
	daemon_save();
	return 0;
}

/* ---- bringing the kernel in line with the configuration ---------------- */

/* What a start did, to undo it when the start fails. */
struct undo {
	bool had_module[NR_MODULES];
	char (*policies)[POLICY_NAME_MAX + 1];
	size_t nr_policies;
};

static void undo_note_policy(struct undo *u, const char *name)
{
	char (*tmp)[POLICY_NAME_MAX + 1];

	if (!u)
		return;
	tmp = realloc(u->policies, (u->nr_policies + 1) * sizeof(*tmp));
	if (!tmp)
		return;
	u->policies = tmp;
	strcpy(tmp[u->nr_policies++], name);
}

static void undo_run(struct undo *u)
{
	char msg[MSG_LEN];
	size_t i;
	int m;

	for (i = u->nr_policies; i-- > 0;)
		if (daemon_policy_detach(u->policies[i], msg))
			pr_err("%s", msg);
	for (m = NR_MODULES - 1; m >= 0; m--)
		if (stratad.rec.modules[m] && !u->had_module[m] &&
		    daemon_module_unload(m, msg))
			pr_err("%s", msg);
}

/*
 * Load the configured modules, set their parameters, attach the
 * configured policies, detach those no longer configured. With @u (at
 * start) the first failure stops it and is returned; without (reload)
 * failures are logged and the next item is tried.
 */
static int daemon_sync(struct undo *u)
{
	const struct config *c = stratad.conf;
	char msg[MSG_LEN];
	size_t i;
	int m, err, ret = 0;

	for (m = 0; m < NR_MODULES; m++) {
		const struct conf_module *cm = &c->modules[m];

		if (!cm->present || !cm->load)
			continue;
		if (module_loaded(m)) {
			module_apply_params(m, cm);
			continue;
		}
		err = daemon_module_load(m, msg);
		if (err) {
			pr_err("%s", msg);
			if (u)
				return err;
			ret = ret ?: err;
		}
	}

	/* no longer configured: detach what the configuration attached */
	for (i = 0; i < stratad.rec.nr_policies;) {
		struct policy_rec *p = &stratad.rec.policies[i];
		const struct conf_policy *cp = config_policy(c, p->name);

		if (!p->configured || (cp && cp->attach)) {
			i++;
			continue;
		}
		pr_info("policy %s is no longer configured", p->name);
		err = daemon_policy_detach(p->name, msg);
		if (err) {
			pr_err("%s", msg);
			p->configured = false;	/* do not try again */
			i++;
			ret = ret ?: err;
		}
	}

	for (i = 0; i < c->nr_policies; i++) {
		const struct conf_policy *cp = &c->policies[i];
		struct policy_rec *p = record_policy(&stratad.rec, cp->name);

		if (!cp->attach)
			continue;
		if (p && !strcmp(p->file, cp->file)) {
			p->configured = true;
			continue;
		}
		if (p) {
			pr_info("policy %s: file changed to %s, attaching again",
				cp->name, cp->file);
			err = daemon_policy_detach(cp->name, msg);
			if (err) {
				pr_err("%s", msg);
				ret = ret ?: err;
				continue;
			}
		} else if (policy_dir_exists(cp->name)) {
			pr_warn("policy %s is attached by something else (%s/%s): left alone",
				cp->name, STRATA_BPF_ROOT, cp->name);
			continue;
		}
		err = daemon_policy_attach(cp->name, cp->file, true, msg);
		if (err) {
			pr_err("policy %s: %s", cp->name, msg);
			if (u)
				return err;
			ret = ret ?: err;
			continue;
		}
		undo_note_policy(u, cp->name);
	}
	daemon_save();
	return ret;
}

/* Keep from the record what still exists in the kernel. */
static void adopt(void)
{
	struct record *rec = &stratad.rec;
	size_t i;
	int m, err;

	err = state_load(stratad.conf->state, rec);
	if (err) {
		pr_warn("ignoring the record %s: %s", stratad.conf->state,
			err == -EBADMSG ? "not a valid record" : strerror(-err));
		record_free(rec);
	}
	for (m = 0; m < NR_MODULES; m++) {
		if (!rec->modules[m])
			continue;
		if (module_loaded(m)) {
			pr_info("adopted %s (loaded by an earlier stratad)",
				module_names[m]);
		} else {
			pr_info("%s is no longer loaded: dropped from the record",
				module_names[m]);
			rec->modules[m] = false;
		}
	}
	for (i = 0; i < rec->nr_policies;) {
		const char *name = rec->policies[i].name;

		if (rec->policies[i].pending) {
			char msg[MSG_LEN];

			if (policy_dir_exists(name) &&
			    policy_detach(&rec->policies[i], msg))
				pr_err("%s", msg);
			pr_info("policy %s: an earlier stratad died attaching it: removed what it left",
				name);
			record_del_policy(rec, name);
		} else if (policy_links_exist(name)) {
			pr_info("adopted policy %s (attached by an earlier stratad)",
				name);
			i++;
		} else {
			pr_info("policy %s is no longer attached: dropped from the record",
				name);
			record_del_policy(rec, name);
		}
	}
}

int daemon_start(void)
{
	struct undo u = { 0 };
	char msg[MSG_LEN];
	int err;

	stratad.started = time(NULL);
	err = bpffs_ensure();
	if (err)
		return err;
	adopt();
	daemon_save();
	memcpy(u.had_module, stratad.rec.modules, sizeof(u.had_module));
	for (err = 0; err < NR_MODULES; err++)
		u.had_module[err] = u.had_module[err] || module_loaded(err);

	err = daemon_sync(&u);
	if (!err) {
		err = server_open(stratad.conf->socket, msg);
		if (err)
			pr_err("%s", msg);
	}
	if (err) {
		undo_run(&u);
		daemon_save();
	}
	free(u.policies);
	return err;
}

static unsigned long long monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

int daemon_reload(struct conf_errors *errs)
{
	struct config *old = stratad.conf, *c;
	size_t i;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", monotonic_usec());
	pr_info("reloading %s", stratad.config_path);
	c = config_load(stratad.config_path, stratad.config_given, errs);
	if (!c) {
		for (i = 0; i < errs->nr; i++)
			pr_err("%s", errs->text[i]);
		pr_err("the configuration has %zu error%s: keeping the old one",
		       errs->nr, errs->nr == 1 ? "" : "s");
		sd_notify(0, "READY=1");
		return -EINVAL;
	}
	/* where the daemon lives changes only at the next start */
#define KEEP(field)							\
	do {								\
		if (strcmp(c->field, old->field))			\
			pr_warn("[daemon] " #field " changes at the next start"); \
		free(c->field);						\
		c->field = xstrdup(old->field);				\
	} while (0)
	KEEP(socket);
	KEEP(pidfile);
	KEEP(state);
#undef KEEP
	stratad.conf = c;
	config_free(old);
	daemon_sync(NULL);
	sd_notify(0, "READY=1");
	daemon_notify_status();
	return 0;
}

void daemon_stop(void)
{
	const struct config *c = stratad.conf;
	char msg[MSG_LEN];
	size_t i;
	int m;

	sd_notify(0, "STOPPING=1");
	/* Newest first; what fails to detach stays in the record. */
	for (i = stratad.rec.nr_policies; i-- > 0;) {
		if (daemon_policy_detach(stratad.rec.policies[i].name, msg))
			pr_err("%s: left attached", msg);
	}
	for (m = NR_MODULES - 1; c->unload_on_stop && m >= 0; m--) {
		if (!stratad.rec.modules[m])
			continue;
		if (daemon_module_unload(m, msg))
			pr_err("%s: left loaded", msg);
	}
	server_close(c->socket);
	/*
	 * An empty record goes; one that still lists something (modules
	 * kept loaded, a policy that would not detach) stays for the next
	 * stratad to adopt, so that nothing it set up is orphaned.
	 */
	if (stratad.rec.nr_policies || record_has_modules(&stratad.rec))
		daemon_save();
	else
		unlink(c->state);
	pr_info("stopped");
}

/* ---- what the commands report ------------------------------------------ */

struct json_object *daemon_modules_json(void)
{
	struct json_object *arr = json_object_new_array();
	int m;

	for (m = 0; m < NR_MODULES; m++) {
		const struct conf_module *cm = &stratad.conf->modules[m];
		struct json_object *o = json_object_new_object();
		struct json_object *params = module_params_json(m);
		bool loaded = module_loaded(m);

		json_object_object_add(o, "name",
				       json_object_new_string(module_names[m]));
		json_object_object_add(o, "loaded",
				       json_object_new_boolean(loaded));
		json_object_object_add(o, "configured",
				       json_object_new_boolean(cm->present &&
							       cm->load));
		json_object_object_add(o, "owner", !loaded ? NULL :
			json_object_new_string(stratad.rec.modules[m] ?
					       "stratad" : "other"));
		json_object_object_add(o, "params",
				       params ?: json_object_new_object());
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *daemon_policy_json(const char *name)
{
	const struct conf_policy *cp = config_policy(stratad.conf, name);
	struct policy_rec *p = record_policy(&stratad.rec, name);
	struct json_object *o = json_object_new_object();
	const char *file = p ? p->file : cp ? cp->file : NULL;
	const char *owner = p ? "stratad" :
			    policy_dir_exists(name) ? "other" : NULL;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "file",
			       file ? json_object_new_string(file) : NULL);
	json_object_object_add(o, "configured",
			       json_object_new_boolean(cp && cp->attach));
	json_object_object_add(o, "owner",
			       owner ? json_object_new_string(owner) : NULL);
	json_object_object_add(o, "links", policy_links_json(name));
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct json_object *daemon_policies_json(void)
{
	struct json_object *arr = json_object_new_array();
	const struct config *c = stratad.conf;
	char **dirs, **names;
	size_t nr = 0, i;
	int nr_dirs;

	nr_dirs = policy_dirs(&dirs);
	names = calloc(nr_dirs + c->nr_policies + stratad.rec.nr_policies + 1,
		       sizeof(*names));
	if (!names)
		goto out;
	for (i = 0; i < (size_t)nr_dirs; i++)
		names[nr++] = dirs[i];
	for (i = 0; i < c->nr_policies; i++)
		names[nr++] = c->policies[i].name;
	for (i = 0; i < stratad.rec.nr_policies; i++)
		names[nr++] = stratad.rec.policies[i].name;
	qsort(names, nr, sizeof(*names), cmp_str);
	for (i = 0; i < nr; i++)
		if (!i || strcmp(names[i], names[i - 1]))
			json_object_array_add(arr, daemon_policy_json(names[i]));
	free(names);
out:
	for (i = 0; i < (size_t)nr_dirs; i++)
		free(dirs[i]);
	free(dirs);
	return arr;
}
