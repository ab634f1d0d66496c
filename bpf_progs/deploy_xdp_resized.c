/* Deployment test object: version 2 of deploy_xdp_v1.c with a bigger `counts` map, which
 * an upgrade must refuse (naming the map and what differs) unless asked to recreate it. */
#define DEPLOY_KEY 1
#define DEPLOY_COUNTS_ENTRIES 8
#include "deploy_count.h"

SEC("xdp")
int count(struct xdp_md *ctx)
{
	if (is_test_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		count_frame();
	return XDP_PASS;
}
