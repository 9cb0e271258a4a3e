// SPDX-License-Identifier: GPL-2.0
/*
 * strata_tier - placement: which pages move where in a round
 *
 * After a scan, every present page is classified from its history: HOT
 * (accessed in hot_rounds of the last 4 rounds), COLD (not accessed in the
 * last cold_rounds rounds) or WARM, or as an attached policy says.  Then:
 *
 * 1. A registration above its fast-tier quota demotes its coldest fast
 *    pages down to the quota.
 * 2. Hot pages on the slow tier are promoted while the fast tier has room
 *    (above the reserve) and the quota allows.
 * 3. Hot pages left over are exchanged: as many cold fast pages are
 *    demoted, then as many hot pages promoted.
 *
 * Warm pages never move (outside a quota cut), and a page must be hot to
 * go up and cold to go down: the gap between the two is the hysteresis
 * that keeps pages from ping-ponging.  Everything is bounded by the
 * migration rate limit, shared by all registrations; the hottest pages go
 * first, and the coldest pages go down first.
 */

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>

#include "tier.h"
#include "trace.h"

/*
 * Selection keys: the history of promotion candidates (hottest first), and
 * class * 256 + history for the demotion order (cold pages first, then
 * warm, then hot ones, each from the least recently used).
 */
#define TIER_KEYS_UP	256
#define TIER_KEYS_DOWN	(3 * 256)

struct tier_plan {
	u64 round;
	u32 up_hist[TIER_KEYS_UP];
	u32 down_hist[TIER_KEYS_DOWN];
	u64 fast, slow, hot, hot_slow, cold_fast, fast_movable;
	u64 skip_thp, skip_pinned, skip_ksm;
	bool slow_warming;
	/* chosen: keys above the threshold all go, at it only @at_thr */
	int up_thr, down_thr;
	u64 up_at_thr, down_at_thr;
};

static u64 tier_rate_tokens;
static u64 tier_rate_stamp;

/** tier_rate_reset() - start the rate limiter with a full second's worth */
void tier_rate_reset(void)
{
	tier_rate_stamp = 0;
}

/* Pages the rate limit allows now; at most one second's worth banked. */
static u64 tier_rate_available(void)
{
	u64 per_s = (u64)READ_ONCE(tier_rate_limit_mbps) * (SZ_1M / PAGE_SIZE);
	u64 now = ktime_get_ns(), dt;

	dt = tier_rate_stamp ? min(now - tier_rate_stamp, (u64)NSEC_PER_SEC) :
			       NSEC_PER_SEC;
	tier_rate_stamp = now;
	tier_rate_tokens = min(tier_rate_tokens + div_u64(per_s * dt,
							  NSEC_PER_SEC), per_s);
	return tier_rate_tokens;
}

static int tier_classify_default(u8 hist, u8 seen)
{
	unsigned int cold = READ_ONCE(tier_cold_rounds);
	u8 recent = (u8)(0xff << (8 - cold));

	if (hweight8(hist & 0xf0) >= READ_ONCE(tier_hot_rounds))
		return STRATA_TIER_HOT;
	if (seen >= cold && !(hist & recent))
		return STRATA_TIER_COLD;
	return STRATA_TIER_WARM;
}

static u8 tier_unmovable(struct tier_plan *p, u8 where)
{
	if (where & TIER_PAGE_PINNED) {
		p->skip_pinned++;
		return 1;
	}
	if (where & TIER_PAGE_KSM) {
		p->skip_ksm++;
		return 1;
	}
	if ((where & TIER_PAGE_LARGE) ||
	    ((where & TIER_PAGE_THP) && !READ_ONCE(tier_thp_split))) {
		p->skip_thp++;
		return 1;
	}
	return 0;
}

static u32 tier_role(u8 place)
{
	if (place == TIER_WHERE_FAST)
		return STRATA_TIER_ROLE_FAST;
	if (place == TIER_WHERE_SLOW)
		return STRATA_TIER_ROLE_SLOW;
	return STRATA_TIER_ROLE_NONE;
}

