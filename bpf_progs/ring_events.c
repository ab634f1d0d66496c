/* Records for the event readers' tests (issue 22): XDP programs, run with
 * BPF_PROG_TEST_RUN, each run writing one record with its CPU and that CPU's sequence
 * number into a ring buffer or a perf event array. A record is 40 bytes (48 in a ring
 * with its header), which does not divide a ring's size, so records wrap around its end. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PAYLOAD 20

struct event {
	__u32 cpu;
	__u32 kind;
	__u64 seq;
	__u8 payload[PAYLOAD]; /* byte i is (seq + i) & 0xff */
};

/* One page: 85 records fit, the 86th wraps. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} small_ring SEC(".maps");

/* Room for thousands of records, for bursts from every CPU read at the end. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} big_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps");

/* Records a program could not write (ring full): index 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline __u64 next_seq(void)
{
	__u32 key = 0;
	__u64 *seq = bpf_map_lookup_elem(&seqs, &key);

	if (!seq)
		return 0;
	return (*seq)++;
}

static __always_inline void fill(struct event *e, __u32 kind)
{
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	e->seq = next_seq();
	for (int i = 0; i < PAYLOAD; i++)
		e->payload[i] = (__u8)(e->seq + i);
}

static __always_inline void count_drop(void)
{
	__u32 key = 0;
	__u64 *dropped = bpf_map_lookup_elem(&drops, &key);

	if (dropped)
		__sync_fetch_and_add(dropped, 1);
}

SEC("xdp")
int emit_small(struct xdp_md *ctx)
{
	struct event e = {};

	fill(&e, 1);
	if (bpf_ringbuf_output(&small_ring, &e, sizeof(e), 0))
		count_drop();
	return XDP_PASS;
}

SEC("xdp")
int emit_big(struct xdp_md *ctx)
{
	struct event e = {};

	fill(&e, 2);
	if (bpf_ringbuf_output(&big_ring, &e, sizeof(e), 0))
		count_drop();
	return XDP_PASS;
}

/* Reserves every record in the small ring, and discards those whose sequence number is
 * 4 modulo 5 instead of submitting them. */
SEC("xdp")
int emit_reserve_discard(struct xdp_md *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&small_ring, sizeof(*e), 0);

	if (!e) {
		count_drop();
		return XDP_PASS;
	}
	fill(e, 3);
	if (e->seq % 5 == 4)
		bpf_ringbuf_discard(e, 0);
	else
		bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

SEC("xdp")
int emit_perf(struct xdp_md *ctx)
{
	struct event e = {};

	fill(&e, 4);
	if (bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof(e)))
		count_drop();
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
