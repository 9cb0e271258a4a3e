// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - fake GPUs: modelled devices at /dev/strata/gpuN
 *
 * Each open file of a fake GPU is a context.  A context queues kernels
 * (STRATA_FAKEGPU_IOC_RUN), each a duration only.  The device runs one
 * kernel at a time, in submission order across all its contexts, and an
 * hrtimer ends each one.  When the next kernel belongs to another context
 * than the previous one, the device first spends gang_fake_switch_us on
 * a context switch.  The first kernel a device ever runs costs no switch.
 *
 * A kernel is on the device from submission until it completes: first
 * in the device's queue, then the device's running kernel (while the
 * device switches to its context, then while it runs).  A context has at
 * most STRATA_FAKEGPU_MAX_QUEUED kernels on the device.
 *
 * Lifetimes: the timer callback frees a kernel when it completes, unless
 * a RUN_WAIT caller waits for it; that caller frees it then.  Closing a
 * context drops its queued kernels; its kernel on the device, if any,
 * finishes as an orphan (no context) and counts like any other.  The
 * callback reaches a context only through a kernel, under the device
 * lock, so release may free the context once it has unlinked it.
 *
 * Locking: everything of a device and of its contexts is under the
 * device's spinlock, taken with interrupts off (the callback runs in
 * hardirq context).  The lock is never held while sleeping or while
 * waiting for the timer.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kdev_t.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "gang.h"

enum fakegpu_phase {
	FAKEGPU_IDLE,		/* nothing on the device */
	FAKEGPU_SWITCHING,	/* loading @running's context */
	FAKEGPU_RUNNING,	/* running @running */
};

/**
 * struct fakegpu_dev - one fake GPU
 * @misc: its device node
 * @id: strata GPU id, index in fakegpu_devs[]
 * @lock: protects @queue to @switches and the device's contexts
 * @timer: ends the current switch or kernel
 * @queue: kernels waiting for the device, in submission order
 * @running: the kernel switching in or running, NULL when idle
 * @phase: enum fakegpu_phase
 * @expires: when the current switch or kernel ends (CLOCK_MONOTONIC)
 * @switch_cost_ns: length of the current switch, read when it began
 * @last_ctx: id of the context of the last kernel started, 0 for none
 * @nr_queued: kernels on @queue
 * @kernels: kernels completed since load
 * @busy_ns: their durations, summed
 * @switch_ns: time spent switching contexts
 * @switches: context switches
 * @name: misc device name, "strata_gpuN"
 * @nodename: device node path under /dev, "strata/gpuN"
 */
struct fakegpu_dev {
	struct miscdevice misc;
	u32 id;
	spinlock_t lock;	/* irqsave: the timer callback takes it */
	struct hrtimer timer;
	struct list_head queue;
	struct fakegpu_kernel *running;
	enum fakegpu_phase phase;
	ktime_t expires;
	u64 switch_cost_ns;
	u64 last_ctx;
	u32 nr_queued;
	u64 kernels;
	u64 busy_ns;
	u64 switch_ns;
	u64 switches;
	char name[16];
	char nodename[16];
};

/**
 * struct fakegpu_ctx - one open file of a fake GPU
 * @dev: its device
 * @id: unique for the module's lifetime, from 1
 * @wq: RUN_WAIT and SYNC callers
 * @submitted: kernels queued so far; the last one's sequence number
 * @completed: kernels completed
 * @last_start_ns: when kernel number @completed started
 * @last_end_ns: when it completed
 * @inflight: kernels on the device (queued or running)
 *
 * Every field but @dev, @id and @wq is under @dev->lock.
 */
struct fakegpu_ctx {
	struct fakegpu_dev *dev;
	u64 id;
	wait_queue_head_t wq;
	u64 submitted;
	u64 completed;
	u64 last_start_ns;
	u64 last_end_ns;
	u32 inflight;
};

/**
 * struct fakegpu_kernel - one kernel submitted to a fake GPU
 * @node: in the device's queue while queued
 * @ctx: its context, NULL once that was closed (under the device lock)
 * @ctx_id: its context's id, for switch accounting
 * @seq: its sequence number in its context
 * @duration_ns: its run time
 * @queued_ns: when it was queued
 * @start_ns: when it started running
 * @end_ns: when it completed
 * @waited: a RUN_WAIT caller waits for it and frees it
 * @done: it completed
 */
