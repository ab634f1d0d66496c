/* Probe programs as libbpf-bootstrap writes them. This kernel has no kprobes and refuses
 * fentry/fexit/lsm with EPERM, so what loads here is for the kernel to say; the test only
 * asks that bpfload loads whatever libbpf loads. */
#include "common.h"
#include <bpf/usdt.bpf.h>

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat, int dfd, struct filename *name)
{
	const char *filename = BPF_CORE_READ(name, name);

	bpf_printk("KPROBE ENTRY pid = %d, filename = %s\n", bpf_get_current_pid_tgid() >> 32, filename);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(do_unlinkat_exit, long ret)
{
	bpf_printk("KPROBE EXIT: ret = %ld\n", ret);
	return 0;
}

SEC("ksyscall/kill")
int BPF_KSYSCALL(entry_probe, pid_t pid, int sig)
{
	bpf_printk("kill(%d, %d)\n", pid, sig);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_add, int a, int b)
{
	bpf_printk("uprobed_add ENTRY: a = %d, b = %d", a, b);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_add, int ret)
{
	bpf_printk("uprobed_add EXIT: return = %d", ret);
	return 0;
}

SEC("usdt/libc.so.6:libc:setjmp")
int BPF_USDT(usdt_setjmp, void *buf, int val)
{
	bpf_printk("setjmp(%p, %d)", buf, val);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(fentry_unlinkat, int dfd, struct filename *name)
{
	bpf_printk("fentry: %s\n", name->name);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(fexit_unlinkat, int dfd, struct filename *name, long ret)
{
	bpf_printk("fexit: %s = %ld\n", name->name, ret);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
