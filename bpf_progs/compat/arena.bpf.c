/* An arena map (issue 23): map_extra is the user address of the arena, 1 << 44, which
 * needs libbpf's 64-bit __ulong attribute, and globals in it (`__arena`). This kernel
 * refuses arena maps with EPERM (as it does libbpf's), so tests check the parse, the map
 * request and the program's arena addresses against the fake kernel. */
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

#define __arena __attribute__((address_space(1)))

/* Globals in the arena: clang puts them in `.addr_space.1`, and the loader places them at
 * the end of the arena (here 10 pages: the globals' page starts at 9 * 4096). */
int __arena arena_hits;
int __arena arena_start = 41;

SEC("syscall")
int touch_arena(void *ctx)
{
	arena_hits += 1;
	return arena_start + arena_hits;
}

char _license[] SEC("license") = "GPL";
