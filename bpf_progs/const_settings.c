/* Load-time constants as libbpf-tools write them: const volatile globals in .rodata that
 * user space sets before loading (bpfload load --set NAME=VALUE). The program returns
 * what it was given, so a test run shows the verifier saw the set values. */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

enum mode { MODE_OFF = 0, MODE_COUNT = 3, MODE_TRACE = 9 };

const volatile __u32 target_port = 0;
const volatile __s16 offset = 0;
const volatile bool verbose = false;
const volatile enum mode mode = MODE_OFF;
const volatile char comm[8] = "";
__u32 writable_counter = 0;

SEC("socket")
int report_settings(struct __sk_buff *skb)
{
	writable_counter++;
	if (!verbose)
		return 1;
	return target_port + offset + mode + comm[0];
}

char _license[] SEC("license") = "GPL";
