/* bpf-to-bpf calls into .text: a global function (verified on its own by the
 * kernel, BTF func linkage global) and a static one. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} text_results SEC(".maps");

__noinline int global_triple(int x)
{
	return x * 3;
}

static __noinline int static_add_100(int x)
{
	return x + 100;
}

SEC("socket")
int call_text(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u32 *slot;
	int seed = skb->len > 1000 ? 1 : 14;

	slot = bpf_map_lookup_elem(&text_results, &key);
	if (slot)
		*slot = global_triple(seed);
	key = 1;
	slot = bpf_map_lookup_elem(&text_results, &key);
	if (slot)
		*slot = static_add_100(seed);
	return 0;
}

char _license[] SEC("license") = "GPL";
