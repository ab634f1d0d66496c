/* Deployment test object, XDP version 2: counts every frame into counts[1]. */
#define DEPLOY_KEY 1
#include "deploy_count.h"

SEC("xdp")
int count(struct xdp_md *ctx)
{
	if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		count_frame();
	return XDP_PASS;
}
