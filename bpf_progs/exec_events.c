/* Every exec on the system as a record {pid, tag, comm} in a ring buffer: the object of
 * examples/exec_agent.c, which reads it through a header made by `bpfload gen skeleton`.
 * `tag` is a constant the agent sets before the load (its own pid), so the records show
 * the setting reached the program; `exec_count` and `dropped` are globals it reads
 * through the mapped .bss. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16

struct event {
	__u32 pid;
	__u32 tag;
	char comm[COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const volatile __u32 tag = 0;

__u64 exec_count = 0;
__u64 dropped = 0;

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct event *e;

	__sync_fetch_and_add(&exec_count, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tag = tag;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
