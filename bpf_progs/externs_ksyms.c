/* .ksyms externs without a BTF type (kallsyms addresses) and weak ones the kernel
 * lacks, as libbpf-tools declare them: _stext is a text symbol every kernel's
 * /proc/kallsyms lists; the bpfload_no_such_* symbols exist nowhere, so the weak
 * variables (untyped and typed) are NULL and the weak kfunc's call, poisoned, is dead
 * code behind bpf_ksym_exists(); bpf_rcu_read_lock exists, so its guarded calls run. Run with BPF_PROG_TEST_RUN; the test compares .bss with the
 * addresses it reads from /proc/kallsyms itself. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#ifndef bpf_ksym_exists
/* libbpf 1.2's bpf_helpers.h; Debian 12 has 1.1. */
#define bpf_ksym_exists(sym) ({ \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym; \
})
#endif

extern const void _stext __ksym;
extern const void bpfload_no_such_symbol __ksym __weak;
extern const int bpfload_no_such_typed_var __ksym __weak;
extern void bpfload_no_such_kfunc(void) __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym;

struct ksym_results {
	__u64 stext;
	__u64 missing;
	__u64 missing_typed;
	__u64 missing_kfunc_called;
	__u64 lock_exists;
	__u64 ran;
};

struct ksym_results kresults = {};

SEC("raw_tp/sys_enter")
int read_ksyms(void *ctx)
{
	kresults.stext = (__u64)&_stext;
	kresults.missing = (__u64)&bpfload_no_such_symbol;
	kresults.missing_typed = (__u64)&bpfload_no_such_typed_var;
	if (bpf_ksym_exists(bpfload_no_such_kfunc)) {
		bpfload_no_such_kfunc();
		kresults.missing_kfunc_called = 1;
	}
	if (bpf_ksym_exists(bpf_rcu_read_lock)) {
		bpf_rcu_read_lock();
		kresults.lock_exists = 1;
		bpf_rcu_read_unlock();
	}
	kresults.ran = 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
