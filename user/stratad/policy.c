// SPDX-License-Identifier: GPL-2.0
/*
 * stratad - BPF policies: attach an object file and pin its links under
 * /sys/fs/bpf/strata/NAME/links/, detach by removing the pins, list them
 *
 * The layout is the one of the cap_sandbox loader: maps pinned by name in
 * the policy's directory (libbpf's pin_root_path), one link pin per
 * struct_ops map or attached program in links/. The pins keep everything
 * attached when stratad exits, whichever way it does.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stratad.h"

#define BPFFS	"/sys/fs/bpf"
/* BPF_F_LINK: a struct_ops map attached through a link (Linux 6.4) */
#define STRUCT_OPS_LINK_FLAG	(1U << 13)

/*
 * One stratad per machine, whatever its configuration says: the pidfile
 * lock only covers daemons that share a pidfile, and every stratad
 * manages /sys/fs/bpf/strata.  The lock lives as long as the process.
 */
static int bpffs_lock(void)
{
	static int fd = -1;

	if (fd >= 0)
		return 0;
	fd = open(STRATA_BPF_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		if (err == -EWOULDBLOCK)
			pr_err("another stratad is running (it holds the lock on %s)",
			       STRATA_BPF_ROOT);
		else
			pr_err("cannot lock %s: %s", STRATA_BPF_ROOT,
			       strerror(-err));
		if (fd >= 0)
			close(fd);
		fd = -1;
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	return 0;
}

int bpffs_ensure(void)
{
	struct statfs sfs;

	if (statfs(BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
			int err = -errno;

			pr_err("cannot mount the BPF file system on %s: %s",
			       BPFFS, strerror(-err));
			return err;
		}
		pr_info("mounted the BPF file system on %s", BPFFS);
	}
	if (mkdir(STRATA_BPF_ROOT, 0700) && errno != EEXIST) {
		int err = -errno;

		pr_err("cannot create %s: %s", STRATA_BPF_ROOT,
		       strerror(-err));
		return err;
	}
	return bpffs_lock();
}

/* libbpf's own error codes (> 4000) have no strerror() text. */
static const char *bpf_strerror(int err)
{
	static char buf[128];

	if (libbpf_strerror(err, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

/* What a client is told: a libbpf code (a malformed object) is EINVAL. */
static int bpf_errno(int err)
{
	return -err >= __LIBBPF_ERRNO__START ? -EINVAL : err;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool policy_dir_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), STRATA_BPF_ROOT "/%s", name);
	return is_dir(path);
}

bool policy_links_exist(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), STRATA_BPF_ROOT "/%s/links", name);
	return is_dir(path);
}

static int strv_add(char ***v, size_t *nr, const char *s)
{
	char **tmp = realloc(*v, (*nr + 1) * sizeof(**v));

	if (!tmp)
		return -ENOMEM;
	*v = tmp;
	tmp[(*nr)++] = xstrdup(s);
	return 0;
}

static void strv_free(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

void policy_rec_clear(struct policy_rec *rec)
{
	free(rec->file);
	strv_free(rec->links, rec->nr_links);
	strv_free(rec->maps, rec->nr_maps);
	memset(rec, 0, sizeof(*rec));
}

struct attach {
	const char *dir;
	struct policy_rec *rec;
	struct bpf_link **links;
	char *msg;
};

/* Pin @link as links/@lname; on failure @link is destroyed (detached). */
static int pin_link(struct attach *a, struct bpf_link *link,
		    const char *lname)
{
	struct bpf_link **tmp;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/links/%s", a->dir, lname);
	err = bpf_link__pin(link, path);
	if (!err)
		err = strv_add(&a->rec->links, &a->rec->nr_links, lname);
	tmp = err ? NULL : realloc(a->links,
				   a->rec->nr_links * sizeof(*tmp));
	if (!tmp) {
		err = err ?: -ENOMEM;
		msgf(a->msg, "cannot pin %s: %s", path,
		     strerror(-err));
		bpf_link__unpin(link);
		bpf_link__destroy(link);
		return err;
	}
	a->links = tmp;
	a->links[a->rec->nr_links - 1] = link;
	pr_debug("policy %s: pinned %s", a->rec->name, path);
	return 0;
}

static int attach_struct_ops(struct attach *a, struct bpf_object *obj)
{
	struct bpf_link *link;
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		if (!(bpf_map__map_flags(map) & STRUCT_OPS_LINK_FLAG)) {
			msgf(a->msg,
			     "struct_ops map %s is not in SEC(\".struct_ops.link\"): it could not stay attached",
			     bpf_map__name(map));
			return -EINVAL;
		}
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			err = -errno;
			msgf(a->msg, "cannot register %s: %s%s",
			     bpf_map__name(map), strerror(-err),
			     err == -EBUSY ?
			     " (another policy of its module is registered)" :
			     "");
			return err;
		}
		err = pin_link(a, link, bpf_map__name(map));
		if (err)
			return err;
	}
	return 0;
}

