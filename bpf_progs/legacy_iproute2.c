/* iproute2 legacy maps: 36-byte struct bpf_elf_map in SEC("maps"), with pinning,
 * an "ID/KEY" tail-call section and an id-linked map-in-map. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

#define JMP_MAP_ID 1
#define INNER_MAP_ID 42

/* Pinned at <bpffs>/tc/globals/iproute2_globals_map; the programs do not touch it. */
struct bpf_elf_map SEC("maps") iproute2_globals_map = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 2,
	.pinning = PIN_GLOBAL_NS,
};

/* Pinned at <bpffs>/tc/<object id>/iproute2_obj_hash. */
struct bpf_elf_map SEC("maps") iproute2_obj_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 16,
	.pinning = PIN_OBJECT_NS,
};

/* Observable markers: [0] written by the entry program, [1] by the tail call,
 * [2] only when the tail call did not happen. */
struct bpf_elf_map SEC("maps") tc_marks = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 4,
};

/* Tail-call table: section "1/0" fills key 0. */
struct bpf_elf_map SEC("maps") jmp_table = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 4,
	.id = JMP_MAP_ID,
	.inner_idx = -1,
};

/* Inner template of map_outer and, through inner_idx, also its slot 0. */
struct bpf_elf_map SEC("maps") map_inner = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.id = INNER_MAP_ID,
	.inner_idx = 0,
};

struct bpf_elf_map SEC("maps") map_outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.inner_id = INNER_MAP_ID,
	.inner_idx = -1,
};

static __always_inline void set_mark(__u32 key, __u32 value)
{
	__u32 *slot = bpf_map_lookup_elem(&tc_marks, &key);

	if (slot)
		*slot = value;
}

SEC("classifier")
int cls_entry(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *inner_value;
	void *inner;

	set_mark(0, 0x11111111);
	inner = bpf_map_lookup_elem(&map_outer, &zero);
	if (inner) {
		inner_value = bpf_map_lookup_elem(inner, &zero);
		if (inner_value)
			*inner_value = 0x33333333;
	}
	bpf_tail_call(skb, &jmp_table, 0);
	set_mark(2, 0xdeadbeef);
	return TC_ACT_OK;
}

SEC("1/0")
int cls_tail(struct __sk_buff *skb)
{
	set_mark(1, 0x22222222);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
