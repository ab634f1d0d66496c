/* kernel samples/bpf legacy maps: 28-byte struct bpf_load_map_def, with a NUMA
 * node and a map-in-map whose inner template is chosen by inner_map_idx. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* Index 0: counts packets when the outer map's slot 0 is empty. */
struct bpf_load_map_def SEC("maps") miss_counter = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
	.map_flags = BPF_F_NUMA_NODE,
	.numa_node = 0,
};

/* Index 1: the inner template of outer_maps (not inserted by the object itself). */
struct bpf_load_map_def SEC("maps") inner_template = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

/* Index 2: array of maps; inner_map_idx = 1 names inner_template. */
struct bpf_load_map_def SEC("maps") outer_maps = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 4,
	.inner_map_idx = 1,
};

SEC("xdp")
int xdp_inner_count(struct xdp_md *ctx)
{
	__u32 zero = 0;
	void *inner;
	__u64 *value;

	inner = bpf_map_lookup_elem(&outer_maps, &zero);
	if (inner) {
		value = bpf_map_lookup_elem(inner, &zero);
		if (value)
			__sync_fetch_and_add(value, 1);
		return XDP_PASS;
	}
	value = bpf_map_lookup_elem(&miss_counter, &zero);
	if (value)
		__sync_fetch_and_add(value, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
