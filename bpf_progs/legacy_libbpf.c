/* libbpf < 1.0 legacy maps: 20-byte struct bpf_map_def in SEC("maps"). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* Packets seen per skb->protocol (network byte order, as the kernel stores it). */
struct bpf_map_def SEC("maps") proto_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

/* Slot 0: total packets seen. */
struct bpf_map_def SEC("maps") total_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

/* Declared to exercise a per-CPU map; the program leaves it alone. */
struct bpf_map_def SEC("maps") scratch_percpu = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 2,
};

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 proto = skb->protocol;
	__u64 one = 1;
	__u64 *total, *per_proto;

	total = bpf_map_lookup_elem(&total_array, &zero);
	if (total)
		__sync_fetch_and_add(total, 1);

	per_proto = bpf_map_lookup_elem(&proto_hash, &proto);
	if (per_proto)
		__sync_fetch_and_add(per_proto, 1);
	else
		bpf_map_update_elem(&proto_hash, &proto, &one, BPF_NOEXIST);
	return 0;
}

char _license[] SEC("license") = "GPL";
