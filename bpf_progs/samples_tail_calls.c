/* samples/bpf tail calls: "socket/N" sections are loaded into the object's
 * prog array at key N (bpf_load.c uses the PROG_ARRAY map of the object). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_load_map_def SEC("maps") jmp_table = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 8,
};

/* [0] entry, [1] set by socket/0, [2] set by socket/1, [3] tail call failed. */
struct bpf_load_map_def SEC("maps") tail_marks = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 4,
};

static __always_inline void set_mark(__u32 key, __u32 value)
{
	__u32 *slot = bpf_map_lookup_elem(&tail_marks, &key);

	if (slot)
		*slot = value;
}

SEC("socket/0")
int tail_zero(struct __sk_buff *skb)
{
	set_mark(1, 0x100);
	return 0;
}

SEC("socket/1")
int tail_one(struct __sk_buff *skb)
{
	set_mark(2, 0x101);
	return 0;
}

SEC("socket")
int dispatch(struct __sk_buff *skb)
{
	set_mark(0, 0x1);
	bpf_tail_call(skb, &jmp_table, 1);
	set_mark(3, 0xdead);
	return 0;
}

char _license[] SEC("license") = "GPL";
