/* BTF-defined maps in ".maps": explicit sizes, flags, pinning, NUMA node, a
 * map-in-map with an inline inner definition and initial values, and a prog
 * array filled at load time. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct flow_stats);
} stats_hash SEC(".maps");

/* Sizes given as numbers instead of types. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(max_entries, 4);
} sized_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} noprealloc_hash SEC(".maps");

/* Pinned at <bpffs>/btf_pinned_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} btf_pinned_counter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
	__type(key, __u32);
	__type(value, __u32);
} numa_hash SEC(".maps");

/* Initial content of outer_array's slot 0. */
struct inner_map_type {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner_map_type inner_slot0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map_type);
} outer_array SEC(".maps") = {
	.values = { [0] = &inner_slot0 },
};

/* [0] = entry marker, [1] = tail-call marker, [2] = tail call failed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} marks SEC(".maps");

int tail_prog(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [0] = (void *)&tail_prog },
};

static __always_inline void set_mark(__u32 key, __u32 value)
{
	__u32 *slot = bpf_map_lookup_elem(&marks, &key);

	if (slot)
		*slot = value;
}

SEC("socket")
int tail_prog(struct __sk_buff *skb)
{
	set_mark(1, 0xb0b0b0b0);
	return 0;
}

SEC("socket")
int entry_prog(struct __sk_buff *skb)
{
	__u32 zero = 0, one = 1;
	__u32 *inner_value;
	__u64 *counter;
	void *inner;

	set_mark(0, 0xa0a0a0a0);

	/* outer_array[0] is inner_slot0 from the start: write inner_slot0[1]. */
	inner = bpf_map_lookup_elem(&outer_array, &zero);
	if (inner) {
		inner_value = bpf_map_lookup_elem(inner, &one);
		if (inner_value)
			*inner_value = 0xc0c0c0c0;
	}

	counter = bpf_map_lookup_elem(&sized_array, &zero);
	if (counter)
		__sync_fetch_and_add(counter, 1);

	bpf_tail_call(skb, &jump_table, 0);
	set_mark(2, 0xdeadbeef);
	return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
