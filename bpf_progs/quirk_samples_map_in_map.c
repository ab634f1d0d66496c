/* Map-in-map as kernel samples/bpf (test_map_in_map_kern.c) and Katran declared it:
 * outer maps without a value size (bpf_load.c created them with 4) and inner_map_idx
 * left at 0, the first map, although the inner maps really are lru_inner (index 1):
 * the loader fixed the index up. Loaded as written, the verifier sees port_a's 4-byte
 * values and refuses the 8-byte access; with --inner-map OUTER=lru_inner it loads. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_load_map_def SEC("maps") port_a = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 4,
};

struct bpf_load_map_def SEC("maps") lru_inner = {
	.type = BPF_MAP_TYPE_LRU_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_load_map_def SEC("maps") array_of_lru = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.key_size = sizeof(__u32),
	.max_entries = 2,
	.inner_map_idx = 0, /* fixed up to 1 by the user-space loader */
};

struct bpf_load_map_def SEC("maps") hash_of_lru = {
	.type = BPF_MAP_TYPE_HASH_OF_MAPS,
	.key_size = sizeof(__u32),
	.max_entries = 2,
	.inner_map_idx = 0,
};

/* Counts packets at key 7 of the LRU hash held in slot 0 of `outer`: XDP_TX when the
 * entry was created, XDP_PASS when it was incremented, XDP_ABORTED without an inner map. */
static __always_inline int count_in(void *outer)
{
	__u32 slot = 0;
	__u32 key = 7;
	void *inner = bpf_map_lookup_elem(outer, &slot);
	if (!inner)
		return XDP_ABORTED;
	__u64 *value = bpf_map_lookup_elem(inner, &key);
	if (value) {
		*value += 1;
		return XDP_PASS;
	}
	__u64 first = 1;
	bpf_map_update_elem(inner, &key, &first, BPF_ANY);
	return XDP_TX;
}

SEC("xdp")
int count_array_of_lru(struct xdp_md *ctx)
{
	return count_in(&array_of_lru);
}

SEC("xdp")
int count_hash_of_lru(struct xdp_md *ctx)
{
	return count_in(&hash_of_lru);
}

char _license[] SEC("license") = "GPL";
