/* What every object of this corpus includes, as libbpf-tools' sources do. */
#ifndef BPFLOAD_MODERN_COMMON_H
#define BPFLOAD_MODERN_COMMON_H
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define NAME_LEN 64
#define MAX_SLOTS 26

/* The last event a watched process caused, kept where the tests read it. */
struct snoop_exec_event {
	pid_t pid;
	pid_t ppid;
	uid_t uid;
	int retval;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
};

struct snoop_open_event {
	pid_t pid;
	int ret;
	int flags;
	char fname[NAME_LEN];
};

struct latency_hist {
	__u32 slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN];
};

static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

#endif
