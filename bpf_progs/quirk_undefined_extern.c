/* cilium/ebpf's MY_CONST: a global the object uses but never defines, meant to be
 * supplied by a loader that rewrites the constant. Only uses_const needs it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u32 MY_CONST;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

SEC("tc")
int uses_const(struct __sk_buff *skb)
{
	return MY_CONST;
}

/* Counts its runs in runs[0] and returns 5. */
SEC("tc")
int plain(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&runs, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	return 5;
}

char _license[] SEC("license") = "GPL";