static int attach_programs(struct attach *a, struct bpf_object *obj)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) ||
		    !bpf_program__autoattach(prog) ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			if (err == -EOPNOTSUPP) {
				/* its section says nowhere to attach it */
				pr_debug("policy %s: program %s (%s) is not attached automatically",
					 a->rec->name, bpf_program__name(prog),
					 bpf_program__section_name(prog));
				continue;
			}
			msgf(a->msg,
			     "cannot attach program %s (%s): %s",
			     bpf_program__name(prog),
			     bpf_program__section_name(prog),
			     strerror(-err));
			return err;
		}
		err = pin_link(a, link, bpf_program__name(prog));
		if (err)
			return err;
	}
	return 0;
}

static void remove_dirs(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/links", dir);
	rmdir(path);
	rmdir(dir);
}

int policy_attach(const char *name, const char *file, struct policy_rec *rec,
		  char *msg)
{
	char dir[256], path[PATH_MAX];
	struct attach a = { .dir = dir, .rec = rec, .msg = msg };
	struct bpf_object *obj;
	struct bpf_map *map;
	size_t i;
	int err;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", name);
	rec->file = xstrdup(file);
	snprintf(dir, sizeof(dir), STRATA_BPF_ROOT "/%s", name);
	/* The directory is the policy's lock: one attach per name. */
	if (mkdir(dir, 0700)) {
		err = -errno;
		if (err == -EEXIST)
			msgf(msg,
			     "policy %s is already attached (%s exists)",
			     name, dir);
		else
			msgf(msg, "cannot create %s: %s", dir,
			     strerror(-err));
		policy_rec_clear(rec);
		return err;
	}
	snprintf(path, sizeof(path), "%s/links", dir);
	if (mkdir(path, 0700)) {
		err = -errno;
		msgf(msg, "cannot create %s: %s", path,
		     strerror(-err));
		goto err_dirs;
	}

	{
		LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);

		obj = bpf_object__open_file(file, &opts);
	}
	if (!obj) {
		err = -errno;
		msgf(msg, "cannot open %s: %s", file, bpf_strerror(err));
		err = bpf_errno(err);
		goto err_dirs;
	}
	err = bpf_object__load(obj);
	/* what it pinned, also when the load failed half-way */
	bpf_object__for_each_map(map, obj) {
		const char *pin = bpf_map__pin_path(map);

		if (bpf_map__is_pinned(map) && pin &&
		    !strncmp(pin, dir, strlen(dir)) &&
		    pin[strlen(dir)] == '/')
			strv_add(&rec->maps, &rec->nr_maps,
				 pin + strlen(dir) + 1);
	}
	if (err) {
		msgf(msg,
		     "cannot load %s: %s (is the module it extends loaded? run stratad -v for the verifier's log)",
		     file, bpf_strerror(err));
		err = bpf_errno(err);
		goto err_close;
	}
	err = attach_struct_ops(&a, obj);
	if (!err)
		err = attach_programs(&a, obj);
	if (!err && !rec->nr_links) {
		msgf(msg, "%s has nothing to attach", file);
		err = -EINVAL;
	}
	if (err)
		goto err_links;

	/*
	 * The pins hold the links now: let go of our fds without detaching
	 * anything (a disconnected link's fd is ours to close).
	 */
	for (i = 0; i < rec->nr_links; i++) {
		bpf_link__disconnect(a.links[i]);
		close(bpf_link__fd(a.links[i]));
		bpf_link__destroy(a.links[i]);
	}
	free(a.links);
	bpf_object__close(obj);
	return 0;

