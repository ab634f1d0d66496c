/* What the compat objects include: vmlinux.h and libbpf's helpers, as the kernel's BPF
 * selftests build, plus the selftests' annotation conventions (bpf_misc.h), written here
 * because Debian's libbpf headers (1.1) predate some of them.
 *
 * Annotations are BTF decl tags on the program, read back by tests/verify/
 * verify_annotations_test.cpp:
 *   __success / __failure        the verifier accepts / rejects the program
 *   __msg("text")                the verifier log contains "text"
 *   __log_level(N), __flag(F)    log level and BPF_F_* program flag to verify with */
#ifndef BPFLOAD_COMPAT_H
#define BPFLOAD_COMPAT_H
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define COMPAT_STR_(x) #x
#define COMPAT_STR(x) COMPAT_STR_(x)
#define __success __attribute__((btf_decl_tag("comment:test_expect_success")))
#define __failure __attribute__((btf_decl_tag("comment:test_expect_failure")))
#define __msg(text) __attribute__((btf_decl_tag("comment:test_expect_msg=" text)))
#define __log_level(level) __attribute__((btf_decl_tag("comment:test_log_level=" #level)))
#define __flag(flag) __attribute__((btf_decl_tag("comment:test_prog_flags=" #flag)))
#define __naked __attribute__((naked))
#define __clobber_all "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory"
#define __imm(name) [name] "i"(name)

/* libbpf 1.2+: 64-bit map attributes (map_extra) as an enum-sized pointer. */
#ifndef __ulong
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name
#endif

#endif
