/* Map-definition structs of the pre-BTF loaders. libbpf >= 1.0 no longer ships them,
 * so the test objects declare their own copies. Every field is a __u32: the loaders
 * read the entries as arrays of 32-bit words in the object's byte order. */
#ifndef BPFLOAD_TEST_LEGACY_MAP_DEFS_H
#define BPFLOAD_TEST_LEGACY_MAP_DEFS_H

#include <linux/types.h>

/* libbpf < 1.0 (tools/lib/bpf/libbpf.h): 20 bytes. */
struct bpf_map_def {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
};

/* The first libbpf form, before map_flags existed: 16 bytes. */
struct bpf_map_def_early {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
};

/* kernel samples/bpf bpf_load.h: 28 bytes. inner_map_idx is the index (in
 * definition order within the maps section) of the inner template map. */
struct bpf_load_map_def {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 inner_map_idx;
	__u32 numa_node;
};

/* samples/bpf before numa_node was added: 24 bytes. */
struct bpf_load_map_def_no_numa {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 inner_map_idx;
};

/* iproute2 include/bpf_elf.h: 36 bytes.
 * id:        a number other maps and "ID/KEY" tail-call sections refer to.
 * inner_id:  set on a map-in-map: the id of its inner template map.
 * inner_idx: set on a map with an id: the slot it takes in every map-in-map whose
 *            inner_id equals that id (-1 for none). */
struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

#endif
