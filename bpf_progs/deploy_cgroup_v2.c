/* Deployment test object, cgroup version 2: counts every socket a process of the cgroup
 * creates into counts[1]; a cgroup link, which BPF_LINK_UPDATE replaces in place. */
#define DEPLOY_KEY 1
#include "deploy_count.h"

SEC("cgroup/sock_create")
int count(struct bpf_sock *sk)
{
	count_frame();
	return 1;
}
