/* Maps whose BTF types `bpfload map dump/lookup/update` formats: a struct value, a
 * per-CPU struct value, an enum value, and a struct with a char array, an int array
 * and a bitfield. The program touches each map so all are part of the object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counts {
	__u64 packets;
	__u64 bytes;
};

enum state { STATE_IDLE = 0, STATE_RUNNING = 1, STATE_DONE = 7 };

struct label {
	char name[8];
	__u32 ids[2];
	__u32 low : 4;
	__u32 high : 28;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct counts);
} typed_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct counts);
} typed_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, enum state);
} typed_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct label);
} typed_label SEC(".maps");

SEC("xdp")
int typed_touch(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct counts *c = bpf_map_lookup_elem(&typed_counts, &key);
	struct counts *p = bpf_map_lookup_elem(&typed_percpu, &key);
	enum state *s = bpf_map_lookup_elem(&typed_state, &key);
	struct label *l = bpf_map_lookup_elem(&typed_label, &key);

	if (c && p && s && l)
		c->packets += p->packets + *s + l->ids[0];
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
