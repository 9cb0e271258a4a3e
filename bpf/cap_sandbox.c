// SPDX-License-Identifier: GPL-2.0
/*
 * cap_sandbox - loader of the capability-mode programs (cap_sandbox.bpf.c)
 *
 *   cap_sandbox load     attach the programs and pin them, with their
 *                        counters, under CAP_SANDBOX_PIN_DIR; they stay
 *                        attached after the loader exits
 *   cap_sandbox unload   unpin them: the programs detach
 *   cap_sandbox run      attach, print each refusal as it happens, detach
 *                        on SIGINT or SIGTERM (or after -n seconds)
 *
 * Pinned programs keep enforcing capability mode whatever happens to the
 * process that loaded them; stratad uses the same pins.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <strata/cap.h>

#include "cap_sandbox.h"
#include "loader.h"
#include "cap_sandbox.skel.h"

_Static_assert(CAP_SANDBOX_IOC_ENTER == STRATA_CAP_IOC_SANDBOX_ENTER,
	       "cap_sandbox.h and the uapi disagree on SANDBOX_ENTER");
_Static_assert(CAP_SANDBOX_IOC_STATUS == STRATA_CAP_IOC_SANDBOX_STATUS,
	       "cap_sandbox.h and the uapi disagree on SANDBOX_STATUS");
_Static_assert(STRATA_SANDBOX_ACTIVE_BIT == STRATA_SANDBOX_ACTIVE,
	       "cap_sandbox.h and the uapi disagree on SANDBOX_ACTIVE");

#define LINK_DIR	CAP_SANDBOX_PIN_DIR "/links"

static const char help_fmt[] =
"Capability mode for strata: attach the BPF LSM programs that enforce it.\n"
"\n"
"Usage: %s load | unload | run [-n SECS] [-v]\n"
"\n"
"  load       attach and pin under " CAP_SANDBOX_PIN_DIR "\n"
"  unload     unpin: the programs detach (sandboxed processes keep\n"
"             running, without the rules)\n"
"  run        attach, print refusals, detach on SIGINT/SIGTERM\n"
"  -n SECS    with run: detach after SECS seconds\n"
"  -v         print libbpf's debug messages\n"
"  -h         this help\n";

static struct cap_sandbox_bpf *open_and_attach(const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct cap_sandbox_bpf *skel;
	int err;

	skel = cap_sandbox_bpf__open_opts(&opts);
	if (!skel) {
		fprintf(stderr, "cannot open the programs: %s\n",
			strerror(errno));
		return NULL;
	}
	/* A private copy (run) pins nothing, not even by name. */
	if (!pin_root) {
		bpf_map__set_pin_path(skel->maps.denials, NULL);
		bpf_map__set_pin_path(skel->maps.recent, NULL);
	}
	err = cap_sandbox_bpf__load(skel);
	if (err) {
		fprintf(stderr, "cannot load the programs: %s\n"
			"(is strata_cap loaded? is \"bpf\" in the lsm= list?)\n",
			strerror(-err));
		goto fail;
	}
	err = cap_sandbox_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "cannot attach the programs: %s\n",
			strerror(-err));
		goto fail;
	}
	return skel;
fail:
	cap_sandbox_bpf__destroy(skel);
	return NULL;
}

static int mkdirs(void)
{
	if (mkdir("/sys/fs/bpf/strata", 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(CAP_SANDBOX_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(LINK_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int do_load(void)
{
	struct cap_sandbox_bpf *skel;
	struct stat st;
	char path[256];
	int i, err;

	if (!stat(LINK_DIR "/sandbox_file_ioctl", &st)) {
		fprintf(stderr, "already loaded (%s)\n", LINK_DIR);
		return 1;
	}
	err = mkdirs();
	if (err) {
		fprintf(stderr, "cannot create %s: %s (is bpffs mounted?)\n",
			LINK_DIR, strerror(-err));
		return 1;
	}
	skel = open_and_attach(CAP_SANDBOX_PIN_DIR);
	if (!skel)
		return 1;
	for (i = 0; i < skel->skeleton->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = &skel->skeleton->progs[i];

		if (!*ps->link)
			continue;
		snprintf(path, sizeof(path), LINK_DIR "/%s", ps->name);
		err = bpf_link__pin(*ps->link, path);
		if (err) {
			fprintf(stderr, "cannot pin %s: %s\n", path,
				strerror(-err));
			cap_sandbox_bpf__destroy(skel);
			return 1;
		}
	}
	printf("capability mode programs attached and pinned under %s\n",
	       CAP_SANDBOX_PIN_DIR);
	cap_sandbox_bpf__destroy(skel);	/* the pins keep them attached */
	return 0;
}

static int do_unload(void)
{
	struct cap_sandbox_bpf *skel;
	struct bpf_program *prog;
	char path[256];
	int n = 0;

	skel = cap_sandbox_bpf__open();
	if (!skel) {
		fprintf(stderr, "cannot open the programs: %s\n",
			strerror(errno));
		return 1;
	}
	/* The ENTER acknowledgement first, so nobody enters meanwhile. */
	if (!unlink(LINK_DIR "/sandbox_file_ioctl"))
		n++;
	bpf_object__for_each_program(prog, skel->obj) {
		snprintf(path, sizeof(path), LINK_DIR "/%s",
			 bpf_program__name(prog));
		if (!unlink(path))
			n++;
	}
	cap_sandbox_bpf__destroy(skel);
	unlink(CAP_SANDBOX_PIN_DIR "/denials");
	unlink(CAP_SANDBOX_PIN_DIR "/recent");
	rmdir(LINK_DIR);
	rmdir(CAP_SANDBOX_PIN_DIR);
	if (!n) {
		fprintf(stderr, "not loaded\n");
		return 1;
	}
	printf("capability mode programs detached\n");
	return 0;
}

static int print_event(void *ctx, void *data, size_t size)
{
	const struct cap_sandbox_event *ev = data;
	const char *rule = ev->rule < CAP_SANDBOX_NR_RULES ?
			   cap_sandbox_rule_names[ev->rule] : "?";

	printf("denied: pid %u (%.16s) tgid %u rule %s hook %.24s\n",
	       ev->pid, ev->comm, ev->tgid, rule, ev->hook);
	fflush(stdout);
	return 0;
}

static int do_run(long secs)
{
	struct cap_sandbox_bpf *skel;
	struct ring_buffer *rb;
	time_t end;

	skel = open_and_attach(NULL);
	if (!skel)
		return 1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), print_event,
			      NULL, NULL);
	if (!rb) {
		fprintf(stderr, "cannot read refusals: %s\n", strerror(errno));
		cap_sandbox_bpf__destroy(skel);
		return 1;
	}
	printf("cap_sandbox attached\n");
	fflush(stdout);
	end = time(NULL) + secs;
	while (!exiting && (secs < 0 || time(NULL) < end))
		ring_buffer__poll(rb, 1000);
	ring_buffer__free(rb);
	cap_sandbox_bpf__destroy(skel);
	printf("cap_sandbox detached\n");
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
	if (!strcmp(argv[optind], "run"))
		return do_run(secs);
	fprintf(stderr, "unknown command '%s'\n", argv[optind]);
	return 2;
}