/*
 * Can a region's classes and counts be taken as they were?  A region
 * nobody touched this round, with no fast and no hot page when last
 * classified, can only have grown colder: it holds no candidate.  Nor
 * does one left frozen by the scan, or an idle one with only fast pages,
 * while no room is wanted on the fast tier.
 */
static bool tier_region_unchanged(const struct tier_region *r, u64 round,
				  bool pressure)
{
	bool idle = r->tested == round && r->idle;

	if (idle && !r->nr_fast && !r->nr_hot)
		return true;
	return !pressure && !r->nr_slow &&
	       (r->frozen == round || idle);
}

/* Classify every page of a space and count the candidates. */
static void tier_plan_space(struct tier_reg *reg, struct tier_space *space,
			    struct tier_plan *p, bool bpf)
{
	struct tier_region *r;
	unsigned long idx;
	unsigned int i;

	xa_for_each(&space->regions, idx, r) {
		/* Only the built-in classification depends on history alone. */
		if (!bpf && tier_region_unchanged(r, p->round,
						  reg->pressure)) {
			p->slow += r->nr_slow;
			p->fast += r->nr_fast;
			p->hot += r->nr_hot;
			continue;
		}
		tier_region_settle(r);
		r->planned = p->round;
		r->nr_slow = 0;
		r->nr_fast = 0;
		r->nr_hot = 0;
		for (i = 0; i < TIER_REGION_PAGES; i++) {
			u8 where = r->where[i], place = where & TIER_WHERE_MASK;
			int class = -1;

			r->where[i] &= ~TIER_PAGE_PICK;
			if (place == TIER_WHERE_NONE)
				continue;
			if (bpf)
				class = tier_policy_classify(reg->id,
							     r->start + i * PAGE_SIZE,
							     r->hist[i], r->seen[i],
							     tier_role(place));
			if (class < STRATA_TIER_COLD || class > STRATA_TIER_HOT)
				class = tier_classify_default(r->hist[i],
							      r->seen[i]);
			r->class[i] = class;
			p->hot += class == STRATA_TIER_HOT;
			r->nr_hot += class == STRATA_TIER_HOT;

			if (place == TIER_WHERE_SLOW) {
				p->slow++;
				r->nr_slow++;
				if (class == STRATA_TIER_WARM &&
				    (r->hist[i] & 0x80))
					p->slow_warming = true;
				if (class != STRATA_TIER_HOT ||
				    tier_unmovable(p, where))
					continue;
				p->hot_slow++;
				p->up_hist[r->hist[i]]++;
			} else if (place == TIER_WHERE_FAST) {
				p->fast++;
				r->nr_fast++;
				if ((where & (TIER_PAGE_UNMOVABLE |
					      TIER_PAGE_LARGE)) ||
				    ((where & TIER_PAGE_THP) &&
				     !READ_ONCE(tier_thp_split)))
					continue;
				p->fast_movable++;
				p->cold_fast += class == STRATA_TIER_COLD;
				p->down_hist[class * 256 + r->hist[i]]++;
			}
		}
	}
}

/*
 * Threshold for taking @n entries from @hist: from the top key down
 * (@desc) or the bottom up.  Sets *@thr and how many to take at it.
 */
static void tier_threshold(const u32 *hist, int keys, u64 n, bool desc,
			   int *thr, u64 *at_thr)
{
	u64 sum = 0;
	int k;

	*thr = desc ? keys : -1;	/* nothing */
	*at_thr = 0;
	if (!n)
		return;
	for (k = 0; k < keys; k++) {
		int key = desc ? keys - 1 - k : k;

		if (sum + hist[key] >= n) {
			*thr = key;
			*at_thr = n - sum;
			return;
		}
		sum += hist[key];
	}
	*thr = desc ? 0 : keys - 1;
	*at_thr = U64_MAX;
}

