// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the strata modules, through libkmod: find, inspect (modinfo),
 * load with parameters, adjust the parameters of a loaded module, unload
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libkmod.h>

#include "stratad.h"

/*
 * How long an unload waits for references that are going away: 5 s for a
 * command (it must not hold up the daemon), 30 s when stopping (under
 * TCG the last reference of a detached LSM program calling the module's
 * kfuncs has been seen to go more than 5 s after the others).
 */
#define UNLOAD_TRIES		100
#define UNLOAD_STOP_TRIES	600
#define UNLOAD_WAIT_MS		50

static struct kmod_ctx *kctx;

static void kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *fmt, va_list args)
{
	char text[512];

	vsnprintf(text, sizeof(text), fmt, args);
	text[strcspn(text, "\n")] = '\0';
	log_msg(priority <= 3 ? LOG_LVL_ERR : LOG_LVL_WARN, "libkmod: %s",
		text);
}

int modules_init(void)
{
	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return -ENOMEM;
	kmod_set_log_fn(kctx, kmod_log, NULL);
	/* libkmod's debug messages drown ours: errors and warnings only */
	kmod_set_log_priority(kctx, 4);
	return 0;
}

void modules_exit(void)
{
	kmod_unref(kctx);
	kctx = NULL;
}

int module_find(const char *module_dir, enum strata_module m,
		struct kmod_module **mod, char *msg)
{
	const char *name = module_names[m];
	const char *area = name + strlen("strata_");
	struct kmod_list *list = NULL;
	char flat[4096], tree[4096];
	const char *path;
	int err;

	*mod = NULL;
	if (module_dir && *module_dir) {
		snprintf(flat, sizeof(flat), "%s/%s.ko", module_dir, name);
		snprintf(tree, sizeof(tree), "%s/kmod/%s/%s.ko", module_dir,
			 area, name);
		if (!access(flat, F_OK))
			path = flat;
		else if (!access(tree, F_OK))
			path = tree;
		else {
			msgf(msg,
			     "%s not found: neither %s nor %s exists",
			     name, flat, tree);
			return -ENOENT;
		}
		err = kmod_module_new_from_path(kctx, path, mod);
		if (err)
			msgf(msg, "cannot open %s: %s", path,
			     strerror(-err));
		return err;
	}

	err = kmod_module_new_from_lookup(kctx, name, &list);
	if (err < 0) {
		msgf(msg, "cannot look up %s: %s", name,
		     strerror(-err));
		return err;
	}
	if (list)
		*mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	if (!*mod || !kmod_module_get_path(*mod)) {
		msgf(msg,
		     "%s is not installed (no such module in modules.dep; set module_dir?)",
		     name);
		if (*mod)
			kmod_module_unref(*mod);
		*mod = NULL;
		return -ENOENT;
	}
	return 0;
}

int module_parms(struct kmod_module *mod, struct mod_parm **parms)
{
	struct kmod_list *info = NULL, *l;
	struct mod_parm *p = NULL, *tmp;
	int nr = 0, err, i;

	err = kmod_module_get_info(mod, &info);
	if (err < 0)
		return err;
	/* "parm" is NAME:DESCRIPTION, "parmtype" NAME:TYPE */
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *val = kmod_module_info_get_value(l);
		size_t len;

		if (!val || (strcmp(key, "parm") && strcmp(key, "parmtype")))
			continue;
		len = strcspn(val, ":");
		if (!len || len >= sizeof(p->name))
			continue;
		for (i = 0; i < nr; i++)
			if (!strncmp(p[i].name, val, len) && !p[i].name[len])
				break;
		if (i == nr) {
			tmp = realloc(p, (nr + 1) * sizeof(*p));
			if (!tmp) {
				free(p);
				kmod_module_info_free_list(info);
				return -ENOMEM;
			}
			p = tmp;
			memset(&p[nr], 0, sizeof(*p));
			memcpy(p[nr].name, val, len);
			nr++;
		}
		if (!strcmp(key, "parmtype") && val[len] == ':')
			snprintf(p[i].type, sizeof(p[i].type), "%s",
				 val + len + 1);
	}
	kmod_module_info_free_list(info);
	*parms = p;
	return nr;
}

