/* Sections that imply no program type, as tc, ip and iproute2's examples wrote them:
 * tc loaded every section as sched_cls, so names like "redirect_xmit" or "aaa" never
 * had to mean anything. Only "xdp" has a type of its own here.
 *
 * bpfload load quirk_unknown_sections.o --keep-going   loads xdp_count, reports the rest
 * bpfload load quirk_unknown_sections.o --default-type sched_cls   loads all four
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* hits[n]: how often program n ran. */
struct bpf_map_def SEC("maps") hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

static __always_inline int count(__u32 key, int verdict)
{
	__u64 *value = bpf_map_lookup_elem(&hits, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	return verdict;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	return count(0, XDP_PASS);
}

SEC("redirect_xmit")
int do_redirect_xmit(struct __sk_buff *skb)
{
	return count(1, 1);
}

SEC("aaa")
int do_aaa(struct __sk_buff *skb)
{
	return count(2, 2);
}

/* An iproute2-style tail-call section whose map id is a name, not a number: no type
 * either (hex ids, "0xabccba/0", are iproute2 tail calls: legacy_iproute2_hex.c). */
SEC("jmp/0")
int tail_named_map(struct __sk_buff *skb)
{
	return count(3, 3);
}

char _license[] SEC("license") = "GPL";
