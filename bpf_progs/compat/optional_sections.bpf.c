/* libbpf's SEC("?...") : the '?' is not part of the section kind, and the program is
 * left out of a plain load (issue 23). `rejected_probe` would fail the whole object if
 * it were loaded with the others; verify checks it on its own. */
#include "compat.h"

SEC("socket")
__success
int always_loaded(struct __sk_buff *skb)
{
	return 11;
}

/* Reads past the end of the stack: the verifier refuses it. */
SEC("?socket")
__failure __msg("invalid read from stack")
__naked void rejected_probe(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r10 + 8);				\
	exit;						\
"	::: __clobber_all);
}

SEC("?tc")
__success
int loaded_on_request(struct __sk_buff *skb)
{
	return 2;  /* TC_ACT_SHOT */
}

char _license[] SEC("license") = "GPL";
