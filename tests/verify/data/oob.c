#include <linux/bpf.h>
#include <linux/if_ether.h>
#define SEC(n) __attribute__((section(n), used))

SEC("xdp")
int xdp_oob(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;
	int sum = 0;
	if (data + 4 > end)
		return XDP_PASS;
	sum = data[0] + data[1];
	sum += data[20]; /* REJECTED HERE */
	return sum > 3 ? XDP_DROP : XDP_PASS;
}
char _license[] SEC("license") = "GPL";