struct fakegpu_kernel {
	struct list_head node;
	struct fakegpu_ctx *ctx;
	u64 ctx_id;
	u64 seq;
	u64 duration_ns;
	u64 queued_ns;
	u64 start_ns;
	u64 end_ns;
	bool waited;
	bool done;
};

static struct fakegpu_dev *fakegpu_devs;
static unsigned int fakegpu_nr;
static atomic64_t fakegpu_ctx_ids = ATOMIC64_INIT(0);

/*
 * Put the next queued kernel on the idle device at time @now (or when it
 * was queued, if that is later): begin a switch to its context, or run it
 * at once.  Returns true when the timer must be armed for dev->expires,
 * false when nothing is queued.
 */
static bool fakegpu_start_next(struct fakegpu_dev *dev, u64 now)
{
	struct fakegpu_kernel *k;
	u64 switch_ns;

	lockdep_assert_held(&dev->lock);
	k = list_first_entry_or_null(&dev->queue, struct fakegpu_kernel,
				     node);
	if (!k) {
		dev->running = NULL;
		dev->phase = FAKEGPU_IDLE;
		return false;
	}
	list_del(&k->node);
	dev->nr_queued--;
	dev->running = k;
	now = max(now, k->queued_ns);

	if (dev->last_ctx && dev->last_ctx != k->ctx_id) {
		dev->last_ctx = k->ctx_id;
		switch_ns = (u64)READ_ONCE(gang_fake_switch_us) *
			    NSEC_PER_USEC;
		if (switch_ns) {
			/* Counted in switch_ns and switches when it ends. */
			dev->phase = FAKEGPU_SWITCHING;
			dev->switch_cost_ns = switch_ns;
			dev->expires = ns_to_ktime(now + switch_ns);
			return true;
		}
		dev->switches++;
	}
	dev->last_ctx = k->ctx_id;
	dev->phase = FAKEGPU_RUNNING;
	k->start_ns = now;
	dev->expires = ns_to_ktime(now + k->duration_ns);
	return true;
}

/* The running kernel completed at @now: account it, wake its waiters. */
static void fakegpu_complete(struct fakegpu_dev *dev, u64 now)
{
	struct fakegpu_kernel *k = dev->running;
	struct fakegpu_ctx *ctx = k->ctx;

	lockdep_assert_held(&dev->lock);
	dev->running = NULL;
	dev->kernels++;
	dev->busy_ns += k->duration_ns;
	k->end_ns = now;
	WRITE_ONCE(k->done, true);
	if (ctx) {
		ctx->last_start_ns = k->start_ns;
		ctx->last_end_ns = now;
		WRITE_ONCE(ctx->completed, ctx->completed + 1);
		WRITE_ONCE(ctx->inflight, ctx->inflight - 1);
		wake_up_all(&ctx->wq);
	}
	if (!k->waited)
		kfree(k);
}

static enum hrtimer_restart fakegpu_timer_fn(struct hrtimer *timer)
{
	struct fakegpu_dev *dev = container_of(timer, struct fakegpu_dev,
					       timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct fakegpu_kernel *k;
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&dev->lock, flags);
	/*
	 * The device's own clock: the switch or kernel ended when it was
	 * due, however late this callback runs (a busy or virtual machine
	 * delays it).  What was queued by then follows at once, as on a
	 * real GPU, so the device's timeline does not drift with timer
	 * latency; only the completion is signalled late.
	 */
	now = ktime_to_ns(dev->expires);
	k = dev->running;
	if (WARN_ON_ONCE(!k))
		goto out;
	if (dev->phase == FAKEGPU_SWITCHING) {
		/* The switch time is what it was when the switch began. */
		dev->switch_ns += dev->switch_cost_ns;
		dev->switches++;
		dev->phase = FAKEGPU_RUNNING;
		k->start_ns = now;
		dev->expires = ns_to_ktime(now + k->duration_ns);
		ret = HRTIMER_RESTART;
	} else {
		fakegpu_complete(dev, now);
		if (fakegpu_start_next(dev, now))
			ret = HRTIMER_RESTART;
	}
	if (ret == HRTIMER_RESTART)
		hrtimer_set_expires(timer, dev->expires);
out:
	spin_unlock_irqrestore(&dev->lock, flags);
	return ret;
}

