/* Global data in `.bss.<name>` sections and map sizes as libbpf fixes them (issue 23):
 * a ring buffer whose max_entries is not a power-of-two multiple of the page size (libbpf
 * rounds it up), a 64-bit map attribute written with __ulong (a bloom filter's map_extra
 * is its hash count: 32-bit values through a 64-bit field), and a 16 MiB + 124 B .bss as
 * libbpf's test_skeleton has, which the kernel accepts. */
#include "compat.h"

/* 3 pages: the kernel wants 4. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 3 * 4096);
} odd_ring SEC(".maps");

/* Already a power-of-two multiple: passed as written. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} even_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 16);
	__ulong(map_extra, 3);
} bloom SEC(".maps");

int counter_in_named_bss SEC(".bss.counters");
__u64 totals[4] SEC(".bss.counters");
int flag_in_other_bss SEC(".bss.flags");
char huge_bss[16 * 1024 * 1024 + 124];

/* Counts runs in .bss.counters, reserves and submits one record in each ring. */
SEC("tc")
int use_everything(struct __sk_buff *skb)
{
	__u32 *slot;
	__u32 value = 7;

	counter_in_named_bss += 1;
	totals[1] += skb->len;
	flag_in_other_bss = 1;
	huge_bss[sizeof(huge_bss) - 1] = 9;
	slot = bpf_ringbuf_reserve(&odd_ring, sizeof(*slot), 0);
	if (slot) {
		*slot = 1;
		bpf_ringbuf_submit(slot, 0);
	}
	slot = bpf_ringbuf_reserve(&even_ring, sizeof(*slot), 0);
	if (slot) {
		*slot = 2;
		bpf_ringbuf_submit(slot, 0);
	}
	bpf_map_push_elem(&bloom, &value, 0);
	return counter_in_named_bss;
}

char _license[] SEC("license") = "GPL";
