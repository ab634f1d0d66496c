/* A CO-RE read of a struct no kernel has (task_like): bpfload relocates it against the
 * running kernel's BTF, finds no candidate and poisons the read, as libbpf does, so the
 * verifier refuses the program at that instruction and the error names the relocation.
 * Named reject_ for that reason. */
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
