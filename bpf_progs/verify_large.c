/* Accepted, but the verifier walks the bounded loop iteration by iteration (the
 * counter is a known constant each time round), so its level-2 log is large.
 * acc and bits stay unknown scalars, so both arms of each branch meet again in an
 * equivalent state and are pruned: the work grows linearly with ROUNDS. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ROUNDS 100

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} large_values SEC(".maps");

SEC("socket")
int many_branches(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *in = bpf_map_lookup_elem(&large_values, &key);
	__u64 acc, bits;
	int i;

	if (!in)
		return 0;
	bits = *in;
	acc = bits >> 3;
#pragma clang loop unroll(disable)
	for (i = 0; i < ROUNDS; i++) {
		if (bits & (1ULL << (i & 63)))
			acc += i;
		else
			acc ^= i * 3;
	}
	key = 1;
	in = bpf_map_lookup_elem(&large_values, &key);
	if (in)
		*in = acc;
	return 0;
}

char _license[] SEC("license") = "GPL";
