/* Forced into every translation unit of a pure layer (core, elf, spec, link) with
 * -include. Poisoning the names of libbpf's syscall wrappers makes an include of
 * <bpf/bpf.h>, or any call that reaches the kernel through libbpf, a compile error, so the
 * build, not a reviewer, keeps these layers free of system calls. The kernel interface
 * headers check BPFLOAD_PURE_LAYER for the same reason. */
#ifndef BPFLOAD_PURE_LAYER_H
#define BPFLOAD_PURE_LAYER_H
#define BPFLOAD_PURE_LAYER 1
#pragma GCC poison bpf_prog_load bpf_map_create bpf_btf_load bpf_obj_pin bpf_obj_get
#pragma GCC poison bpf_map_update_elem bpf_map_lookup_elem bpf_map_delete_elem bpf_map_get_next_key
#pragma GCC poison bpf_link_create bpf_prog_attach bpf_prog_test_run_opts bpf_obj_get_info_by_fd
/* libbpf.h declares its object loader; only core includes it, for enum names. */
#ifndef BPFLOAD_CORE_LAYER
#pragma GCC poison bpf_object__open bpf_object__open_file bpf_object__load
#endif
#endif
