/* Socket programs for the attach tests, with legacy maps: an sk_msg and an sk_skb verdict
 * program on the sockmap sock_map count what the sockets in it send (counts[0]) and
 * receive (counts[1]); a socket filter on a UDP socket counts the datagrams it sees
 * (counts[2]) and drops those longer than 64 bytes (counts[3]). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <bpfload/legacy_maps.h>

struct bpf_map_def SEC("maps") sock_map = {
	.type = BPF_MAP_TYPE_SOCKMAP,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 4,
};

struct bpf_map_def SEC("maps") counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

static __always_inline void bump(__u32 key)
{
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
}

SEC("sk_msg")
int count_msg(struct sk_msg_md *msg)
{
	bump(0);
	return SK_PASS;
}

SEC("sk_skb/stream_verdict")
int count_skb(struct __sk_buff *skb)
{
	bump(1);
	return SK_PASS;
}

SEC("socket")
int drop_long(struct __sk_buff *skb)
{
	bump(2);
	if (skb->len > 64) {
		bump(3);
		return 0; /* drop */
	}
	return skb->len; /* keep all of it */
}

char _license[] SEC("license") = "GPL";
