/* A kprobe program from the days when the kernel checked kern_version: a
 * `version` section holding LINUX_VERSION_CODE, with legacy 20-byte maps. */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* Slot 0: number of probe hits. */
struct bpf_map_def SEC("maps") kprobe_hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

SEC("kprobe/do_sys_openat2")
int probe_open(struct pt_regs *ctx)
{
	__u32 zero = 0;
	__u64 *hits = bpf_map_lookup_elem(&kprobe_hits, &zero);

	if (hits)
		__sync_fetch_and_add(hits, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
/* 6.1.0: KERNEL_VERSION(6, 1, 0). */
__u32 _version SEC("version") = 0x060100;
