// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the configuration file: read with inih, every section and key
 * checked, module parameters against the modules' own modinfo
 *
 * inih calls the handler for each key only, without its line; the reader
 * given to ini_parse_stream() counts the lines and sees each section
 * header, so that an empty [module strata_cap] exists and every error
 * names its line. All errors are collected, sorted by line.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>
#include <libkmod.h>

#include "ipc.h"
#include "stratad.h"

enum daemon_key {
	DK_SOCKET,
	DK_PIDFILE,
	DK_STATE,
	DK_ADMIN_GROUP,
	DK_MODULE_DIR,
	DK_POLICY_DIR,
	DK_UNLOAD_ON_STOP,
	NR_DAEMON_KEYS,
};

static const char *const daemon_keys[NR_DAEMON_KEYS] = {
	[DK_SOCKET] = "socket",
	[DK_PIDFILE] = "pidfile",
	[DK_STATE] = "state",
	[DK_ADMIN_GROUP] = "admin_group",
	[DK_MODULE_DIR] = "module_dir",
	[DK_POLICY_DIR] = "policy_dir",
	[DK_UNLOAD_ON_STOP] = "unload_on_stop",
};

static const char *const daemon_defaults[NR_DAEMON_KEYS] = {
	[DK_SOCKET] = STRATAD_SOCKET,
	[DK_PIDFILE] = "/run/strata/stratad.pid",
	[DK_STATE] = "/run/strata/stratad.state",
	[DK_ADMIN_GROUP] = "",
	[DK_MODULE_DIR] = "",
	[DK_POLICY_DIR] = STRATA_POLICY_DIR,
	[DK_UNLOAD_ON_STOP] = "no",
};

struct conf_error {
	int line;
	size_t seq;		/* keeps errors of one line in order */
	char *text;
};

struct parse {
	FILE *f;
	const char *path;
	int line;
	bool at_bol;
	struct config *c;
	char *daemon_val[NR_DAEMON_KEYS];
	int daemon_line[NR_DAEMON_KEYS];
	int module_load_line[NR_MODULES];
	int *policy_attach_line;	/* per policy */
	struct conf_error *errs;
	size_t nr_errs;
};

bool parse_bool(const char *s, bool *val)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*val = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*val = false;
			return true;
		}
	}
	return false;
}

