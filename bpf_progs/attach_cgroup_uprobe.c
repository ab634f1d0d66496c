/* Counters for the cgroup and uprobe attach tests, with a legacy map: counts[0] is the
 * packets a cgroup_skb egress program saw leave its cgroup, counts[1] the calls of the
 * user function a uprobe is attached to, counts[2] the packets drop_egress refused. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 3,
};

static __always_inline void bump(__u32 key)
{
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	bump(0);
	return 1; /* let it through */
}

SEC("cgroup_skb/egress")
int drop_egress(struct __sk_buff *skb)
{
	bump(2);
	return 0; /* the sender's sendto() fails with EPERM */
}

SEC("uprobe")
int count_calls(struct pt_regs *ctx)
{
	bump(1);
	return 0;
}

char _license[] SEC("license") = "GPL";
