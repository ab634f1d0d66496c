/* Global data: .data, .bss, .rodata (a const volatile config) and a string
 * constant in .rodata.str1.1. The program copies values derived from them into
 * .bss so a test can read the .bss map back. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* .data */
__u32 data_seed = 0x1000;
__u64 data_wide = 0x0102030405060708ULL;

/* .rodata: user space may change it before loading. */
const volatile __u32 config_multiplier = 3;

/* .bss: everything the program writes. */
__u32 bss_runs;
__u32 bss_product;
__u64 bss_wide_copy;
__u32 bss_str_byte;

SEC("socket")
int global_data_prog(struct __sk_buff *skb)
{
	/* A string literal passed by pointer lands in .rodata.str1.1. */
	const char *greeting = "bpfload";
	volatile const char *p = greeting;

	bss_runs += 1;
	bss_product = data_seed * config_multiplier;
	bss_wide_copy = data_wide;
	bss_str_byte = p[3];
	data_seed += 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
