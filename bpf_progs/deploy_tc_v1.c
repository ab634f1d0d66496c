/* Deployment test object, tc version 1: counts every frame into counts[0]. */
#include <linux/pkt_cls.h>
#define DEPLOY_KEY 0
#include "deploy_count.h"

SEC("tc")
int count(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(DEPLOY_ETHERTYPE))
		count_frame();
	return TC_ACT_OK;
}
