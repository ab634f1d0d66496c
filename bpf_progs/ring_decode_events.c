/* Records for `bpfload events --type ... --object ...` (issue 22): XDP programs, run with
 * BPF_PROG_TEST_RUN, writing a struct of several kinds of member into a ring buffer (and
 * a perf event array), as well as a record shorter and one longer than that struct. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum event_kind {
	KIND_START = 1,
	KIND_STOP = 2,
};

/* 40 bytes. */
struct decoded_event {
	__u32 pid;
	__s32 delta;
	__u64 seq;
	enum event_kind kind;
	char comm[16];
	__u8 flags[4];
};

/* A type used only inside functions is not in the object's BTF: this pointer keeps
 * struct decoded_event there, as agents do for bpf2go -type (never used). */
struct decoded_event *unused_decoded_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_records SEC(".maps");

__u64 next_seq;

/* Record n: pid 1000 + n, delta -(n + 1), seq n, kind START for even n and STOP for odd,
 * comm "decoder", flags {1, 2, 3, 4}. */
static __always_inline void fill(struct decoded_event *e)
{
	__u64 seq = next_seq++;

	e->pid = 1000 + (__u32)seq;
	e->delta = -(__s32)seq - 1;
	e->seq = seq;
	e->kind = (seq & 1) ? KIND_STOP : KIND_START;
	__builtin_memcpy(e->comm, "decoder", 8);
	e->flags[0] = 1;
	e->flags[1] = 2;
	e->flags[2] = 3;
	e->flags[3] = 4;
}

SEC("xdp")
int emit_event(struct xdp_md *ctx)
{
	struct decoded_event *e = bpf_ringbuf_reserve(&records, sizeof(*e), 0);

	if (!e)
		return XDP_PASS;
	__builtin_memset(e, 0, sizeof(*e));
	fill(e);
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

/* The same record through the perf event array: 40 bytes, padded to 44 by the kernel. */
SEC("xdp")
int emit_perf_event(struct xdp_md *ctx)
{
	struct decoded_event e = {};

	fill(&e);
	bpf_perf_event_output(ctx, &perf_records, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return XDP_PASS;
}

/* The first 12 bytes of a record: shorter than struct decoded_event. */
SEC("xdp")
int emit_short(struct xdp_md *ctx)
{
	struct decoded_event e = {};

	fill(&e);
	bpf_ringbuf_output(&records, &e, 12, 0);
	return XDP_PASS;
}

/* A record followed by 8 bytes 0xa0..0xa7: longer than struct decoded_event. */
struct long_record {
	struct decoded_event event;
	__u8 extra[8];
};

SEC("xdp")
int emit_long(struct xdp_md *ctx)
{
	struct long_record r = {};

	fill(&r.event);
	for (int i = 0; i < 8; i++)
		r.extra[i] = 0xa0 + i;
	bpf_ringbuf_output(&records, &r, sizeof(r), 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
