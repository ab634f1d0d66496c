/* Accepted, with a long verifier log: a bounded loop the verifier walks one iteration at
 * a time (the counter is exact, so no state is pruned), printing every instruction's
 * registers at log level 2. Megabytes of log from a few hundred bytes of object, for the
 * memory bound of `verify --log-level 2` over many objects. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int walk_long_loop(struct __sk_buff *skb)
{
	__u64 mixed = skb->len;

	for (int i = 0; i < 3500; i++)
		mixed += i ^ (mixed >> 3);
	return mixed & 1;
}

char _license[] SEC("license") = "GPL";