static void add_error(struct parse *p, int line, const char *section,
		      const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add_error(struct parse *p, int line, const char *section,
		      const char *key, const char *fmt, ...)
{
	struct conf_error *e;
	char where[256] = "", msg[MSG_LEN];
	char *text;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (section && key)
		snprintf(where, sizeof(where), "[%s] %s: ", section, key);
	else if (section)
		snprintf(where, sizeof(where), "[%s]: ", section);
	else if (key)
		snprintf(where, sizeof(where), "%s: ", key);
	if (line > 0)
		n = asprintf(&text, "%s:%d: %s%s", p->path, line, where, msg);
	else
		n = asprintf(&text, "%s: %s%s", p->path, where, msg);
	e = realloc(p->errs, (p->nr_errs + 1) * sizeof(*e));
	if ((int)n < 0 || !e) {
		pr_err("out of memory");
		exit(1);
	}
	p->errs = e;
	e[p->nr_errs].line = line;
	e[p->nr_errs].seq = p->nr_errs;
	e[p->nr_errs].text = text;
	p->nr_errs++;
}

static bool has_error_at(const struct parse *p, int line)
{
	size_t i;

	for (i = 0; i < p->nr_errs; i++)
		if (p->errs[i].line == line)
			return true;
	return false;
}

bool policy_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > POLICY_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

const struct conf_policy *config_policy(const struct config *conf,
					const char *name)
{
	size_t i;

	for (i = 0; conf && i < conf->nr_policies; i++)
		if (!strcmp(conf->policies[i].name, name))
			return &conf->policies[i];
	return NULL;
}

enum section_kind {
	SEC_BAD,
	SEC_DAEMON,
	SEC_MODULE,
	SEC_POLICY,
};

/*
 * What @section names: [daemon], [module M] (*@idx: M) or [policy NAME]
 * (*@idx: its index, created when @create). @why says what is wrong with
 * a SEC_BAD one.
 */
static enum section_kind section_kind(struct parse *p, const char *section,
				      bool create, int *idx, const char **why)
{
	char word[16], arg[128];
	struct conf_policy *pol;
	int *lines, end = -1;
	size_t i;

	*why = "unknown section ([daemon], [module NAME] or [policy NAME])";
	if (!strcmp(section, "daemon"))
		return SEC_DAEMON;
	if (sscanf(section, "%15s %127s %n", word, arg, &end) != 2 ||
	    end < 0 || section[end])
		return SEC_BAD;
	if (!strcmp(word, "module")) {
		*idx = module_by_name(arg);
		*why = "unknown module (strata_cap, strata_tier or strata_gang)";
		return *idx < 0 ? SEC_BAD : SEC_MODULE;
	}
	if (strcmp(word, "policy"))
		return SEC_BAD;
	if (!policy_name_valid(arg)) {
		*why = "a policy name is 1 to 32 characters of [a-z0-9_]";
		return SEC_BAD;
	}
	for (i = 0; i < p->c->nr_policies; i++) {
		if (!strcmp(p->c->policies[i].name, arg)) {
			*idx = i;
			return SEC_POLICY;
		}
	}
	if (!create)
		return SEC_BAD;
	pol = realloc(p->c->policies, (i + 1) * sizeof(*pol));
	lines = realloc(p->policy_attach_line, (i + 1) * sizeof(*lines));
	if (!pol || !lines) {
		pr_err("out of memory");
		exit(1);
	}
	p->c->policies = pol;
	p->policy_attach_line = lines;
	memset(&pol[i], 0, sizeof(*pol));
	strcpy(pol[i].name, arg);
	pol[i].attach = true;
	pol[i].line = p->line;
	lines[i] = 0;
	p->c->nr_policies++;
	*idx = i;
	return SEC_POLICY;
}

/* A section header on line p->line: "[" NAME "]", as inih reads it. */
static void section_header(struct parse *p, char *s)
{
	const char *why;
	char *end;
	int idx;

	end = strchr(s, ']');
	if (!end)
		return;		/* inih reports it */
	*end = '\0';
	/* inih keeps the text between the brackets as it is */
	switch (section_kind(p, s + 1, true, &idx, &why)) {
	case SEC_BAD:
		add_error(p, p->line, s + 1, NULL, "%s", why);
		break;
	case SEC_MODULE:
		if (!p->c->modules[idx].present) {
			p->c->modules[idx].present = true;
			p->c->modules[idx].load = true;
			p->c->modules[idx].line = p->line;
		}
		break;
	default:
		break;
	}
	*end = ']';
}

/* Classify each line read; inih reports only the first bad one. */
static void check_line(struct parse *p, char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		if (!strchr(s, ']'))
			add_error(p, p->line, NULL, NULL,
				  "syntax error: no ']' closes the section name");
		else
			section_header(p, s);
		return;
	}
	if (!strpbrk(s, "=:"))
		add_error(p, p->line, NULL, NULL,
			  "syntax error: expected [section] or key = value");
}

static char *conf_reader(char *str, int num, void *stream)
{
	struct parse *p = stream;

	if (!fgets(str, num, p->f))
		return NULL;
	if (p->at_bol) {
		p->line++;
		check_line(p, str);
	}
	p->at_bol = strchr(str, '\n') != NULL;
	return str;
}

static void daemon_key(struct parse *p, const char *key, const char *value)
{
	int k;

	for (k = 0; k < NR_DAEMON_KEYS; k++)
		if (!strcmp(key, daemon_keys[k]))
			break;
	if (k == NR_DAEMON_KEYS) {
		add_error(p, p->line, "daemon", key, "unknown key");
		return;
	}
	if (p->daemon_line[k]) {
		add_error(p, p->line, "daemon", key, "set twice (line %d)",
			  p->daemon_line[k]);
		return;
	}
	p->daemon_line[k] = p->line;
	p->daemon_val[k] = xstrdup(value);
}

