/* Section names newer than libbpf 1.1, each loaded on this kernel (issue 23). The tc and
 * netfilter ones are run with BPF_PROG_TEST_RUN by tests/load/test_load_compat.cpp, and
 * return what they are named after. */
#include "compat.h"

extern __u64 *bpf_session_cookie(void) __ksym;
extern bool bpf_session_is_return(void) __ksym;

/* tcx and the tc/ aliases libbpf gives BPF_TCX_* expected attach types. */
SEC("tc/ingress")
int tc_ingress(struct __sk_buff *skb) { return 1; }

SEC("tc/egress")
int tc_egress(struct __sk_buff *skb) { return 2; }

SEC("tcx/ingress")
int tcx_ingress(struct __sk_buff *skb) { return 3; }

SEC("tcx/egress")
int tcx_egress(struct __sk_buff *skb) { return 4; }

SEC("netfilter")
int netfilter_accept(struct bpf_nf_ctx *ctx) { return 1; /* NF_ACCEPT */ }

SEC("uprobe.multi")
int uprobe_multi(struct pt_regs *ctx) { return 0; }

SEC("uretprobe.multi")
int uretprobe_multi(struct pt_regs *ctx) { return 0; }

SEC("uprobe.multi.s")
int uprobe_multi_sleepable(struct pt_regs *ctx) { return 0; }

/* Session programs may call the session kfuncs, which the kernel allows only for the
 * session attach types: a plain kprobe calling them is refused. */
SEC("kprobe.session")
int kprobe_session(struct pt_regs *ctx)
{
	__u64 *cookie = bpf_session_cookie();

	if (!bpf_session_is_return())
		*cookie = 1;
	return 0;
}

SEC("uprobe.session")
int uprobe_session(struct pt_regs *ctx)
{
	__u64 *cookie = bpf_session_cookie();

	*cookie = 2;
	return 0;
}

SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/sendmsg_unix")
int sendmsg_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/recvmsg_unix")
int recvmsg_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getpeername_unix")
int getpeername_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getsockname_unix")
int getsockname_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("netkit/primary")
int netkit_primary(struct __sk_buff *skb) { return 0; }

char _license[] SEC("license") = "GPL";
