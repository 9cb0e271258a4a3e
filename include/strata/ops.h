/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strata - what the struct_ops policy hooks of the modules share
 *
 * strata_cap_ops, strata_tier_ops and strata_gang_ops are each one
 * attached policy at a time whose callbacks run under RCU (and some under
 * a module's lock): their programs read their arguments through BTF, may
 * not sleep, and carry a name that bpftool shows.
 */
#ifndef _STRATA_OPS_H
#define _STRATA_OPS_H

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/ctype.h>
#include <linux/string.h>

static inline bool strata_ops_is_valid_access(int off, int size,
					      enum bpf_access_type type,
					      const struct bpf_prog *prog,
					      struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static inline int strata_ops_init(struct btf *btf)
{
	return 0;
}

/* Callbacks run under RCU: a sleepable program is refused. */
static inline int strata_ops_check_member(const struct btf_type *t,
					  const struct btf_member *member,
					  const struct bpf_prog *prog)
{
	return prog->sleepable ? -EINVAL : 0;
}

/**
 * strata_ops_name_copy() - check and copy a policy's name
 * @dst: the kernel's copy of the ops
 * @src: the name the loader gave
 * @size: the size of both name arrays
 *
 * bpf_obj_name_cpy() is not exported, so this does its job: letters,
 * digits, '_', '.' and '-', NUL-terminated, not empty.
 *
 * Return: 1 (the member is handled, as init_member() answers), or
 * -EINVAL.
 */
static inline int strata_ops_name_copy(char *dst, const char *src,
				       size_t size)
{
	size_t i;

	for (i = 0; i < size && src[i]; i++) {
		if (!isalnum(src[i]) && src[i] != '_' && src[i] != '.' &&
		    src[i] != '-')
			return -EINVAL;
	}
	if (i == 0 || i == size)
		return -EINVAL;
	memcpy(dst, src, i);
	dst[i] = '\0';
	return 1;
}

#endif /* _STRATA_OPS_H */
