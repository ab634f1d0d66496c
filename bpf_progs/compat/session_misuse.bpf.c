/* A plain kprobe calling a session kfunc: the kernel must refuse it, which it does only
 * when the program is loaded as what its section says (a loose "kprobe" prefix match of
 * "kprobe.session" loaded session programs as plain kprobes, issue 23). */
#include "compat.h"

extern __u64 *bpf_session_cookie(void) __ksym;

SEC("kprobe")
__failure
int plain_kprobe_with_cookie(struct pt_regs *ctx)
{
	__u64 *cookie = bpf_session_cookie();

	*cookie = 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
