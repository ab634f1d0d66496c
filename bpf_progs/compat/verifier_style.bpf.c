/* Programs in the style of the kernel's verifier_* selftests: each states with decl tags
 * what the verifier must say when loaded with the flags and log level it names
 * (tests/cli/cli_verify_annotations_test.cpp runs `bpfload verify` on each to check). */
#include "compat.h"

/* x86-64 reads unaligned packet data fine; BPF_F_STRICT_ALIGNMENT makes the verifier
 * check alignment as a strict architecture would. */
static __always_inline int read_at_odd_offset(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (data + 5 > end)
		return 0;
	return *(__u32 *)(data + 1) & 0xff;
}

SEC("tc")
__success
int unaligned_read_allowed(struct __sk_buff *skb)
{
	return read_at_odd_offset(skb);
}

SEC("tc")
__flag(BPF_F_STRICT_ALIGNMENT) __failure __msg("misaligned packet access")
int unaligned_read_strict(struct __sk_buff *skb)
{
	return read_at_odd_offset(skb);
}

/* Checkpointing at every instruction changes nothing a correct program does. */
SEC("socket")
__flag(BPF_F_TEST_STATE_FREQ) __success
__naked void state_freq_accepts(void)
{
	asm volatile ("					\
	r0 = 0;						\
	r1 = 3;						\
l0_%=:	r0 += 1;					\
	r1 -= 1;					\
	if r1 != 0 goto l0_%=;				\
	exit;						\
"	::: __clobber_all);
}

/* Level 2 prints the register state after each instruction. */
SEC("socket")
__log_level(2) __success __msg("R0=42")
__naked void level_two_shows_states(void)
{
	asm volatile ("					\
	r0 = 42;					\
	exit;						\
"	::: __clobber_all);
}

/* Division by a register the verifier knows nothing of is fine in BPF (it yields 0), but
 * an uninitialised register is not. */
SEC("socket")
__failure __msg("R2 !read_ok")
__naked void uninitialised_register(void)
{
	asm volatile ("					\
	r0 = r2;					\
	exit;						\
"	::: __clobber_all);
}

char _license[] SEC("license") = "GPL";
