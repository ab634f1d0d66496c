/* A bpf-to-bpf call to a subprogram that lives in the program's own section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} result_map SEC(".maps");

/* Takes a plain int, so it cannot be a program: a subprogram of section "socket". */
static __noinline __attribute__((section("socket"))) int scale_and_add(int x)
{
	return x * 7 + 5;
}

SEC("socket")
int call_in_section(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *slot = bpf_map_lookup_elem(&result_map, &zero);
	int seed = skb->len > 1000 ? 1 : 6;

	if (slot)
		*slot = scale_and_add(seed);
	return 0;
}

char _license[] SEC("license") = "GPL";
