/* The programs of the deployment upgrade tests: each version counts every frame into its
 * own key of one array map, so after an upgrade under traffic the counts of key 0 (v1)
 * and key 1 (v2) add up to the frames sent exactly when none was lost or counted twice.
 * The includer defines DEPLOY_KEY (and DEPLOY_COUNTS_ENTRIES to change the map). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Only the tests' frames count: the interfaces' own traffic (IPv6 router solicitations,
 * MLD) must not. */
#define DEPLOY_ETHERTYPE 0x88B6

#ifndef DEPLOY_COUNTS_ENTRIES
#define DEPLOY_COUNTS_ENTRIES 4
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, DEPLOY_COUNTS_ENTRIES);
} counts SEC(".maps");

static __always_inline void count_frame(void)
{
	__u32 key = DEPLOY_KEY;
	__u64 *value = bpf_map_lookup_elem(&counts, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
}

static __always_inline int is_test_frame(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	return eth->h_proto == bpf_htons(DEPLOY_ETHERTYPE);
}

char LICENSE[] SEC("license") = "GPL";
