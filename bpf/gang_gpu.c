// SPDX-License-Identifier: GPL-2.0
/*
 * gang_gpu - loader of the GPU device access program (gang_gpu.bpf.c)
 *
 *   gang_gpu load     attach the program and pin it, with its counters,
 *                     under GANG_GPU_PIN_DIR; it stays attached after the
 *                     loader exits
 *   gang_gpu unload   unpin it: the program detaches
 *   gang_gpu status   whether it is loaded, its refusals and the last ones
 *   gang_gpu run      attach, print each refusal, detach on SIGINT or
 *                     SIGTERM (or after -n seconds)
 *
 * stratad uses the same pins.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gang_gpu.h"
#include "loader.h"
#include "gang_gpu.skel.h"

_Static_assert(sizeof(struct gang_gpu_bpf__bss) ==
	       sizeof(struct gang_gpu_stats),
	       "gang_gpu.bpf.c has globals besides its stats");

#define LINK_DIR	GANG_GPU_PIN_DIR "/links"
#define STATS_PIN	GANG_GPU_PIN_DIR "/stats"

static const char help_fmt[] =
"Keep GPU device nodes to the gangs that hold the GPUs (BPF LSM).\n"
"\n"
"Usage: %s load | unload | status | run [-n SECS] [-v]\n"
"\n"
"  load       attach and pin under " GANG_GPU_PIN_DIR "\n"
"  unload     unpin: the program detaches (open files stay open)\n"
"  status     whether it is loaded, refusals, the last ones\n"
"  run        attach, print refusals, detach on SIGINT/SIGTERM\n"
"  -n SECS    with run: detach after SECS seconds\n"
"  -v         print libbpf's debug messages\n"
"  -h         this help\n";

static struct gang_gpu_bpf *open_and_attach(void)
{
	struct gang_gpu_bpf *skel;
	int err;

	skel = gang_gpu_bpf__open();
	if (!skel) {
		fprintf(stderr, "cannot open the program: %s\n",
			strerror(errno));
		return NULL;
	}
	err = gang_gpu_bpf__load(skel);
	if (err) {
		fprintf(stderr, "cannot load the program: %s\n"
			"(is strata_gang loaded? is \"bpf\" in the lsm= list?)\n",
			strerror(-err));
		goto fail;
	}
	err = gang_gpu_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "cannot attach the program: %s\n",
			strerror(-err));
		goto fail;
	}
	return skel;
fail:
	gang_gpu_bpf__destroy(skel);
	return NULL;
}

static int mkdirs(void)
{
	if (mkdir("/sys/fs/bpf/strata", 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(GANG_GPU_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(LINK_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int do_load(void)
{
	struct gang_gpu_bpf *skel;
	struct stat st;
	char path[256];
	int i, err;

	if (!stat(LINK_DIR "/gang_gpu_file_open", &st)) {
		fprintf(stderr, "already loaded (%s)\n", LINK_DIR);
		return 1;
	}
	err = mkdirs();
	if (err) {
		fprintf(stderr, "cannot create %s: %s (is bpffs mounted?)\n",
			LINK_DIR, strerror(-err));
		return 1;
	}
	skel = open_and_attach();
	if (!skel)
		return 1;
	/* The counters first: a pinned link always has them next to it. */
	unlink(STATS_PIN);
	err = bpf_map__pin(skel->maps.bss, STATS_PIN);
	if (err) {
		fprintf(stderr, "cannot pin %s: %s\n", STATS_PIN,
			strerror(-err));
		goto fail;
	}
	for (i = 0; i < skel->skeleton->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = &skel->skeleton->progs[i];

		if (!*ps->link)
			continue;
		snprintf(path, sizeof(path), LINK_DIR "/%s", ps->name);
		err = bpf_link__pin(*ps->link, path);
		if (err) {
			fprintf(stderr, "cannot pin %s: %s\n", path,
				strerror(-err));
			goto fail;
		}
	}
	printf("GPU access program attached and pinned under %s\n",
	       GANG_GPU_PIN_DIR);
	gang_gpu_bpf__destroy(skel);	/* the pins keep it attached */
	return 0;
