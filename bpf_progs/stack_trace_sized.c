/* A stack-trace map sized at load time, as bcc's profile, offcputime and memleak size
 * theirs (bpf_map__set_value_size): the object says 8 frames, the loader's value_size
 * override gives more. A typed hash beside it has a BTF value type the override would
 * contradict. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 8 * sizeof(__u64));
} stacks SEC(".maps");

/* [0]: stack ids taken, [1]: bpf_get_stackid failures. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stack_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} typed_values SEC(".maps");

SEC("raw_tp/sys_enter")
int take_stack(void *ctx)
{
	__u32 slot = 0;
	long id = bpf_get_stackid(ctx, &stacks, 0);
	__u64 *count;

	if (id < 0)
		slot = 1;
	count = bpf_map_lookup_elem(&stack_counts, &slot);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