int module_deps(const char *module_dir, enum strata_module m,
		bool deps[NR_MODULES], char *msg)
{
	struct kmod_list *info = NULL, *l;
	struct kmod_module *mod;
	int err, d;

	memset(deps, 0, NR_MODULES * sizeof(*deps));
	err = module_find(module_dir, m, &mod, msg);
	if (err)
		return err;
	err = kmod_module_get_info(mod, &info);
	kmod_module_unref(mod);
	if (err < 0) {
		msgf(msg, "cannot read the modinfo of %s: %s",
		     module_names[m], strerror(-err));
		return err;
	}
	kmod_list_foreach(l, info) {
		const char *val = kmod_module_info_get_value(l);
		char *list, *tok, *save;

		if (strcmp(kmod_module_info_get_key(l), "depends") || !val)
			continue;
		list = xstrdup(val);
		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			d = module_by_name(tok);
			if (d >= 0 && d != (int)m)
				deps[d] = true;
		}
		free(list);
	}
	kmod_module_info_free_list(info);
	return 0;
}

bool module_loaded(enum strata_module m)
{
	struct kmod_module *mod;
	int state;

	if (kmod_module_new_from_name(kctx, module_names[m], &mod))
		return false;
	state = kmod_module_get_initstate(mod);
	kmod_module_unref(mod);
	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING;
}

/* "a=1 b=2", values with blanks quoted; NULL for none. */
static char *params_string(const struct conf_module *cm)
{
	char *s = NULL, *tmp;
	size_t i;
	int r;

	for (i = 0; cm && i < cm->nr_params; i++) {
		const struct conf_param *p = &cm->params[i];
		bool quote = !*p->value || strpbrk(p->value, " \t");

		r = asprintf(&tmp, "%s%s%s=%s%s%s", s ? s : "", s ? " " : "",
			     p->name, quote ? "\"" : "", p->value,
			     quote ? "\"" : "");
		free(s);
		if (r < 0)
			return NULL;
		s = tmp;
	}
	return s;
}

int module_insert(const char *module_dir, enum strata_module m,
		  const struct conf_module *cm, char *msg)
{
	struct kmod_module *mod;
	char *params;
	int err;

	err = module_find(module_dir, m, &mod, msg);
	if (err)
		return err;
	params = params_string(cm);
	pr_debug("loading %s%s%s", kmod_module_get_path(mod),
		 params ? " " : "", params ? params : "");
	err = kmod_module_insert_module(mod, 0, params);
	if (err == -EEXIST)
		msgf(msg, "%s is already loaded",
		     module_names[m]);
	else if (err)
		msgf(msg,
		     "cannot load %s (%s%s%s): %s (the kernel log may say more)",
		     module_names[m], kmod_module_get_path(mod),
		     params ? " " : "", params ? params : "",
		     strerror(-err));
	free(params);
	kmod_module_unref(mod);
	return err;
}

static void param_path(char *buf, size_t len, enum strata_module m,
		       const char *key)
{
	snprintf(buf, len, "/sys/module/%s/parameters/%s", module_names[m],
		 key);
}

/* Whether two parameter values say the same (numbers in any base). */
static bool same_value(const char *a, const char *b)
{
	unsigned long long x, y;
	char *ea, *eb;

	if (!strcmp(a, b))
		return true;
	errno = 0;
	x = strtoull(a, &ea, 0);
	y = strtoull(b, &eb, 0);
	return !errno && *a && *b && !*ea && !*eb && x == y;
}

