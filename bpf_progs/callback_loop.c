/* Callbacks: bpf_loop() takes a function pointer, which clang emits as an ld_imm64 of
 * the callback's address (BPF_PSEUDO_FUNC after linking). The verifier wants callbacks
 * static. One lives in .text, one in the program's own section (so it is a subprogram,
 * not a program). Test run: results[0] = 0+1+...+9 = 45, results[1] = 2^5 = 32. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static long add_index(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

static __attribute__((section("socket"), noinline)) long double_it(__u32 index, void *ctx)
{
	*(__u64 *)ctx *= 2;
	return 0;
}

SEC("socket")
int loop_sum(struct __sk_buff *skb)
{
	__u64 sum = 0, power = 1;
	__u32 key = 0;

	bpf_loop(10, add_index, &sum, 0);
	bpf_loop(5, double_it, &power, 0);
	bpf_map_update_elem(&results, &key, &sum, BPF_ANY);
	key = 1;
	bpf_map_update_elem(&results, &key, &power, BPF_ANY);
	return 0;
}

char _license[] SEC("license") = "GPL";
