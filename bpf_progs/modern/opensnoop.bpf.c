/* An opensnoop in the shape of libbpf-tools': the enter tracepoint keeps the arguments per
 * thread, the exit one builds the event with the result and submits it to a ring buffer.
 * The test sets targ_tgid to its own pid, opens a path that does not exist and reads the
 * event back from last_open. */
#include "common.h"

const volatile pid_t targ_tgid = 0;
const volatile bool targ_failed = false;

struct args_t {
	const char *fname;
	int flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct args_t);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct snoop_open_event);
} last_open SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint__syscalls__sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct args_t args = {};

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	args.fname = (const char *)ctx->args[1];
	args.flags = (int)ctx->args[2];
	bpf_map_update_elem(&start, &tid, &args, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tracepoint__syscalls__sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct snoop_open_event *event;
	struct args_t *ap;
	int ret;

	ap = bpf_map_lookup_elem(&start, &tid);
	if (!ap)
		return 0;
	ret = ctx->ret;
	if (targ_failed && ret >= 0)
		goto cleanup;
	event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		goto cleanup;
	event->pid = tgid;
	event->ret = ret;
	event->flags = ap->flags;
	bpf_probe_read_user_str(&event->fname, sizeof(event->fname), ap->fname);
	bpf_map_update_elem(&last_open, &tgid, event, BPF_ANY);
	bpf_ringbuf_submit(event, 0);
cleanup:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