static void module_key(struct parse *p, const char *section, int m,
		       const char *key, const char *value)
{
	struct conf_module *cm = &p->c->modules[m];
	struct conf_param *par;
	size_t i;

	if (!strcmp(key, "load")) {
		if (p->module_load_line[m])
			add_error(p, p->line, section, key,
				  "set twice (line %d)",
				  p->module_load_line[m]);
		else if (!parse_bool(value, &cm->load))
			add_error(p, p->line, section, key,
				  "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)",
				  value);
		p->module_load_line[m] = p->line;
		return;
	}
	for (i = 0; i < cm->nr_params; i++) {
		if (!strcmp(cm->params[i].name, key)) {
			add_error(p, p->line, section, key,
				  "set twice (line %d)", cm->params[i].line);
			return;
		}
	}
	par = realloc(cm->params, (cm->nr_params + 1) * sizeof(*par));
	if (!par) {
		pr_err("out of memory");
		exit(1);
	}
	cm->params = par;
	par[cm->nr_params].name = xstrdup(key);
	par[cm->nr_params].value = xstrdup(value);
	par[cm->nr_params].line = p->line;
	cm->nr_params++;
}

static void policy_key(struct parse *p, const char *section, int idx,
		       const char *key, const char *value)
{
	struct conf_policy *pol = &p->c->policies[idx];

	if (!strcmp(key, "file")) {
		if (pol->file_set) {
			add_error(p, p->line, section, key,
				  "set twice (line %d)", pol->file_line);
			return;
		}
		if (!*value) {
			add_error(p, p->line, section, key, "empty file name");
			return;
		}
		pol->file_set = true;
		pol->file_line = p->line;
		pol->file = xstrdup(value);
	} else if (!strcmp(key, "attach")) {
		if (p->policy_attach_line[idx])
			add_error(p, p->line, section, key,
				  "set twice (line %d)",
				  p->policy_attach_line[idx]);
		else if (!parse_bool(value, &pol->attach))
			add_error(p, p->line, section, key,
				  "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)",
				  value);
		p->policy_attach_line[idx] = p->line;
	} else {
		add_error(p, p->line, section, key,
			  "unknown key (file or attach)");
	}
}

