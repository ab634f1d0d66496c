/* Function linkage the kernel's BTF checks care about: a kfunc whose prototype clang
 * emits with unnamed arguments, and a __hidden global function (as usdt.bpf.h's
 * bpf_usdt_arg) that only verifies in its caller's context, because it dereferences a
 * pointer argument without a NULL check. Both load with BTF only after the fix-up. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_struct;
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *task) __ksym;

__hidden __attribute__((noinline)) int hidden_increment(long *value)
{
	*value += 1;  /* no NULL check: fine for the callers below, refused if verified alone */
	return 0;
}

__attribute__((noinline)) int visible_increment(long *value)
{
	if (!value)
		return 1;
	*value += 2;
	return 0;
}

SEC("syscall")
int find_init(void *ctx)
{
	struct task_struct *task = bpf_task_from_pid(1);
	long value = 0;

	if (task)
		bpf_task_release(task);
	hidden_increment(&value);
	visible_increment(&value);
	return value;  /* 3 */
}

char _license[] SEC("license") = "GPL";