static struct fakegpu_ctx *fakegpu_ctx_of(struct file *file)
{
	return file->private_data;
}

static int fakegpu_open(struct inode *inode, struct file *file)
{
	/* misc_open() left our miscdevice in private_data. */
	struct fakegpu_dev *dev = container_of(file->private_data,
					       struct fakegpu_dev, misc);
	struct fakegpu_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->dev = dev;
	ctx->id = atomic64_inc_return(&fakegpu_ctx_ids);
	init_waitqueue_head(&ctx->wq);
	file->private_data = ctx;
	return 0;
}

static int fakegpu_release(struct inode *inode, struct file *file)
{
	struct fakegpu_ctx *ctx = fakegpu_ctx_of(file);
	struct fakegpu_dev *dev = ctx->dev;
	struct fakegpu_kernel *k, *tmp;
	unsigned long flags;
	LIST_HEAD(dropped);

	/* No ioctl runs on this file any more: nobody waits on @ctx. */
	spin_lock_irqsave(&dev->lock, flags);
	list_for_each_entry_safe(k, tmp, &dev->queue, node) {
		if (k->ctx != ctx)
			continue;
		list_move_tail(&k->node, &dropped);
		dev->nr_queued--;
	}
	if (dev->running && dev->running->ctx == ctx)
		dev->running->ctx = NULL;
	spin_unlock_irqrestore(&dev->lock, flags);

	list_for_each_entry_safe(k, tmp, &dropped, node)
		kfree(k);
	kfree(ctx);
	return 0;
}

static long fakegpu_ioc_run(struct fakegpu_ctx *ctx,
			    struct strata_fakegpu_run __user *uarg)
{
	struct fakegpu_dev *dev = ctx->dev;
	struct strata_fakegpu_run args;
	struct fakegpu_kernel *k;
	unsigned long flags;
	bool wait;
	int err = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~STRATA_FAKEGPU_RUN_FLAGS) || args.pad ||
	    args.seq || args.start_ns || args.end_ns ||
	    args.reserved[0] || args.reserved[1])
		return -EINVAL;
	if (!args.duration_us || args.duration_us > STRATA_FAKEGPU_MAX_US)
		return -EINVAL;
	wait = args.flags & STRATA_FAKEGPU_RUN_WAIT;

	k = kmalloc(sizeof(*k), GFP_KERNEL_ACCOUNT);
	if (!k)
		return -ENOMEM;
	k->ctx = ctx;
	k->ctx_id = ctx->id;
	k->duration_ns = args.duration_us * NSEC_PER_USEC;
	k->start_ns = 0;
	k->end_ns = 0;
	k->waited = wait;
	k->done = false;

	spin_lock_irqsave(&dev->lock, flags);
	if (ctx->inflight >= STRATA_FAKEGPU_MAX_QUEUED) {
		spin_unlock_irqrestore(&dev->lock, flags);
		kfree(k);
		return -EAGAIN;
	}
	k->seq = ++ctx->submitted;
	k->queued_ns = ktime_get_ns();
	WRITE_ONCE(ctx->inflight, ctx->inflight + 1);
	list_add_tail(&k->node, &dev->queue);
	dev->nr_queued++;
	if (!dev->running && fakegpu_start_next(dev, ktime_get_ns()))
		hrtimer_start(&dev->timer, dev->expires, HRTIMER_MODE_ABS);
	/* Without RUN_WAIT, @k may be gone once the lock is dropped. */
	args.seq = k->seq;
	spin_unlock_irqrestore(&dev->lock, flags);

	if (wait) {
		err = wait_event_interruptible(ctx->wq, READ_ONCE(k->done));
		spin_lock_irqsave(&dev->lock, flags);
		if (k->done) {
			args.start_ns = k->start_ns;
			args.end_ns = k->end_ns;
			err = 0;
		} else {
			/*
			 * Interrupted: the kernel stays on the device and is
			 * freed like any other; the caller still gets its
			 * seq.  -EINTR, not -ERESTARTSYS: a restarted call
			 * would queue it a second time.
			 */
			k->waited = false;
			k = NULL;
			err = -EINTR;
		}
		spin_unlock_irqrestore(&dev->lock, flags);
		kfree(k);
	}

	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return err;
}

