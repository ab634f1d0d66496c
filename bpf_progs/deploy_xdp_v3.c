/* Deployment test object, XDP version 3: the verifier refuses it (the map value is used
 * without the NULL check), so an upgrade to it must leave version 2 running. */
#define DEPLOY_KEY 2
#include "deploy_count.h"

SEC("xdp")
int count(struct xdp_md *ctx)
{
	__u32 key = DEPLOY_KEY;
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	*value += 1;
	return XDP_PASS;
}
