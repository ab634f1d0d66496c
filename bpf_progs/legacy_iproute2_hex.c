/* iproute2's bpf_cyclic: the tail-call map id is written in hex, so its section is
 * "0xabccba/0" (iproute2 read "ID/KEY" with sscanf "%i/%i"). The tail call jumps to
 * itself until the kernel's tail-call limit stops it, counting each run. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

#define JMP_MAP_ID 0xabccba

struct bpf_elf_map SEC("maps") jmp_tc = {
	.type = BPF_MAP_TYPE_PROG_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.id = JMP_MAP_ID,
	.inner_idx = -1,
};

/* runs[0]: how many times cls_loop ran. */
struct bpf_elf_map SEC("maps") runs = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.inner_idx = -1,
};

SEC("0xabccba/0")
int cls_loop(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *count = bpf_map_lookup_elem(&runs, &zero);

	if (count)
		__sync_fetch_and_add(count, 1);
	bpf_tail_call(skb, &jmp_tc, 0);
	return TC_ACT_OK;
}

SEC("classifier")
int cls_entry(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp_tc, 0);
	return TC_ACT_SHOT;
}

char __license[] SEC("license") = "GPL";
