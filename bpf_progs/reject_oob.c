/* Refused by the verifier: reads packet data without checking data_end. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") first_bytes = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

SEC("xdp")
int read_unchecked(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	__u32 zero = 0;
	__u32 *slot = bpf_map_lookup_elem(&first_bytes, &zero);
	__u32 byte;

	if (!slot)
		return XDP_PASS;
	byte = data[12]; /* REJECTED HERE */
	*slot = byte;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
