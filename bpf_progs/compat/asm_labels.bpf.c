/* Labels of inline assembly (`l0_%=:`) are local untyped symbols in the code section,
 * as in the kernel's verifier_* selftests: none of them is a program or a function,
 * and a label on a program's first instruction does not rename it (issue 23). */
#include "compat.h"

/* A label on the first instruction, one in the middle and one at the end. */
SEC("socket")
__success
__naked void label_on_first_insn(void)
{
	asm volatile ("					\
l0_%=:	r0 = 7;						\
	if r0 == 7 goto l1_%=;				\
	r0 = 3;						\
l1_%=:	r0 += 1;					\
	if r0 > 100 goto l0_%=;				\
l2_%=:	exit;						\
"	::: __clobber_all);
}

/* Many labels and a loop, bounded: returns 8. */
SEC("socket")
__success
__naked void labels_in_a_loop(void)
{
	asm volatile ("					\
	r0 = 0;						\
	r1 = 4;						\
l0_%=:	r0 += 2;					\
	r1 -= 1;					\
	if r1 != 0 goto l0_%=;				\
	if r0 > 100 goto l2_%=;				\
	goto l1_%=;					\
l2_%=:	r0 = 99;					\
l1_%=:	exit;						\
"	::: __clobber_all);
}

/* A C program beside them, with a static subprogram: still one program. */
static __noinline int twice(int x)
{
	return x * 2;
}

SEC("socket")
__success
int c_program(struct __sk_buff *skb)
{
	return twice(skb->len > 0 ? 5 : 6);
}

char _license[] SEC("license") = "GPL";
