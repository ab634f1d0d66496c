/* Several programs in one section, plus a static function in that section that
 * nobody calls: old loaders treat every function symbol of the section as a program. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* [0] written by prog_first, [1] by prog_second, [2] by prog_third, [3] by orphan_static. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} multi_marks SEC(".maps");

static __always_inline void set_mark(__u32 key, __u32 value)
{
	__u32 *slot = bpf_map_lookup_elem(&multi_marks, &key);

	if (slot)
		*slot = value;
}

SEC("socket")
int prog_first(struct __sk_buff *skb)
{
	set_mark(0, 101);
	return 0;
}

SEC("socket")
int prog_second(struct __sk_buff *skb)
{
	set_mark(1, 102);
	return 0;
}

/* Never called; kept by `used`. */
static __attribute__((used, noinline, section("socket"))) int orphan_static(struct __sk_buff *skb)
{
	set_mark(3, 104);
	return 0;
}

SEC("socket")
int prog_third(struct __sk_buff *skb)
{
	set_mark(2, 103);
	return 0;
}

char _license[] SEC("license") = "GPL";
