/* The rest of what libbpf-tools' sources reach for: stack traces from a perf_event
 * program (profile), task storage (the newer tools' per-task state), bpf_loop, a
 * BTF-defined map of maps with its inner map declared in place, bitfields of sk_buff read
 * with BPF_CORE_READ_BITFIELD_PROBED, enum values of vmlinux enums, a TCP iterator and
 * socket programs. */
#include "common.h"
#include <bpf/bpf_endian.h>

#define PERF_MAX_STACK_DEPTH 127

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
	__uint(max_entries, 1024);
} stackmap SEC(".maps");

struct stack_key {
	__u32 pid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct stack_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_starts SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} per_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} pkt_types SEC(".maps");

const volatile bool kernel_stacks_only = false;

SEC("perf_event")
int do_perf_event(struct bpf_perf_event_data *ctx)
{
	struct stack_key key = {};
	__u64 one = 1, *value;

	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.kern_stack_id = bpf_get_stackid(&ctx->regs, &stackmap, 0);
	key.user_stack_id = kernel_stacks_only ? -1 : bpf_get_stackid(&ctx->regs, &stackmap, BPF_F_USER_STACK);
	value = bpf_map_lookup_elem(&counts, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(remember_fork, struct task_struct *parent, struct task_struct *child)
{
	__u64 *start = bpf_task_storage_get(&task_starts, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (start)
		*start = bpf_ktime_get_ns();
	return 0;
}

static long add_index(__u32 index, void *sum)
{
	*(__u64 *)sum += index;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(forget_exit, struct task_struct *task)
{
	__u64 sum = 0;
	__u32 key = 0;
	void *inner;

	bpf_loop(16, add_index, &sum, 0);
	inner = bpf_map_lookup_elem(&per_cgroup, &key);
	if (inner)
		bpf_map_update_elem(inner, &key, &sum, BPF_ANY);
	bpf_task_storage_delete(&task_starts, task);
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(count_pkt_type, struct sk_buff *skb)
{
	__u32 pkt_type = BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	__u64 *count;

	if (pkt_type >= 8)
		return 0;
	count = bpf_map_lookup_elem(&pkt_types, &pkt_type);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

SEC("iter/tcp")
int dump_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;

	if (!skc)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %u %u\n", skc->skc_family, bpf_ntohs(skc->skc_dport), skc->skc_num);
	return 0;
}

SEC("sockops")
int tcp_rtt(struct bpf_sock_ops *skops)
{
	if (skops->op == BPF_SOCK_OPS_RTT_CB)
		return 1;
	if (skops->op == BPF_SOCK_OPS_TCP_CONNECT_CB)
		bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_RTT_CB_FLAG);
	return 1;
}

SEC("cgroup_skb/egress")
int egress_bytes(struct __sk_buff *skb)
{
	__u32 key = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARRAY) & 7;
	__u64 *count = bpf_map_lookup_elem(&pkt_types, &key);

	if (count)
		__sync_fetch_and_add(count, skb->len);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