err_links:
	for (i = rec->nr_links; i-- > 0;) {
		bpf_link__unpin(a.links[i]);
		bpf_link__destroy(a.links[i]);
	}
	free(a.links);
err_close:
	for (i = 0; i < rec->nr_maps; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rec->maps[i]);
		unlink(path);
	}
	bpf_object__close(obj);
err_dirs:
	remove_dirs(dir);
	policy_rec_clear(rec);
	return err;
}

int policy_detach(const struct policy_rec *rec, char *msg)
{
	char dir[256], path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	size_t i;
	DIR *d;

	snprintf(dir, sizeof(dir), STRATA_BPF_ROOT "/%s", rec->name);
	/* in the order they were attached, then any the record missed */
	for (i = 0; i < rec->nr_links; i++) {
		snprintf(path, sizeof(path), "%s/links/%s", dir, rec->links[i]);
		if (unlink(path) && errno != ENOENT && !err) {
			err = -errno;
			msgf(msg, "cannot remove %s: %s", path,
			     strerror(-err));
		}
	}
	snprintf(path, sizeof(path), "%s/links", dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/links/%s", dir, de->d_name);
		if (unlink(path) && !err) {
			err = -errno;
			msgf(msg, "cannot remove %s: %s", path,
			     strerror(-err));
		}
	}
	if (d)
		closedir(d);
	for (i = 0; i < rec->nr_maps; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rec->maps[i]);
		unlink(path);
	}
	/* An attach cut short pinned maps it did not get to record. */
	d = rec->pending ? opendir(dir) : NULL;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "links"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	remove_dirs(dir);
	if (!err && is_dir(dir))
		pr_warn("policy %s: %s is left: it holds pins stratad did not make",
			rec->name, dir);
	return err;
}

static int only_dirs(const struct dirent *de)
{
	return de->d_name[0] != '.' &&
	       (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN);
}

static int not_dots(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

struct json_object *policy_links_json(const char *name)
{
	struct json_object *arr = json_object_new_array();
	struct dirent **names;
	char dir[256], path[PATH_MAX];
	int n, i;

	snprintf(dir, sizeof(dir), STRATA_BPF_ROOT "/%s/links", name);
	n = scandir(dir, &names, not_dots, alphasort);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		const char *type;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		json_object_object_add(o, "name",
				       json_object_new_string(names[i]->d_name));
		memset(&info, 0, sizeof(info));
		fd = bpf_obj_get(path);
		if (fd < 0 || bpf_link_get_info_by_fd(fd, &info, &len)) {
			json_object_object_add(o, "error",
					       json_object_new_string(strerror(errno)));
		} else {
			type = libbpf_bpf_link_type_str(info.type);
			json_object_object_add(o, "id",
					       json_object_new_int64(info.id));
			json_object_object_add(o, "prog_id",
					       json_object_new_int64(info.prog_id));
			json_object_object_add(o, "type",
					       json_object_new_string(type ?: "unknown"));
		}
		if (fd >= 0)
			close(fd);
		json_object_array_add(arr, o);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return arr;
}

int policy_dirs(char ***out)
{
	struct dirent **names;
	char **v = NULL;
	size_t nr = 0;
	int n, i;

	*out = NULL;
	n = scandir(STRATA_BPF_ROOT, &names, only_dirs, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (policy_dir_exists(names[i]->d_name))
			strv_add(&v, &nr, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	*out = v;
	return nr;
}