fail:
	/* Leave no half: a link pinned already goes, and the counters. */
	for (i = 0; i < skel->skeleton->prog_cnt; i++) {
		snprintf(path, sizeof(path), LINK_DIR "/%s",
			 skel->skeleton->progs[i].name);
		unlink(path);
	}
	unlink(STATS_PIN);
	gang_gpu_bpf__destroy(skel);
	return 1;
}

static int do_unload(void)
{
	struct gang_gpu_bpf *skel;
	struct bpf_program *prog;
	char path[256];
	int n = 0;

	skel = gang_gpu_bpf__open();
	if (!skel) {
		fprintf(stderr, "cannot open the program: %s\n",
			strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		snprintf(path, sizeof(path), LINK_DIR "/%s",
			 bpf_program__name(prog));
		if (!unlink(path))
			n++;
	}
	gang_gpu_bpf__destroy(skel);
	unlink(STATS_PIN);
	rmdir(LINK_DIR);
	rmdir(GANG_GPU_PIN_DIR);
	if (!n) {
		fprintf(stderr, "not loaded\n");
		return 1;
	}
	printf("GPU access program detached\n");
	return 0;
}

static void print_event(const struct gang_gpu_event *ev)
{
	printf("denied: pid %u (%.16s) tgid %u dev %u:%u: %s\n",
	       ev->pid, ev->comm, ev->tgid, major(ev->dev), minor(ev->dev),
	       strerror(-ev->err));
}

/* Refusals number @from up to @to, those the ring still holds. */
static void print_events(const struct gang_gpu_stats *stats, __u64 from,
			 __u64 to)
{
	if (to - from > GANG_GPU_RECENT)
		from = to - GANG_GPU_RECENT;
	for (; from < to; from++)
		print_event(&stats->recent[from % GANG_GPU_RECENT]);
}

static int do_status(void)
{
	struct gang_gpu_stats stats;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	__u32 zero = 0;
	struct stat st;
	int fd, err;

	if (stat(LINK_DIR "/gang_gpu_file_open", &st)) {
		printf("not loaded\n");
		return 1;
	}
	fd = bpf_obj_get(STATS_PIN);
	if (fd < 0) {
		fprintf(stderr, "cannot open %s: %s\n", STATS_PIN,
			strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	err = bpf_map_get_info_by_fd(fd, &info, &len);
	if (!err && info.value_size != sizeof(stats))
		err = -EPROTO;	/* pinned by another version */
	if (!err)
		err = bpf_map_lookup_elem(fd, &zero, &stats) ? -errno : 0;
	close(fd);
	if (err) {
		fprintf(stderr, "cannot read %s: %s\n", STATS_PIN,
			strerror(-err));
		return 1;
	}
	printf("loaded, pinned under %s\n", GANG_GPU_PIN_DIR);
	printf("denied: %llu\n", (unsigned long long)stats.denied);
	print_events(&stats, 0, stats.denied);
	return 0;
}

static int do_run(long secs)
{
	struct gang_gpu_bpf *skel;
	__u64 seen = 0, now;
	time_t end;

	skel = open_and_attach();
	if (!skel)
		return 1;
	printf("gang_gpu attached\n");
	fflush(stdout);
	end = time(NULL) + secs;
	while (!exiting && (secs < 0 || time(NULL) < end)) {
		sleep(1);
		now = __atomic_load_n(&skel->bss->stats.denied,
				      __ATOMIC_ACQUIRE);
		print_events(&skel->bss->stats, seen, now);
		seen = now;
		fflush(stdout);
	}
	gang_gpu_bpf__destroy(skel);
	printf("gang_gpu detached\n");
	return 0;
}

int main(int argc, char **argv)
{
	long secs;
	int status;

	status = loader_options(argc, argv, help_fmt, 1, &secs);
	if (status >= 0)
		return status;

	if (!strcmp(argv[optind], "load"))
		return do_load();
	if (!strcmp(argv[optind], "unload"))
		return do_unload();
	if (!strcmp(argv[optind], "status"))
		return do_status();
	if (!strcmp(argv[optind], "run"))
		return do_run(secs);
	fprintf(stderr, "unknown command '%s'\n", argv[optind]);
	return 2;
}
