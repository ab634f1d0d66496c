/* A TCP congestion control of our own as struct_ops (issue 23), in the style of the
 * selftests' bpf_dctcp/bpf_cubic: Reno through the kernel's kfuncs, under the name
 * "bpfload_reno". `.struct_ops.link` makes it a map registered by BPF_LINK_CREATE;
 * `.struct_ops` (no link) is the older form, registered by the map update itself.
 * tests/attach/test_attach_struct_ops.cpp loads and attaches it, then checks that a TCP
 * connection over loopback in a network namespace uses it (getsockopt(TCP_CONGESTION))
 * and that `calls` counts its callbacks. */
#include "compat.h"

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

/* Callbacks run: [0] init, [1] ssthresh, [2] cong_avoid, [3] undo_cwnd. */
__u64 calls[4];

SEC("struct_ops")
void BPF_PROG(reno_init, struct sock *sk)
{
	__sync_fetch_and_add(&calls[0], 1);
}

SEC("struct_ops")
__u32 BPF_PROG(reno_ssthresh, struct sock *sk)
{
	__sync_fetch_and_add(&calls[1], 1);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops")
void BPF_PROG(reno_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls[2], 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops")
__u32 BPF_PROG(reno_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&calls[3], 1);
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpfload_reno = {
	.init = (void *)reno_init,
	.ssthresh = (void *)reno_ssthresh,
	.cong_avoid = (void *)reno_cong_avoid,
	.undo_cwnd = (void *)reno_undo_cwnd,
	.name = "bpfload_reno",
};

char _license[] SEC("license") = "GPL";
