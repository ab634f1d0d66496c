/* An execsnoop in the shape of libbpf-tools': the enter tracepoint stashes the event per
 * pid, the exit tracepoint completes it and sends it out. The test sets targ_ppid to its
 * own pid, runs a child, and reads the child's event back from seen_by_parent. */
#include "common.h"

#define INVALID_UID ((uid_t)-1)

const volatile uid_t targ_uid = INVALID_UID;
const volatile pid_t targ_ppid = 0;
const volatile bool ignore_failed = true;

static const struct snoop_exec_event empty_event = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, pid_t);
	__type(value, struct snoop_exec_event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, pid_t);
	__type(value, struct snoop_exec_event);
} seen_by_parent SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int tracepoint__syscalls__sys_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	pid_t pid = bpf_get_current_pid_tgid() >> 32;
	uid_t uid = (__u32)bpf_get_current_uid_gid();
	struct task_struct *task;
	struct snoop_exec_event *event;
	pid_t ppid;

	if (targ_uid != INVALID_UID && targ_uid != uid)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (targ_ppid && targ_ppid != ppid)
		return 0;
	if (bpf_map_update_elem(&execs, &pid, &empty_event, BPF_NOEXIST))
		return 0;
	event = bpf_map_lookup_elem(&execs, &pid);
	if (!event)
		return 0;
	event->pid = pid;
	event->ppid = ppid;
	event->uid = uid;
	bpf_probe_read_user_str(event->filename, sizeof(event->filename), (const char *)ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int tracepoint__syscalls__sys_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	pid_t pid = bpf_get_current_pid_tgid() >> 32;
	struct snoop_exec_event *event;
	int ret;

	event = bpf_map_lookup_elem(&execs, &pid);
	if (!event)
		return 0;
	ret = ctx->ret;
	if (ignore_failed && ret < 0)
		goto cleanup;
	event->retval = ret;
	bpf_get_current_comm(&event->comm, sizeof(event->comm));
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, event, sizeof(*event));
	bpf_map_update_elem(&seen_by_parent, &event->ppid, event, BPF_ANY);
cleanup:
	bpf_map_delete_elem(&execs, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
