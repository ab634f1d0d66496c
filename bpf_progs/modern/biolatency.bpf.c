/* A biolatency in the shape of libbpf-tools': block request latency per disk and flag.
 * Where the disk hangs off a request moved in 5.17 (rq->rq_disk to rq->q->disk), so both
 * are declared as flavours and chosen by field existence; the raw_tp program picks its
 * argument by LINUX_KERNEL_VERSION, as the tool does across the 5.11 change. */
#include "common.h"

#ifndef KERNEL_VERSION
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#endif
#define MINORBITS 20
#define MKDEV(ma, mi) (((ma) << MINORBITS) | (mi))

extern __u32 LINUX_KERNEL_VERSION __kconfig;

const volatile bool targ_per_disk = false;
const volatile bool targ_per_flag = false;
const volatile bool targ_queued = false;
const volatile bool targ_ms = false;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;

struct hist_key {
	__u32 dev;
	__u32 cmd_flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, __u64);
} start SEC(".maps");

static struct latency_hist initial_hist;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct hist_key);
	__type(value, struct latency_hist);
} hists SEC(".maps");

struct request_queue___x {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___x {
	struct request_queue___x *q;
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *get_disk(void *request)
{
	struct request___x *r = request;

	if (bpf_core_field_exists(r->rq_disk))
		return BPF_CORE_READ(r, rq_disk);
	return BPF_CORE_READ(r, q, disk);
}

static __always_inline __u32 disk_dev(struct gendisk *disk)
{
	return disk ? MKDEV(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor)) : 0;
}

static int trace_rq_start(struct request *rq, bool insert)
{
	__u64 ts;

	if (insert != targ_queued)
		return 0;
	if (filter_dev && targ_dev != disk_dev(get_disk(rq)))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &rq, &ts, 0);
	return 0;
}

static int handle_rq_complete(struct request *rq)
{
	struct hist_key hkey = {};
	struct latency_hist *histp;
	__u64 slot, *tsp;
	__s64 delta;

	tsp = bpf_map_lookup_elem(&start, &rq);
	if (!tsp)
		return 0;
	delta = (__s64)(bpf_ktime_get_ns() - *tsp);
	if (delta < 0)
		goto cleanup;
	if (targ_per_disk)
		hkey.dev = disk_dev(get_disk(rq));
	if (targ_per_flag)
		hkey.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	histp = bpf_map_lookup_elem(&hists, &hkey);
	if (!histp) {
		bpf_map_update_elem(&hists, &hkey, &initial_hist, 0);
		histp = bpf_map_lookup_elem(&hists, &hkey);
		if (!histp)
			goto cleanup;
	}
	delta /= targ_ms ? 1000000U : 1000U;
	slot = log2_u64(delta);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	__sync_fetch_and_add(&histp->slots[slot], 1);
cleanup:
	bpf_map_delete_elem(&start, &rq);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *rq)
{
	return trace_rq_start(rq, true);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	return trace_rq_start(rq, false);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return handle_rq_complete(rq);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_block_rq_issue)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		return trace_rq_start((void *)ctx[1], false);
	return trace_rq_start((void *)ctx[0], false);
}

char LICENSE[] SEC("license") = "GPL";
