#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
static __attribute__((noinline)) int mix(int a, int i)
{
	if (a & 1)
		return a + i;
	return a ^ i;
}
SEC("xdp")
int xdp_small(struct xdp_md *ctx)
{
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *end = (unsigned char *)(long)ctx->data_end;
	int sum = 0;
	if (data + 4 > end)
		return XDP_PASS;
	for (int i = 0; i < 4; i++)
		sum = mix(sum + data[i], i);
	return sum > 100 ? XDP_DROP : XDP_PASS;
}
char _license[] SEC("license") = "GPL";
