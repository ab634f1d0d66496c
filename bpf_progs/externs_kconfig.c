/* .kconfig externs and kfunc calls, as libbpf-tools declare them: the values come from
 * the running kernel (uname, /proc/config.gz), the kfuncs from its BTF. Run with
 * BPF_PROG_TEST_RUN; the test compares .bss with what user space reads itself. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[32] __kconfig __weak;
extern bool CONFIG_BPFLOAD_NO_SUCH_OPTION __kconfig __weak;

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

struct kconfig_results {
	__u64 kernel_version;
	__u64 has_bpf_cookie;
	__u64 bpf_syscall;
	__u64 bpf_jit;
	__u64 hz;
	__u64 missing;
	char hostname[32];
	__u64 ran;
};

struct kconfig_results kresults = {};

SEC("raw_tp/sys_enter")
int read_kconfig(void *ctx)
{
	bpf_rcu_read_lock();
	kresults.kernel_version = LINUX_KERNEL_VERSION;
	kresults.has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	kresults.bpf_syscall = CONFIG_BPF_SYSCALL;
	kresults.bpf_jit = CONFIG_BPF_JIT;
	kresults.hz = CONFIG_HZ;
	kresults.missing = CONFIG_BPFLOAD_NO_SUCH_OPTION;
	__builtin_memcpy(kresults.hostname, CONFIG_DEFAULT_HOSTNAME, sizeof(kresults.hostname));
	kresults.ran = 1;
	bpf_rcu_read_unlock();
	return 0;
}

char _license[] SEC("license") = "GPL";
