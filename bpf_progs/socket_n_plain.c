/* cilium/ebpf's loader fixtures name socket filters "socket/N" in objects without a prog
 * array: there they are ordinary socket filters (libbpf and cilium/ebpf read them so),
 * not samples/bpf's tail-call slots N. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket/1")
int filter_one(struct __sk_buff *skb)
{
	return 1;
}

SEC("socket/2")
int filter_two(struct __sk_buff *skb)
{
	return skb->len;
}

char __license[] SEC("license") = "MIT";