/* Is the page chosen?  Keys beyond the threshold are; at it, the first. */
static bool tier_take(int key, int thr, u64 *at_thr, bool desc)
{
	if (desc ? key > thr : key < thr)
		return true;
	if (key == thr && *at_thr) {
		(*at_thr)--;
		return true;
	}
	return false;
}

static int tier_pick_target(const nodemask_t *mask, bool fast)
{
	unsigned long best = 0, room;
	int nid, target = NUMA_NO_NODE;

	for_each_node_mask(nid, *mask) {
		room = tier_node_room(nid, fast);
		if (room > best) {
			best = room;
			target = nid;
		}
	}
	return target;
}

/* Mark the chosen pages of one direction in every space. */
static void tier_pick(struct tier_reg *reg, struct tier_plan *p, bool up)
{
	struct tier_space *space;
	struct tier_region *r;
	unsigned long idx;
	unsigned int i;

	list_for_each_entry(space, &reg->spaces, node) {
		xa_for_each(&space->regions, idx, r) {
			if (r->planned != p->round)
				continue;
			for (i = 0; i < TIER_REGION_PAGES; i++) {
				u8 where = r->where[i] & ~TIER_PAGE_PICK;
				u8 place = where & TIER_WHERE_MASK;
				int key = r->hist[i];

				r->where[i] = where;
				if (where & (TIER_PAGE_UNMOVABLE |
					     TIER_PAGE_LARGE))
					continue;
				if ((where & TIER_PAGE_THP) &&
				    !READ_ONCE(tier_thp_split))
					continue;
				if (up) {
					if (place != TIER_WHERE_SLOW ||
					    r->class[i] != STRATA_TIER_HOT ||
					    !tier_take(key, p->up_thr,
						       &p->up_at_thr, true))
						continue;
				} else {
					if (place != TIER_WHERE_FAST)
						continue;
					key += r->class[i] * 256;
					if (!tier_take(key, p->down_thr,
						       &p->down_at_thr, false))
						continue;
				}
				r->where[i] |= TIER_PAGE_PICK;
			}
		}
	}
}

/*
 * Pick and move @n pages in one direction; returns the pages moved and
 * adds the time the moves took to @wall_ns.
 */
static u64 tier_move(struct tier_reg *reg, struct tier_plan *p, bool up,
		     u64 n, int target, u64 *wall_ns)
{
	struct tier_moved moved = { };
	u64 t0;

	if (!n || target == NUMA_NO_NODE)
		return 0;
	if (up)
		tier_threshold(p->up_hist, TIER_KEYS_UP, n, true, &p->up_thr,
			       &p->up_at_thr);
	else
		tier_threshold(p->down_hist, TIER_KEYS_DOWN, n, false,
			       &p->down_thr, &p->down_at_thr);
	tier_pick(reg, p, up);

	t0 = ktime_get_ns();
	tier_move_pages(reg, up ? TIER_WHERE_SLOW : TIER_WHERE_FAST, p->round,
			target, n, &moved);
	*wall_ns += ktime_get_ns() - t0;
	tier_stat_add(reg, migrate_ns, moved.cpu_ns);
	if (up)
		tier_stat_add(reg, promoted, moved.moved);
	else
		tier_stat_add(reg, demoted, moved.moved);
	tier_stat_add(reg, failed, moved.failed);
	tier_stat_add(reg, thp_split, moved.thp_split);
	trace_strata_tier_migrate(reg->id, up, target, n, moved.moved,
				  moved.failed, moved.threads);
	tier_rate_tokens -= min(tier_rate_tokens, moved.moved + moved.failed);
	return moved.moved;
}

static u64 tier_budget(bool up, const struct strata_tier_round *round,
		       u64 n)
{
	s64 b = tier_policy_budget(up, round);

	return b < 0 ? n : min_t(u64, n, b);
}

