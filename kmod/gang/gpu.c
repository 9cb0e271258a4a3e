// SPDX-License-Identifier: GPL-2.0
/*
 * strata_gang - the GPUs: fake ones first, then the machine's own
 *
 * GPU ids are dense: 0..gang_nr_gpus-1.  The fake GPUs (fake_gpus=N) come
 * first; after them every PCI 3D controller, and every display controller
 * of a vendor that makes compute GPUs (an emulated VGA adapter is no GPU).
 * Only NVIDIA's device nodes have a fixed numbering (/dev/nvidiaN is char
 * 195:N, in PCI order), so only they get a device number that the access
 * control can match; the others are scheduled, not guarded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/kdev_t.h>
#include <linux/pci_ids.h>

#include "gang.h"

#define GANG_NVIDIA_MAJOR	195

struct gang_gpu gang_gpus[STRATA_GANG_MAX_GPUS];
unsigned int gang_nr_gpus;
static unsigned int gang_nr_fake;

static bool gang_pci_is_gpu(const struct pci_dev *pdev)
{
	u32 class = pdev->class >> 8;

	if (class == PCI_CLASS_DISPLAY_3D)
		return true;
	if (class != PCI_CLASS_DISPLAY_VGA && class != PCI_CLASS_DISPLAY_OTHER)
		return false;
	return pdev->vendor == PCI_VENDOR_ID_NVIDIA ||
	       pdev->vendor == PCI_VENDOR_ID_ATI;
}

static void gang_gpus_find_pci(void)
{
	struct pci_dev *pdev = NULL;
	unsigned int nvidia = 0;

	for_each_pci_dev(pdev) {
		struct gang_gpu *gpu;

		if ((pdev->class >> 16) != PCI_BASE_CLASS_DISPLAY ||
		    !gang_pci_is_gpu(pdev))
			continue;
		if (gang_nr_gpus == STRATA_GANG_MAX_GPUS) {
			pr_warn("more than %u GPUs: %s and later ones ignored\n",
				STRATA_GANG_MAX_GPUS, pci_name(pdev));
			pci_dev_put(pdev);
			break;
		}
		gpu = &gang_gpus[gang_nr_gpus];
		gpu->id = gang_nr_gpus++;
		gpu->kind = STRATA_GANG_GPU_PCI;
		if (pdev->vendor == PCI_VENDOR_ID_NVIDIA)
			gpu->dev = MKDEV(GANG_NVIDIA_MAJOR, nvidia++);
		strscpy(gpu->name, pci_name(pdev), sizeof(gpu->name));
	}
}

/**
 * gang_gpus_init() - find the GPUs and make the fake ones
 * @nr_fake: fake GPUs to make
 *
 * Return: 0 or a negative errno.
 */
int gang_gpus_init(unsigned int nr_fake)
{
	dev_t devs[STRATA_GANG_MAX_GPUS];
	unsigned int i;
	int err;

	if (nr_fake) {
		err = gang_fakegpu_init(nr_fake, devs);
		if (err)
			return err;
	}
	for (i = 0; i < nr_fake; i++) {
		struct gang_gpu *gpu = &gang_gpus[i];

		gpu->id = i;
		gpu->kind = STRATA_GANG_GPU_FAKE;
		gpu->dev = devs[i];
		snprintf(gpu->name, sizeof(gpu->name), "gpu%u", i);
	}
	gang_nr_fake = nr_fake;
	gang_nr_gpus = nr_fake;
	gang_gpus_find_pci();
	pr_info("%u GPUs (%u fake)\n", gang_nr_gpus, nr_fake);
	return 0;
}

void gang_gpus_exit(void)
{
	if (gang_nr_fake)
		gang_fakegpu_exit();
	gang_nr_fake = 0;
	gang_nr_gpus = 0;
}

/**
 * gang_gpu_by_dev() - the GPU whose device node is @dev
 * @dev: a device number
 *
 * Return: the GPU, or NULL.
 */
struct gang_gpu *gang_gpu_by_dev(dev_t dev)
{
	unsigned int i;

	if (!dev)
		return NULL;
	for (i = 0; i < gang_nr_gpus; i++)
		if (gang_gpus[i].dev == dev)
			return &gang_gpus[i];
	return NULL;
}

/**
 * gang_gpu_access() - may the current task open the device node @dev?
 * @dev: the device number of the node being opened
 *
 * Lockless: the GPU's user is published when its gang is admitted and
 * cleared when the gang stops running.  A file opened while allowed stays
 * usable; only opens are checked.
 *
 * Return: 0 when @dev is no strata GPU or its gang's member is the
 * caller's process, -EPERM otherwise.
 */
int gang_gpu_access(dev_t dev)
{
	struct gang_gpu *gpu = gang_gpu_by_dev(dev);

	if (!gpu)
		return 0;
	return READ_ONCE(gpu->tgid) == task_tgid_nr(current) ? 0 : -EPERM;
}
