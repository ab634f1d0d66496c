/* Frame counters for the attach tests, with a legacy map (struct bpf_map_def SEC("maps"))
 * as Debian's tc refuses: XDP, tc ingress and tc egress each count the frames of ethertype
 * 0x88B5 (local experimental, so nothing else on the link is counted) in `counters`
 * (key 0: xdp, 1: tc ingress, 2: tc egress). Sections are named as iproute2 users name them. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <bpfload/legacy_maps.h>

#define TEST_ETHERTYPE 0x88B5

struct bpf_map_def SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 3,
};

static __always_inline int is_test_frame(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	return eth->h_proto == bpf_htons(TEST_ETHERTYPE);
}

static __always_inline void bump(__u32 key)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		bump(0);
	return XDP_PASS;
}

SEC("ingress")
int count_ingress(struct __sk_buff *skb)
{
	if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end))
		bump(1);
	return TC_ACT_OK;
}

SEC("egress")
int count_egress(struct __sk_buff *skb)
{
	if (is_test_frame((void *)(long)skb->data, (void *)(long)skb->data_end))
		bump(2);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
