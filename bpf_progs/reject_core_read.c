/* A CO-RE program (field offsets relocated against the running kernel's BTF).
 * bpfload does not apply CO-RE relocations, so loading it must fail with a clear
 * error rather than load the compiler's offsets. Named reject_ for that reason: the
 * verifier would not refuse it, bpfload does. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_like {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nanosleep")
int read_tgid(struct task_like *task)
{
	return BPF_CORE_READ(task, tgid);
}

char _license[] SEC("license") = "GPL";
