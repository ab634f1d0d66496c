/* A legacy SEC("maps") definition and a BTF ".maps" map in one object. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") legacy_counter = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} btf_counter SEC(".maps");

SEC("socket")
int mixed_count(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *legacy = bpf_map_lookup_elem(&legacy_counter, &zero);
	__u64 *btf = bpf_map_lookup_elem(&btf_counter, &zero);

	if (legacy)
		__sync_fetch_and_add(legacy, 1);
	if (btf)
		__sync_fetch_and_add(btf, 10);
	return 0;
}

char _license[] SEC("license") = "GPL";