/**
 * tier_place() - classify the pages of a registration and move some
 * @reg: the registration, its scan just done
 * @nodes: node roles of this round
 * @round: the round number
 * @wall_ns: the time the moves took is added here
 *
 * Return: true when the round found work (moved pages, or left some for
 * later, or saw slow pages warming up): the next round comes soon.
 */
bool tier_place(struct tier_reg *reg, const struct tier_nodes *nodes,
		u64 round, u64 *wall_ns)
{
	struct strata_tier_round info = {
		.reg_id = reg->id,
		.nr_spaces = reg->nr_spaces,
		.round = round,
		.quota_pages = READ_ONCE(reg->quota_pages),
	};
	struct tier_space *space;
	struct tier_plan *p;
	u64 over, qroom, room, fit, budget, up, ex, rate;
	u64 down = 0, promoted = 0;
	int up_target, down_target;
	bool bpf = tier_policy_classify_active(), busy;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return true;
	p->round = round;
	list_for_each_entry(space, &reg->spaces, node)
		tier_plan_space(reg, space, p, bpf);

	up_target = tier_pick_target(&nodes->fast, true);
	down_target = tier_pick_target(&nodes->slow, false);
	room = up_target == NUMA_NO_NODE ? 0 : tier_node_room(up_target, true);
	rate = tier_rate_available();

	info.fast_pages = p->fast;
	info.slow_pages = p->slow;
	info.fast_room = room;
	info.hot_slow = p->hot_slow;
	info.cold_fast = p->cold_fast;
	info.rate_pages = rate;

	/* 1. Down to the quota, coldest first. */
	over = p->fast > info.quota_pages ? p->fast - info.quota_pages : 0;
	over = min3(over, p->fast_movable, rate);
	if (over && down_target != NUMA_NO_NODE) {
		down = tier_move(reg, p, false, over, down_target, wall_ns);
		rate -= min(rate, over);
	}

	/*
	 * 2. Promote into free room within the quota, and 3. exchange what
	 * does not fit against cold fast pages, two moves each.  The
	 * policy's promotion budget covers both.  No exchange in a round
	 * that cut down to the quota: the demotion order is stale then, and
	 * the next round comes at once.
	 */
	qroom = info.quota_pages > p->fast - down ?
		info.quota_pages - (p->fast - down) : 0;
	fit = min(room, qroom);
	budget = tier_budget(true, &info, p->hot_slow);
	up = min3(p->hot_slow, fit, min(rate, budget));
	ex = p->hot_slow > fit ? p->hot_slow - fit : 0;
	ex = min3(ex, p->cold_fast, (rate - up) / 2);
	ex = tier_budget(false, &info, min(ex, budget - up));
	if (ex && !over && down_target != NUMA_NO_NODE) {
		/* Only cold pages make way for hot ones. */
		memset(p->down_hist + 256, 0, 2 * 256 * sizeof(u32));
		ex = tier_move(reg, p, false, ex, down_target, wall_ns);
		down += ex;
	} else {
		ex = 0;
	}
	if (up + ex) {
		/* The exchange freed room: on the node it demoted from. */
		if (ex && up_target == NUMA_NO_NODE)
			up_target = tier_pick_target(&nodes->fast, false);
		if (ex && up_target == NUMA_NO_NODE)
			up_target = first_node(nodes->fast);
		promoted = tier_move(reg, p, true, up + ex, up_target,
				     wall_ns);
	}

	tier_stat_set(reg, fast_pages, p->fast + promoted - down);
	tier_stat_set(reg, slow_pages, p->slow + down - promoted);
	tier_stat_set(reg, hot_pages, p->hot);
	tier_stat_add(reg, skip_thp, p->skip_thp);
	tier_stat_add(reg, skip_pinned, p->skip_pinned);
	tier_stat_add(reg, skip_ksm, p->skip_ksm);
	busy = promoted || down || p->slow_warming;
	reg->pressure = p->hot_slow > fit || p->fast > info.quota_pages;
	kfree(p);
	return busy;
}
