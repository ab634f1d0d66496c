/* xdp_proto_count: counts packets per IP protocol, written the way XDP
 * programs were before BTF-defined maps (struct bpf_map_def SEC("maps")).
 *
 * Load it:   bpfload load sample_xdp_legacy.o
 * Read it:   rxcnt[17] is the number of UDP packets, rxcnt[6] TCP, ... per CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpfload/legacy_maps.h>

/* One counter per IP protocol number, per CPU. */
struct bpf_map_def SEC("maps") rxcnt = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 256,
};

SEC("xdp")
int xdp_proto_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 proto;
	__u64 *count;

	/* The verifier insists on these checks before any header read. */
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;

	proto = ip->protocol;
	count = bpf_map_lookup_elem(&rxcnt, &proto);
	if (count)
		*count += 1;  /* per-CPU slot: no atomic needed */
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
