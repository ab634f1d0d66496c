/* An exception callback (issue 23): bpf_throw() ends the program and the kernel runs
 * the function the program's BTF decl tag "exception_callback:NAME" names, whose return
 * value becomes the program's. The loader lays it out with the program, so the kernel
 * finds it in the program's func_info. */
#include "compat.h"

#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

extern void bpf_throw(u64 cookie) __ksym;

__noinline int throw_handler(u64 cookie)
{
	return cookie + 100;
}

/* Returns 1 for a packet of at most 100 bytes; throws 5 (so returns 105) for a bigger one. */
SEC("tc")
__success __exception_cb(throw_handler)
int throw_on_big_packets(struct __sk_buff *skb)
{
	if (skb->len > 100)
		bpf_throw(5);
	return 1;
}

char _license[] SEC("license") = "GPL";
