/* CO-RE the way libbpf-tools write it, against the running kernel's task_struct: the
 * local structs below declare only the fields used, at offsets that are wrong on
 * purpose, and bpfload relocates every access against /sys/kernel/btf/vmlinux. Run with
 * BPF_PROG_TEST_RUN (raw_tp runs on the calling task); the test compares what the
 * program wrote into .bss with what user space knows (its own pid, vmlinux BTF). */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int tgid;                 /* vmlinux: pid_t tgid, far from offset 0 */
	int pid;
	unsigned int flags;
	unsigned int sched_reset_on_fork : 1;
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

/* A flavour: matched by its essential name, task_struct, with a field no kernel has. */
struct task_struct___no_such_field {
	int bpfload_field_that_does_not_exist;
} __attribute__((preserve_access_index));

struct bpfload_type_that_does_not_exist {
	int x;
} __attribute__((preserve_access_index));

/* enum pid_type in vmlinux has PIDTYPE_TGID = 1; the local value differs on purpose. */
enum pid_type___local {
	PIDTYPE_TGID___local = 7,
	PIDTYPE_BPFLOAD_MISSING___local = 8,
};

struct core_results {
	__u64 tgid;
	__u64 leader_tgid;
	__u64 tgid_offset;
	__u64 tgid_size;
	__u64 flags_offset;
	__u64 tgid_signed;
	__u64 missing_field_exists;
	__u64 tgid_field_exists;
	__u64 task_struct_exists;
	__u64 missing_type_exists;
	__u64 task_struct_size;
	__u64 pidtype_tgid;
	__u64 pidtype_tgid_exists;
	__u64 pidtype_missing_exists;
	__u64 bitfield_lshift;
	__u64 bitfield_rshift;
	__u64 bitfield_byte_offset;
	__u64 bitfield_byte_size;
	__u64 ran;
};

struct core_results results = {};

SEC("raw_tp/sys_enter")
int core_reads(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct task_struct___no_such_field *flavoured = (void *)task;

	results.tgid = BPF_CORE_READ(task, tgid);
	results.leader_tgid = BPF_CORE_READ(task, group_leader, tgid);
	results.tgid_offset = bpf_core_field_offset(task->tgid);
	results.tgid_size = bpf_core_field_size(task->tgid);
	results.flags_offset = bpf_core_field_offset(task->flags);
	results.tgid_signed = __builtin_preserve_field_info(task->tgid, BPF_FIELD_SIGNED);
	results.missing_field_exists = bpf_core_field_exists(flavoured->bpfload_field_that_does_not_exist);
	results.tgid_field_exists = bpf_core_field_exists(task->tgid);
	results.task_struct_exists = bpf_core_type_exists(struct task_struct);
	results.missing_type_exists = bpf_core_type_exists(struct bpfload_type_that_does_not_exist);
	results.task_struct_size = bpf_core_type_size(struct task_struct);
	results.pidtype_tgid = bpf_core_enum_value(enum pid_type___local, PIDTYPE_TGID___local);
	results.pidtype_tgid_exists = bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_TGID___local);
	results.pidtype_missing_exists =
		bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_BPFLOAD_MISSING___local);
	results.bitfield_lshift = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_LSHIFT_U64);
	results.bitfield_rshift = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_RSHIFT_U64);
	results.bitfield_byte_offset = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_BYTE_OFFSET);
	results.bitfield_byte_size = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_BYTE_SIZE);
	/* Guarded as libbpf-tools guard: the poisoned read is dead code once relocated. */
	if (bpf_core_field_exists(flavoured->bpfload_field_that_does_not_exist))
		results.ran = BPF_CORE_READ(flavoured, bpfload_field_that_does_not_exist);
	else
		results.ran = 1;
	return 0;
}

/* Reads a field the kernel does not have, unguarded: the relocation poisons the
 * instruction and verification fails there, naming the relocation. */
SEC("raw_tp/sys_enter")
int core_unguarded_missing(void *ctx)
{
	struct task_struct___no_such_field *task = (void *)bpf_get_current_task();

	results.ran = BPF_CORE_READ(task, bpfload_field_that_does_not_exist);
	return 0;
}

char _license[] SEC("license") = "GPL";
