/* Deployment test object, tracepoint version 1: counts the getppid() calls of one process
 * (target_tgid, set at deploy time) into counts[0]. A perf-event attachment, which the
 * kernel cannot update: an upgrade attaches the new program before detaching the old. */
#define DEPLOY_KEY 0
#include "deploy_count.h"

const volatile __u32 target_tgid = 0;

SEC("tracepoint/syscalls/sys_enter_getppid")
int count(void *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 == target_tgid)
		count_frame();
	return 0;
}
