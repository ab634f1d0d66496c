/* Deployment test object, XDP version 1: counts every frame into counts[0]. */
#define DEPLOY_KEY 0
#include "deploy_count.h"

SEC("xdp")
int count(struct xdp_md *ctx)
{
	if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		count_frame();
	return XDP_PASS;
}
