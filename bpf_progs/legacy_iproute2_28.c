/* iproute2 before map-in-map: a 28-byte struct bpf_elf_map (type, size_key, size_value,
 * max_elem, flags, id, pinning), the size of samples/bpf's bpf_load_map_def. A tc-style
 * object (a `classifier` section, an "ID/KEY" tail call, PIN_GLOBAL_NS in word 7) is read
 * as iproute2's: `id` is the tail-call map's id, not an inner_map_idx, and `pinning` pins
 * the map where tc pinned it, not a numa_node. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

#define JMP_MAP_ID 42

struct bpf_elf_map_28 {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
};

/* Pinned at <bpffs>/tc/globals/jmp_early; "42/0" fills slot 0. */
struct bpf_elf_map_28 SEC("maps") jmp_early = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
	.id = JMP_MAP_ID,
	.pinning = PIN_GLOBAL_NS,
};

/* marks[0]: the entry ran; marks[1]: the tail call ran. */
struct bpf_elf_map_28 SEC("maps") marks_early = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 2,
};

static __always_inline void mark(__u32 key)
{
	__u32 *slot = bpf_map_lookup_elem(&marks_early, &key);

	if (slot)
		*slot += 1;
}

SEC("classifier")
int cls_early(struct __sk_buff *skb)
{
	mark(0);
	bpf_tail_call(skb, &jmp_early, 0);
	return TC_ACT_SHOT;
}

SEC("42/0")
int cls_early_tail(struct __sk_buff *skb)
{
	mark(1);
	return TC_ACT_OK;
}

char __license[] SEC("license") = "GPL";
