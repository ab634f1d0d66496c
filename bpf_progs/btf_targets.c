/* Programs whose load needs the BTF id of their target (attach_btf_id): tp_btf and iter
 * load on this kernel and are attached and run by the tests; fentry, fexit, fmod_ret and
 * lsm are refused with EPERM here and tested against the fake kernel. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct seq_file;
struct task_struct;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

struct btf_target_state {
	__u32 watched_tgid;  /* set by the test */
	__u32 pad;
	__u64 sys_enter_hits;
	__u64 tasks_seen;
};

struct btf_target_state state = {};

SEC("tp_btf/sys_enter")
int count_sys_enter(__u64 *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) == state.watched_tgid)
		__sync_fetch_and_add(&state.sys_enter_hits, 1);
	return 0;
}

SEC("iter/task")
int count_tasks(struct bpf_iter__task *ctx)
{
	if (ctx->task)
		state.tasks_seen++;
	return 0;
}

SEC("fentry/do_unlinkat")
int on_unlinkat_entry(__u64 *ctx)
{
	return 0;
}

SEC("fexit/do_unlinkat")
int on_unlinkat_exit(__u64 *ctx)
{
	return 0;
}

SEC("lsm/file_open")
int on_file_open(__u64 *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
