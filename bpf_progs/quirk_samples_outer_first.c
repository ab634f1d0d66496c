/* samples/bpf 28-byte definitions where the map-in-map is the first map and its
 * inner_map_idx is 0, as in Linux 4.19's test_select_reuseport_kern.c: 0 is what an unset
 * field reads as, and its loader supplied the inner map (here: --inner-map
 * outer_first=inner_values), so it is not a reference to itself. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_load_map_def SEC("maps") outer_first = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

struct bpf_load_map_def SEC("maps") inner_values = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

SEC("socket")
int lookup_through_outer(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *value;
	void *inner = bpf_map_lookup_elem(&outer_first, &zero);

	if (!inner)
		return 0;
	value = bpf_map_lookup_elem(inner, &zero);
	return value ? *value : 0;
}

char __license[] SEC("license") = "GPL";
