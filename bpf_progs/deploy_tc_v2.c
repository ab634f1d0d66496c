/* Deployment test object, tc version 2: counts every frame into counts[1]. */
#include <linux/pkt_cls.h>
#define DEPLOY_KEY 1
#include "deploy_count.h"

SEC("tc")
int count(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(DEPLOY_ETHERTYPE))
		count_frame();
	return TC_ACT_OK;
}
