/* cilium/ebpf's invalid_map fixture: a 24-byte samples definition whose sixth word
 * (inner_map_idx) is 1 on a hash map. bpf_load.c ignored the field; bpfload refuses it
 * unless told to ignore it (--ignore-inner-map-idx). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_load_map_def_no_numa SEC("maps") invalid_map = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
	.inner_map_idx = 1,
};

struct bpf_load_map_def_no_numa SEC("maps") good_map = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

/* Writes 99 at key 3 of invalid_map and returns 1. */
SEC("tc")
int write_invalid(struct __sk_buff *skb)
{
	__u32 key = 3;
	__u64 value = 99;
	bpf_map_update_elem(&invalid_map, &key, &value, BPF_ANY);
	return 1;
}

char _license[] SEC("license") = "GPL";
