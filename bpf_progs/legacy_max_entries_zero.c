/* A legacy map whose size the user chooses at load time (max_entries 0). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") sized_at_load = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 0,
};

SEC("socket")
int use_sized_map(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u64 *value = bpf_map_lookup_elem(&sized_at_load, &zero);

	if (value)
		__sync_fetch_and_add(value, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
