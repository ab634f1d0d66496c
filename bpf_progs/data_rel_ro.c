/* A constant table in .data.rel.ro, where clang puts constant tables that would need
 * relocating (kernel 4.19's test_map_in_map has one): read-only global data. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 table[4] __attribute__((section(".data.rel.ro"))) = {10, 20, 30, 40};

/* Returns table[2] + table[3] (70). */
SEC("tc")
int read_table(struct __sk_buff *skb)
{
	return table[2] + table[3];
}

char _license[] SEC("license") = "GPL";
