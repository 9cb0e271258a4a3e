// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - the record of what this daemon loaded and attached
 *
 * A JSON file, rewritten whole (temporary file, fsync, rename) after every
 * change, so that a daemon killed at any point leaves either the old or
 * the new record:
 *
 *   {"version": 1, "pid": N,
 *    "modules": ["strata_cap", ...],
 *    "policies": [{"name": ..., "file": ..., "configured": true,
 *                  "pending": true (only while it is being attached),
 *                  "links": [...], "maps": [...]}]}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stratad.h"

#define STATE_VERSION	1

struct policy_rec *record_policy(struct record *rec, const char *name)
{
	size_t i;

	for (i = 0; i < rec->nr_policies; i++)
		if (!strcmp(rec->policies[i].name, name))
			return &rec->policies[i];
	return NULL;
}

/* Takes over @p's contents. */
int record_add_policy(struct record *rec, struct policy_rec *p)
{
	struct policy_rec *tmp;

	tmp = realloc(rec->policies, (rec->nr_policies + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	rec->policies = tmp;
	tmp[rec->nr_policies++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

void record_del_policy(struct record *rec, const char *name)
{
	struct policy_rec *p = record_policy(rec, name);
	size_t i;

	if (!p)
		return;
	i = p - rec->policies;
	policy_rec_clear(p);
	memmove(p, p + 1, (rec->nr_policies - i - 1) * sizeof(*p));
	rec->nr_policies--;
}

void record_free(struct record *rec)
{
	size_t i;

	for (i = 0; i < rec->nr_policies; i++)
		policy_rec_clear(&rec->policies[i]);
	free(rec->policies);
	memset(rec, 0, sizeof(*rec));
}

static struct json_object *strv_json(char **v, size_t nr)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

int state_save(const char *path, const struct record *rec)
{
	struct json_object *root, *mods, *pols;
	const char *text;
	char tmp[4096];
	size_t i, len;
	int fd, err = 0;

	root = json_object_new_object();
	json_object_object_add(root, "version",
			       json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "pid", json_object_new_int(getpid()));
	mods = json_object_new_array();
	for (i = 0; i < NR_MODULES; i++)
		if (rec->modules[i])
			json_object_array_add(mods,
				json_object_new_string(module_names[i]));
	json_object_object_add(root, "modules", mods);
	pols = json_object_new_array();
	for (i = 0; i < rec->nr_policies; i++) {
		const struct policy_rec *p = &rec->policies[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(p->name));
		json_object_object_add(o, "file", json_object_new_string(p->file));
		json_object_object_add(o, "configured",
				       json_object_new_boolean(p->configured));
		if (p->pending)
			json_object_object_add(o, "pending",
					       json_object_new_boolean(1));
		json_object_object_add(o, "links",
				       strv_json(p->links, p->nr_links));
		json_object_object_add(o, "maps",
				       strv_json(p->maps, p->nr_maps));
		json_object_array_add(pols, o);
	}
	json_object_object_add(root, "policies", pols);

	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	json_object_put(root);
	return err;
}

static int strv_from_json(struct json_object *arr, char ***v, size_t *nr)
{
	size_t i, n;
	char **s;

	*v = NULL;
	*nr = 0;
	if (!json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *str = json_object_get_string(
					json_object_array_get_idx(arr, i));

		/* names of pins: never a path */
		if (!str || !*str || strchr(str, '/') || str[0] == '.')
			continue;
		s[(*nr)++] = xstrdup(str);
	}
	*v = s;
	return 0;
}

int state_load(const char *path, struct record *rec)
{
	struct json_object *root, *arr, *o, *v;
	size_t i, n;
	int m;

	memset(rec, 0, sizeof(*rec));
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EBADMSG;
	}
	if (json_object_object_get_ex(root, "modules", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(arr, i);
			m = module_by_name(json_object_get_string(v) ?: "");
			if (m >= 0)
				rec->modules[m] = true;
		}
	}
	if (json_object_object_get_ex(root, "policies", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			struct policy_rec p = { 0 };
			const char *name;

			o = json_object_array_get_idx(arr, i);
			if (!json_object_object_get_ex(o, "name", &v))
				continue;
			name = json_object_get_string(v);
			if (!name || !policy_name_valid(name) ||
			    record_policy(rec, name))
				continue;
			strcpy(p.name, name);
			p.file = xstrdup(json_object_object_get_ex(o, "file", &v) ?
					 json_object_get_string(v) : "");
			p.configured = json_object_object_get_ex(o, "configured",
								 &v) &&
				       json_object_get_boolean(v);
			p.pending = json_object_object_get_ex(o, "pending", &v) &&
				    json_object_get_boolean(v);
			if (json_object_object_get_ex(o, "links", &v))
				strv_from_json(v, &p.links, &p.nr_links);
			if (json_object_object_get_ex(o, "maps", &v))
				strv_from_json(v, &p.maps, &p.nr_maps);
			if (record_add_policy(rec, &p))
				policy_rec_clear(&p);
		}
	}
	json_object_put(root);
	return 0;
}

bool record_has_modules(const struct record *rec)
{
	int m;

	for (m = 0; m < NR_MODULES; m++)
		if (rec->modules[m])
			return true;
	return false;
}
