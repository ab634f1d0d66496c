/* libbpf-bootstrap's minimal: user space writes its pid into .bss after the load, through
 * the data map, and the program counts that process's write() calls in .bss. */
#include "common.h"

int my_pid = 0;
__u64 writes_seen = 0;
char greeting[16] = "minimal";

SEC("tp/syscalls/sys_enter_write")
int handle_tp(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (pid != my_pid)
		return 0;
	__sync_fetch_and_add(&writes_seen, 1);
	bpf_printk("%s: BPF triggered from PID %d.\n", greeting, pid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
