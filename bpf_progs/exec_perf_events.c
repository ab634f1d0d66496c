/* An exec tracer in the style of the perf-buffer tools written before ring buffers
 * (execsnoop of bcc's early libbpf-tools): on every exec, {pid, comm} goes to user space
 * through a perf event array declared the legacy way (struct bpf_map_def SEC("maps")),
 * sized to the machine's CPUs at load (max_entries 0). examples/perf_agent.c reads it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <bpfload/legacy_maps.h>

#define COMM_LEN 16

/* The record user space gets: 20 bytes, padded by the kernel to 24 in the perf ring. */
struct exec_event {
	__u32 pid;
	char comm[COMM_LEN];
};

struct bpf_map_def SEC("maps") exec_events = {
	.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 0,
};

/* At sched_process_exec the task runs the new image: its comm is the new program's name. */
SEC("tracepoint/sched/sched_process_exec")
int trace_exec(void *ctx)
{
	struct exec_event event = {};

	event.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(event.comm, sizeof(event.comm));
	bpf_perf_event_output(ctx, &exec_events, BPF_F_CURRENT_CPU, &event, sizeof(event));
	return 0;
}

char _license[] SEC("license") = "GPL";