static int conf_handler(void *user, const char *section, const char *key,
			const char *value)
{
	struct parse *p = user;
	const char *why;
	int idx;

	if (!*section) {
		add_error(p, p->line, NULL, key,
			  "key outside of any section");
		return 1;
	}
	switch (section_kind(p, section, false, &idx, &why)) {
	case SEC_DAEMON:
		daemon_key(p, key, value);
		break;
	case SEC_MODULE:
		module_key(p, section, idx, key, value);
		break;
	case SEC_POLICY:
		policy_key(p, section, idx, key, value);
		break;
	case SEC_BAD:
		break;		/* reported at its header */
	}
	return 1;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void check_daemon(struct parse *p)
{
	struct config *c = p->c;
	char **vals[NR_DAEMON_KEYS] = {
		[DK_SOCKET] = &c->socket,
		[DK_PIDFILE] = &c->pidfile,
		[DK_STATE] = &c->state,
		[DK_ADMIN_GROUP] = &c->admin_group,
		[DK_MODULE_DIR] = &c->module_dir,
		[DK_POLICY_DIR] = &c->policy_dir,
	};
	struct group *gr;
	int k;

	for (k = 0; k < NR_DAEMON_KEYS; k++) {
		const char *v = p->daemon_val[k] ? p->daemon_val[k] :
				daemon_defaults[k];
		int line = p->daemon_line[k];
		const char *key = daemon_keys[k];

		if (vals[k])
			*vals[k] = xstrdup(v);
		switch (k) {
		case DK_SOCKET:
			if (strlen(v) >= 108)
				add_error(p, line, "daemon", key,
					  "longer than a unix socket path may be (107)");
			/* fall through */
		case DK_PIDFILE:
		case DK_STATE:
			if (*v != '/')
				add_error(p, line, "daemon", key,
					  "'%s' is not an absolute path", v);
			break;
		case DK_ADMIN_GROUP:
			if (!*v)
				break;
			errno = 0;
			gr = getgrnam(v);
			if (!gr)
				add_error(p, line, "daemon", key,
					  "no group '%s'%s%s", v,
					  errno ? ": " : "",
					  errno ? strerror(errno) : "");
			else
				c->admin_gid = gr->gr_gid;
			break;
		case DK_MODULE_DIR:
		case DK_POLICY_DIR:
			if (!*v && k == DK_MODULE_DIR)
				break;
			if (*v != '/')
				add_error(p, line, "daemon", key,
					  "'%s' is not an absolute path", v);
			else if (k == DK_MODULE_DIR && !is_dir(v))
				add_error(p, line, "daemon", key,
					  "'%s' is not a directory", v);
			break;
		case DK_UNLOAD_ON_STOP:
			if (!parse_bool(v, &c->unload_on_stop))
				add_error(p, line, "daemon", key,
					  "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)",
					  v);
			break;
		}
	}
}

static void check_policies(struct parse *p)
{
	struct config *c = p->c;
	size_t i;

	for (i = 0; i < c->nr_policies; i++) {
		struct conf_policy *pol = &c->policies[i];
		char section[64], *path;
		struct stat st;
		int r;

		snprintf(section, sizeof(section), "policy %s", pol->name);
		if (!pol->file_set)
			r = asprintf(&path, "%s/%s.bpf.o", c->policy_dir,
				     pol->name);
		else if (pol->file[0] != '/')
			r = asprintf(&path, "%s/%s", c->policy_dir, pol->file);
		else
			r = asprintf(&path, "%s", pol->file);
		if (r < 0) {
			pr_err("out of memory");
			exit(1);
		}
		free(pol->file);
		pol->file = path;
		if (stat(path, &st))
			add_error(p, pol->file_set ? pol->file_line : pol->line,
				  section, "file", "%s: %s", path,
				  strerror(errno));
		else if (!S_ISREG(st.st_mode))
			add_error(p, pol->file_set ? pol->file_line : pol->line,
				  section, "file", "%s is not a file", path);
	}
}

struct parm_type {
	const char *name;
	bool is_signed;
	unsigned long long max;		/* of the absolute value */
};

static const struct parm_type parm_types[] = {
	{ "byte", false, UCHAR_MAX },
	{ "short", true, SHRT_MAX },
	{ "ushort", false, USHRT_MAX },
	{ "int", true, INT_MAX },
	{ "uint", false, UINT_MAX },
	{ "hexint", false, UINT_MAX },
	{ "long", true, LONG_MAX },
	{ "ulong", false, ULONG_MAX },
	{ "ullong", false, ULLONG_MAX },
};

/* NULL when @value suits @type, else why not; bools become Y or N. */
static const char *check_value(const char *type, char **value)
{
	const char *v = *value;
	unsigned long long n;
	bool b, neg;
	size_t i;
	char *end;

	if (!strcmp(type, "bool") || !strcmp(type, "invbool")) {
		if (!parse_bool(v, &b) && strcasecmp(v, "y") &&
		    strcasecmp(v, "n"))
			return "not a boolean (yes/no, true/false, on/off, 1/0)";
		if (!strcasecmp(v, "y") || !strcasecmp(v, "n"))
			b = tolower((unsigned char)*v) == 'y';
		free(*value);
		*value = xstrdup(b ? "Y" : "N");
		return NULL;
	}
	if (strpbrk(v, "\"\n"))
		return "a parameter value may not hold '\"'";
	if (!strcmp(type, "charp") || !strcmp(type, "string"))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(parm_types); i++)
		if (!strcmp(type, parm_types[i].name))
			break;
	if (i == ARRAY_SIZE(parm_types)) {
		/* no type declared (module_param_cb): the kernel checks */
		if (strpbrk(v, " \t"))
			return "a parameter value without a declared type may not hold spaces";
		return NULL;
	}
	neg = *v == '-';
	if (neg && !parm_types[i].is_signed)
		return "negative, but the parameter is unsigned";
	errno = 0;
	n = strtoull(neg ? v + 1 : v, &end, 0);
	if (!*v || end == v || *end || errno == ERANGE || isspace(*v) ||
	    v[neg] == '-' || v[neg] == '+')
		return "not a number";
	if (n > parm_types[i].max + (neg ? 1 : 0))
		return "out of range for its type";
	return NULL;
}

