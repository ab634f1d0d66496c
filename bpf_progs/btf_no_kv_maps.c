/* BTF maps of types the kernel takes no BTF key/value for (it answers ENOTSUPP):
 * libbpf-tools declare them with __type() anyway, and libbpf creates them with BTF
 * ids 0. The array keeps its BTF types. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, int);
	__type(value, __u32);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64[8]);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} devices SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} queue SEC(".maps");

struct counter {
	__u64 packets;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counter);
} counts SEC(".maps");

/* Counts packets in counts[0], pushes the count to the queue, returns XDP_PASS. */
SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct counter *c = bpf_map_lookup_elem(&counts, &key);
	if (!c)
		return XDP_ABORTED;
	c->packets += 1;
	__u32 seen = (__u32)c->packets;
	bpf_map_push_elem(&queue, &seen, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
