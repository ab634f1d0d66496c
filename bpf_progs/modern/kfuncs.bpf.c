/* Externs the way modern tools use them: kfuncs that acquire and release a task from a
 * sleepable syscall program, RCU kfuncs, .kconfig values (one __weak), and a typed
 * per-CPU ksym. Syscall programs run under BPF_PROG_TEST_RUN; the test compares what
 * they wrote into .bss with its own pid and uname. */
#include "common.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPF_SYSCALL __kconfig;

extern const struct rq runqueues __ksym;

const volatile pid_t targ_pid = 0;

struct task_facts {
	__u64 ran;
	__u64 tgid;
	__u64 comm_first;
	__u64 kernel_version;
	__u64 hz;
	__u64 bpf_syscall;
	__u64 rq_cpu;
	__u64 rq_seen;
};

struct task_facts facts = {};

SEC("syscall")
int task_by_pid(void *ctx)
{
	struct task_struct *task;

	facts.kernel_version = LINUX_KERNEL_VERSION;
	facts.hz = CONFIG_HZ;
	facts.bpf_syscall = CONFIG_BPF_SYSCALL;
	task = bpf_task_from_pid(targ_pid);
	if (!task)
		return 1;
	facts.tgid = task->tgid;
	facts.comm_first = task->comm[0];
	bpf_task_release(task);
	facts.ran = 1;
	return 0;
}

SEC("syscall")
int rcu_section(void *ctx)
{
	struct task_struct *task;

	bpf_rcu_read_lock();
	task = bpf_get_current_task_btf();
	facts.comm_first = task->comm[0];
	bpf_rcu_read_unlock();
	return 0;
}

SEC("raw_tp/sys_enter")
int run_queue_cpu(void *ctx)
{
	struct rq *rq = bpf_this_cpu_ptr(&runqueues);

	facts.rq_cpu = rq->cpu;
	facts.rq_seen = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