int module_apply_params(enum strata_module m, const struct conf_module *cm)
{
	const char *name = module_names[m];
	char path[256], cur[4096];
	int failed = 0, err;
	struct stat st;
	size_t i;

	for (i = 0; cm && i < cm->nr_params; i++) {
		const struct conf_param *p = &cm->params[i];

		param_path(path, sizeof(path), m, p->name);
		if (stat(path, &st)) {
			pr_warn("%s: parameter %s is not in sysfs; it takes effect only when the module is loaded",
				name, p->name);
			continue;
		}
		err = read_file(path, cur, sizeof(cur));
		if (!err && same_value(cur, p->value))
			continue;
		if (!(st.st_mode & 0222)) {
			pr_warn("%s: parameter %s is '%s', the configuration says '%s'; it is read-only: reload the module to change it",
				name, p->name, err ? "?" : cur, p->value);
			continue;
		}
		err = write_file(path, p->value);
		if (err) {
			pr_err("%s: cannot set %s to '%s': %s", name, p->name,
			       p->value, strerror(-err));
			failed++;
		} else {
			pr_info("%s: parameter %s set to '%s'", name, p->name,
				p->value);
		}
	}
	return failed;
}

int module_remove(enum strata_module m, char *msg)
{
	const char *name = module_names[m];
	struct kmod_list *holders, *l;
	struct kmod_module *mod;
	char users[256] = "";
	int err, tries, max;

	err = kmod_module_new_from_name(kctx, name, &mod);
	if (err) {
		msgf(msg, "cannot find %s: %s", name,
		     strerror(-err));
		return err;
	}
	if (kmod_module_get_initstate(mod) < 0) {
		kmod_module_unref(mod);
		msgf(msg, "%s is not loaded", name);
		return -ENOENT;
	}
	holders = kmod_module_get_holders(mod);
	kmod_list_foreach(l, holders) {
		struct kmod_module *h = kmod_module_get_module(l);
		size_t len = strlen(users);

		snprintf(users + len, sizeof(users) - len, "%s%s",
			 len ? ", " : "", kmod_module_get_name(h));
		kmod_module_unref(h);
	}
	kmod_module_unref_list(holders);
	if (*users) {
		kmod_module_unref(mod);
		msgf(msg, "%s is used by %s", name, users);
		return -EBUSY;
	}
	/*
	 * A struct_ops map drops its module reference an RCU grace period
	 * after its link is gone, and each program calling the module's
	 * kfuncs when it is freed (after an RCU tasks grace period, for
	 * trampolines): a policy detached just now may still hold
	 * references for a while.
	 */
	max = stratad.stopping ? UNLOAD_STOP_TRIES : UNLOAD_TRIES;
	for (tries = 0; tries < max; tries++) {
		err = kmod_module_remove_module(mod, KMOD_REMOVE_NOLOG);
		if (err != -EAGAIN && err != -EBUSY)
			break;
		usleep(UNLOAD_WAIT_MS * 1000);
	}
	if (err == -EAGAIN || err == -EBUSY) {
		msgf(msg,
		     "%s is in use (%d references: open devices, handles or attached policies)",
		     name, kmod_module_get_refcnt(mod));
		err = -EBUSY;
	} else if (err) {
		msgf(msg, "cannot unload %s: %s", name,
		     strerror(-err));
	}
	kmod_module_unref(mod);
	return err;
}

struct json_object *module_params_json(enum strata_module m)
{
	struct json_object *obj;
	char dir[128], path[512], val[4096];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters",
		 module_names[m]);
	d = opendir(dir);
	if (!d)
		return NULL;
	obj = json_object_new_object();
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_file(path, val, sizeof(val)))
			continue;
		json_object_object_add(obj, de->d_name,
				       json_object_new_string(val));
	}
	closedir(d);
	return obj;
}

int module_param_writable(enum strata_module m, const char *key)
{
	char path[256];
	struct stat st;

	if (!*key || strchr(key, '/') || key[0] == '.' ||
	    strlen(key) > 64)
		return -ENOENT;
	param_path(path, sizeof(path), m, key);
	if (stat(path, &st))
		return -errno;
	return st.st_mode & 0222 ? 0 : -EACCES;
}

int module_param_write(enum strata_module m, const char *key,
		       const char *value)
{
	char path[256];

	param_path(path, sizeof(path), m, key);
	return write_file(path, value);
}
