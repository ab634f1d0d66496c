/* Deployment test object, cgroup version 1: counts every socket a process of the cgroup
 * creates into counts[0]; a cgroup link, which BPF_LINK_UPDATE replaces in place. */
#define DEPLOY_KEY 0
#include "deploy_count.h"

SEC("cgroup/sock_create")
int count(struct bpf_sock *sk)
{
	count_frame();
	return 1;
}
