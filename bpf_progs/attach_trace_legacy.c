/* Syscall counters for the attach tests, with legacy maps: a tracepoint on
 * syscalls:sys_enter_getppid and a raw tracepoint on sys_enter (filtered to getppid) count
 * the calls of the process whose tgid the test writes to config[0] (counts[0]: tracepoint,
 * counts[1]: raw tracepoint). */
#include <linux/bpf.h>
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>

#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") config = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

struct bpf_map_def SEC("maps") counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

static __always_inline int from_test_process(void)
{
	__u32 key = 0;
	__u32 *tgid = bpf_map_lookup_elem(&config, &key);

	return tgid && *tgid != 0 && *tgid == (__u32)(bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void bump(__u32 key)
{
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid_tp(void *ctx)
{
	if (from_test_process())
		bump(0);
	return 0;
}

SEC("raw_tp/sys_enter")
int count_getppid_raw(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] == __NR_getppid && from_test_process())
		bump(1);
	return 0;
}

char _license[] SEC("license") = "GPL";
