// BTF kinds newer than some kernels: FLOAT (float, double members), DECL_TAG (on a
// member, a variable and a function), TYPE_TAG (on a pointer), a global function (FUNC
// with global linkage) and a 64-bit enum. bpfload rewrites the ones the running kernel
// lacks, as libbpf does, so the object keeps its BTF there (tests/fake/test_fake_btf_sanitize.cpp).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user_ptr __attribute__((btf_type_tag("user")))

enum wide { WIDE_SMALL = 1, WIDE_BIG = 0x100000000ULL };

struct sample {
  float ratio;
  double total;
  int *__user_ptr where;
  int counted __tag("counter");
  enum wide kind;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sample);
} samples SEC(".maps");

int packets __tag("packet_count") = 0;

// Global: verified on its own, and described in BTF as a FUNC with global linkage.
__attribute__((noinline)) __tag("length_plus_one") int length_plus_one(__u32 length) {
  return (int)length + 1;
}

SEC("socket")
int btf_new_kinds(struct __sk_buff *skb) {
  __u32 key = 0;
  struct sample *sample = bpf_map_lookup_elem(&samples, &key);
  if (!sample) return 0;
  sample->counted += 1;
  sample->kind = WIDE_BIG;
  packets += 1;
  return length_plus_one(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
