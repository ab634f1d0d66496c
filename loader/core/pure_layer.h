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
/* libbpf's BTF API is pure but for these, which load BTF into the kernel, read it back by
 * id, or read files (/sys/kernel/btf among them). <bpf/btf.h> is included first so its own
 * declarations of them are not an error; any use after it is. */
#ifdef __cplusplus
#include <bpf/btf.h>
#pragma GCC poison btf__load_into_kernel btf__load_vmlinux_btf btf__load_module_btf
#pragma GCC poison btf__load_from_kernel_by_id btf__load_from_kernel_by_id_split btf__get_from_id
#pragma GCC poison btf__parse btf__parse_split btf__parse_elf btf__parse_elf_split btf__parse_raw btf__parse_raw_split
#pragma GCC poison btf_ext__parse
#endif
/* libbpf.h declares its object loader; only core includes it, for enum names. */
#ifndef BPFLOAD_CORE_LAYER
#pragma GCC poison bpf_object__open bpf_object__open_file bpf_object__load
#endif
#endif
