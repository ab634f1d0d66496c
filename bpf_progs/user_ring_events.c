/* A program reading records user space writes into a user ring buffer (issue 22): run
 * with BPF_PROG_TEST_RUN, `drain` takes every record with bpf_user_ringbuf_drain and
 * counts them, sums their values and checks their sequence numbers come in order. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* What user space writes: 16 bytes, then any number of bytes the program ignores. */
struct user_record {
	__u64 seq;
	__u64 value;
};

/* What the program saw, over every run: index 0. */
struct drain_totals {
	__u64 records;     /* records handed to the callback */
	__u64 sum;         /* of their values */
	__u64 next_seq;    /* the sequence number the next record should have */
	__u64 out_of_order;
	__u64 too_short;   /* records under 16 bytes */
	__u64 drained;     /* what bpf_user_ringbuf_drain returned, summed */
	__u64 drain_errors;
};

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} user_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drain_totals);
} totals SEC(".maps");

static long take_record(struct bpf_dynptr *dynptr, void *context)
{
	__u32 key = 0;
	struct drain_totals *t = bpf_map_lookup_elem(&totals, &key);
	struct user_record record;

	if (!t)
		return 1;
	if (bpf_dynptr_read(&record, sizeof(record), dynptr, 0, 0)) {
		t->too_short++;
		return 0;
	}
	t->records++;
	t->sum += record.value;
	if (record.seq != t->next_seq)
		t->out_of_order++;
	t->next_seq = record.seq + 1;
	return 0;
}

SEC("xdp")
int drain(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct drain_totals *t = bpf_map_lookup_elem(&totals, &key);
	long taken;

	if (!t)
		return XDP_ABORTED;
	taken = bpf_user_ringbuf_drain(&user_records, take_record, NULL, 0);
	if (taken < 0)
		t->drain_errors++;
	else
		t->drained += taken;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
