/* samples/bpf map definition before numa_node: 24 bytes with inner_map_idx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* Slot 0: packets seen; slot 1: last skb->len. */
struct bpf_load_map_def_no_numa SEC("maps") s24_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

struct bpf_load_map_def_no_numa SEC("maps") s24_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int s24_count(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&s24_array, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
	key = 1;
	value = bpf_map_lookup_elem(&s24_array, &key);
	if (value)
		*value = skb->len;
	return 0;
}

char _license[] SEC("license") = "GPL";
