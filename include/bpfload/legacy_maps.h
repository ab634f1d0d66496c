/* bpfload/legacy_maps.h: the map-definition structs of the pre-BTF loaders, for BPF C
 * programs. libbpf >= 1.0 no longer declares `struct bpf_map_def`, so an old source
 *
 *     struct bpf_map_def SEC("maps") my_map = { ... };
 *
 * fails with "incomplete type 'struct bpf_map_def'". Include this header instead:
 *
 *     #include <bpf/bpf_helpers.h>
 *     #include <bpfload/legacy_maps.h>
 *
 *     clang -target bpf -O2 -g -I/usr/local/include -c old.c -o old.o
 *
 * bpfload loads all three layouts (libbpf, samples/bpf, iproute2); it detects which one
 * from the entry size (`bpfload load --map-layout` forces it). Every field is a __u32:
 * the loaders read the entries as arrays of 32-bit words in the object's byte order.
 * This header is C, for the BPF target; it declares no functions. */
#ifndef BPFLOAD_LEGACY_MAPS_H
#define BPFLOAD_LEGACY_MAPS_H

#include <linux/types.h>

/* libbpf < 1.0 (tools/lib/bpf/libbpf.h, later bpf_helpers.h): 20 bytes. */
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
 * pinning:   PIN_NONE, PIN_OBJECT_NS or PIN_GLOBAL_NS below.
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

/* iproute2's pinning values (include/bpf_elf.h). bpfload pins PIN_OBJECT_NS maps at
 * <root>/tc/<sha1 of the object>/<name> and PIN_GLOBAL_NS maps at <root>/tc/globals/<name>. */
#ifndef PIN_NONE
#define PIN_NONE 0
#endif
#ifndef PIN_OBJECT_NS
#define PIN_OBJECT_NS 1
#endif
#ifndef PIN_GLOBAL_NS
#define PIN_GLOBAL_NS 2
#endif

#endif /* BPFLOAD_LEGACY_MAPS_H */