static void check_modules(struct parse *p)
{
	struct config *c = p->c;
	int m;

	for (m = 0; m < NR_MODULES; m++) {
		struct conf_module *cm = &c->modules[m];
		struct kmod_module *mod;
		struct mod_parm *parms;
		char section[64], msg[MSG_LEN];
		int nr, j;
		size_t i;

		if (!cm->present)
			continue;
		snprintf(section, sizeof(section), "module %s",
			 module_names[m]);
		if (module_find(c->module_dir, m, &mod, msg)) {
			add_error(p, cm->line, section, NULL, "%s", msg);
			continue;
		}
		nr = module_parms(mod, &parms);
		kmod_module_unref(mod);
		if (nr < 0) {
			add_error(p, cm->line, section, NULL,
				  "cannot read the module's parameters: %s",
				  strerror(-nr));
			continue;
		}
		for (i = 0; i < cm->nr_params; i++) {
			struct conf_param *par = &cm->params[i];
			const char *why;

			for (j = 0; j < nr; j++)
				if (!strcmp(parms[j].name, par->name))
					break;
			if (j == nr) {
				add_error(p, par->line, section, par->name,
					  "%s has no such parameter (modinfo -p)",
					  module_names[m]);
				continue;
			}
			why = check_value(parms[j].type, &par->value);
			if (why)
				add_error(p, par->line, section, par->name,
					  "'%s': %s%s%s%s", par->value, why,
					  *parms[j].type ? " (" : "",
					  parms[j].type,
					  *parms[j].type ? ")" : "");
		}
		free(parms);
	}
}

static int cmp_errors(const void *a, const void *b)
{
	const struct conf_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct config *config_load(const char *path, bool must_exist,
			   struct conf_errors *errs)
{
	struct parse p = { .path = path, .at_bol = true };
	size_t i;
	int r;

	memset(errs, 0, sizeof(*errs));
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c) {
		pr_err("out of memory");
		exit(1);
	}
	p.c->path = xstrdup(path);
	p.f = fopen(path, "re");
	if (!p.f && (errno != ENOENT || must_exist))
		add_error(&p, 0, NULL, NULL, "cannot open: %s",
			  strerror(errno));
	if (p.f) {
		r = ini_parse_stream(conf_reader, &p, conf_handler, &p);
		fclose(p.f);
		if (r > 0 && !has_error_at(&p, r))
			add_error(&p, r, NULL, NULL, "syntax error");
		else if (r < 0)
			add_error(&p, 0, NULL, NULL, "cannot parse: %s",
				  r == -2 ? "out of memory" : "read error");
	}
	check_daemon(&p);
	check_policies(&p);
	check_modules(&p);

	for (i = 0; i < NR_DAEMON_KEYS; i++)
		free(p.daemon_val[i]);
	free(p.policy_attach_line);
	if (!p.nr_errs)
		return p.c;

	qsort(p.errs, p.nr_errs, sizeof(*p.errs), cmp_errors);
	errs->text = calloc(p.nr_errs, sizeof(char *));
	if (!errs->text) {
		pr_err("out of memory");
		exit(1);
	}
	for (i = 0; i < p.nr_errs; i++)
		errs->text[i] = p.errs[i].text;
	errs->nr = p.nr_errs;
	free(p.errs);
	config_free(p.c);
	return NULL;
}

void conf_errors_free(struct conf_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->nr; i++)
		free(errs->text[i]);
	free(errs->text);
	memset(errs, 0, sizeof(*errs));
}

void config_free(struct config *c)
{
	size_t i;
	int m;

	if (!c)
		return;
	free(c->path);
	free(c->socket);
	free(c->pidfile);
	free(c->state);
	free(c->admin_group);
	free(c->module_dir);
	free(c->policy_dir);
	for (m = 0; m < NR_MODULES; m++) {
		for (i = 0; i < c->modules[m].nr_params; i++) {
			free(c->modules[m].params[i].name);
			free(c->modules[m].params[i].value);
		}
		free(c->modules[m].params);
	}
	for (i = 0; i < c->nr_policies; i++)
		free(c->policies[i].file);
	free(c->policies);
	free(c);
}