/* Kernels of a context complete in the order they were queued. */
static long fakegpu_ioc_wait(struct fakegpu_ctx *ctx,
			     struct strata_fakegpu_wait __user *uarg)
{
	struct fakegpu_dev *dev = ctx->dev;
	struct strata_fakegpu_wait args;
	unsigned long flags;
	u64 submitted;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad || args.completed || args.start_ns ||
	    args.end_ns || args.reserved[0] || args.reserved[1])
		return -EINVAL;
	spin_lock_irqsave(&dev->lock, flags);
	submitted = ctx->submitted;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!args.seq || args.seq > submitted)
		return -EINVAL;

	err = wait_event_interruptible(ctx->wq,
				       READ_ONCE(ctx->completed) >= args.seq);
	if (err)
		return err;
	spin_lock_irqsave(&dev->lock, flags);
	args.completed = ctx->completed;
	args.start_ns = ctx->last_start_ns;
	args.end_ns = ctx->last_end_ns;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static long fakegpu_ioc_sync(struct fakegpu_ctx *ctx)
{
	return wait_event_interruptible(ctx->wq, !READ_ONCE(ctx->inflight));
}

static long fakegpu_ioc_stat(struct fakegpu_ctx *ctx,
			     struct strata_fakegpu_stat __user *uarg)
{
	struct fakegpu_dev *dev = ctx->dev;
	struct strata_fakegpu_stat st = { .id = dev->id };
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	st.queued = dev->nr_queued + (dev->running ? 1 : 0);
	st.kernels = dev->kernels;
	st.busy_ns = dev->busy_ns;
	st.switch_ns = dev->switch_ns;
	st.switches = dev->switches;
	st.ctx_completed = ctx->completed;
	spin_unlock_irqrestore(&dev->lock, flags);

	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long fakegpu_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct fakegpu_ctx *ctx = fakegpu_ctx_of(file);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case STRATA_FAKEGPU_IOC_RUN:
		return fakegpu_ioc_run(ctx, uarg);
	case STRATA_FAKEGPU_IOC_WAIT:
		return fakegpu_ioc_wait(ctx, uarg);
	case STRATA_FAKEGPU_IOC_SYNC:
		return fakegpu_ioc_sync(ctx);
	case STRATA_FAKEGPU_IOC_STAT:
		return fakegpu_ioc_stat(ctx, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations fakegpu_fops = {
	.owner = THIS_MODULE,
	.open = fakegpu_open,
	.release = fakegpu_release,
	.unlocked_ioctl = fakegpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Snapshot a device's counters into the FAKE fields of @out. */
static void fakegpu_read_counters(struct fakegpu_dev *dev,
				  struct strata_gang_gpu *out)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	out->kernels = dev->kernels;
	out->busy_ns = dev->busy_ns;
	out->switch_ns = dev->switch_ns;
	out->switches = dev->switches;
	spin_unlock_irqrestore(&dev->lock, flags);
}

static void fakegpu_device_counters(struct device *d,
				    struct strata_gang_gpu *out)
{
	/* misc_register() made the miscdevice the device's drvdata. */
	struct miscdevice *misc = dev_get_drvdata(d);

	fakegpu_read_counters(container_of(misc, struct fakegpu_dev, misc),
			      out);
}

/* A read-only sysfs file per counter of struct strata_gang_gpu. */
#define FAKEGPU_COUNTER_ATTR(_field)					\
static ssize_t _field##_show(struct device *d,				\
			     struct device_attribute *attr, char *buf)	\
{									\
	struct strata_gang_gpu g;					\
									\
	fakegpu_device_counters(d, &g);					\
	return sysfs_emit(buf, "%llu\n", g._field);			\
}									\
static DEVICE_ATTR_RO(_field)

FAKEGPU_COUNTER_ATTR(busy_ns);
FAKEGPU_COUNTER_ATTR(kernels);
FAKEGPU_COUNTER_ATTR(switches);
FAKEGPU_COUNTER_ATTR(switch_ns);

static struct attribute *fakegpu_attrs[] = {
	&dev_attr_busy_ns.attr,
	&dev_attr_kernels.attr,
	&dev_attr_switches.attr,
	&dev_attr_switch_ns.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fakegpu);

/* Stop the device's timer and free what is still on it. */
static void fakegpu_dev_drain(struct fakegpu_dev *dev)
{
	struct fakegpu_kernel *k, *tmp;

	hrtimer_cancel(&dev->timer);
	/* No context is left: only orphans remain, none is waited for. */
	kfree(dev->running);
	dev->running = NULL;
	dev->phase = FAKEGPU_IDLE;
	list_for_each_entry_safe(k, tmp, &dev->queue, node) {
		list_del(&k->node);
		kfree(k);
	}
	dev->nr_queued = 0;
}

/**
 * gang_fakegpu_init() - create the fake GPUs
 * @n: how many, at most STRATA_GANG_MAX_GPUS; 0 creates none
 * @devs: out: the device number of each one's node, @n entries
 *
 * Creates /dev/strata/gpu0 .. gpu(@n - 1); GPU id i is device i.
 *
 * Return: 0, or a negative errno with no device left behind.
 */
int gang_fakegpu_init(unsigned int n, dev_t *devs)
{
	struct fakegpu_dev *dev;
	unsigned int i;
	int err;

	if (n > STRATA_GANG_MAX_GPUS)
		return -EINVAL;
	if (!n)
		return 0;
	fakegpu_devs = kcalloc(n, sizeof(*fakegpu_devs), GFP_KERNEL);
	if (!fakegpu_devs)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		dev = &fakegpu_devs[i];
		dev->id = i;
		spin_lock_init(&dev->lock);
		hrtimer_init(&dev->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		dev->timer.function = fakegpu_timer_fn;
		INIT_LIST_HEAD(&dev->queue);
		dev->phase = FAKEGPU_IDLE;
		snprintf(dev->name, sizeof(dev->name), "strata_gpu%u", i);
		snprintf(dev->nodename, sizeof(dev->nodename), "strata/gpu%u",
			 i);
		dev->misc.minor = MISC_DYNAMIC_MINOR;
		dev->misc.name = dev->name;
		dev->misc.nodename = dev->nodename;
		dev->misc.mode = 0666;
		dev->misc.fops = &fakegpu_fops;
		dev->misc.groups = fakegpu_groups;
		err = misc_register(&dev->misc);
		if (err) {
			pr_err("cannot register /dev/%s: %d\n", dev->nodename,
			       err);
			goto err_deregister;
		}
		devs[i] = MKDEV(MISC_MAJOR, dev->misc.minor);
	}
	fakegpu_nr = n;
	return 0;

err_deregister:
	while (i--)
		misc_deregister(&fakegpu_devs[i].misc);
	kfree(fakegpu_devs);
	fakegpu_devs = NULL;
	return err;
}

/**
 * gang_fakegpu_exit() - remove the fake GPUs
 *
 * No file of them may be open: each holds a reference to the module.
 * Kernels of closed contexts still on a device are dropped.
 */
void gang_fakegpu_exit(void)
{
	unsigned int i;

	for (i = 0; i < fakegpu_nr; i++) {
		misc_deregister(&fakegpu_devs[i].misc);
		fakegpu_dev_drain(&fakegpu_devs[i]);
	}
	kfree(fakegpu_devs);
	fakegpu_devs = NULL;
	fakegpu_nr = 0;
}

/**
 * gang_fakegpu_stat() - a fake GPU's counters
 * @id: the GPU id, below the @n given to gang_fakegpu_init()
 * @out: its kernels, busy_ns, switch_ns and switches are filled in;
 *	the other fields are left alone
 *
 * The counters run since the module was loaded.  Safe in any context
 * that may take a spinlock with interrupts off.
 */
void gang_fakegpu_stat(u32 id, struct strata_gang_gpu *out)
{
	if (WARN_ON_ONCE(id >= fakegpu_nr))
		return;
	fakegpu_read_counters(&fakegpu_devs[id], out);
}
