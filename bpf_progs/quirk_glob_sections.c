/* Katran-style section names: its loader typed programs by prefix (cls* as sched_cls),
 * which no section table knows. bpfload load quirk_glob_sections.o --type 'cls-*=sched_cls' */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpfload/legacy_maps.h>

/* seen[0]: ingress runs, seen[1]: egress runs. */
struct bpf_map_def SEC("maps") seen = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

static __always_inline int count(__u32 key, int verdict)
{
	__u64 *value = bpf_map_lookup_elem(&seen, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	return verdict;
}

SEC("cls-ingress")
int cls_ingress(struct __sk_buff *skb)
{
	return count(0, 11);
}

SEC("cls-egress")
int cls_egress(struct __sk_buff *skb)
{
	return count(1, 12);
}

char _license[] SEC("license") = "GPL";
