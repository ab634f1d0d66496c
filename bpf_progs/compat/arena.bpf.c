/* An arena map (issue 23): map_extra is the user address of the arena, 1 << 44, which
 * needs libbpf's 64-bit __ulong attribute. This kernel refuses arena maps with EPERM (as
 * it does libbpf's), so tests check the parse and the request against the fake kernel. */
#include "compat.h"

#ifndef BPF_F_MMAPABLE
#define BPF_F_MMAPABLE 1024
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 10);
	__ulong(map_extra, 1ull << 44);
} arena SEC(".maps");

SEC("syscall")
int touch_arena(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
