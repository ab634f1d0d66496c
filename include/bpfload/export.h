/* Which declarations the installed libbpfload exports. The C API is marked BPFLOAD_API;
 * loader/libbpfload.map (a version script) exports only bpfload_* and the bpfload
 * namespace and keeps the rest local, so the template code of libbpf, libelf, fmt and the
 * C++ standard library instantiated inside bpfload never reaches an agent that links its
 * own copies. C and C++ compatible. */
#ifndef BPFLOAD_EXPORT_H
#define BPFLOAD_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
/* Marks one C function (or C++ class) as part of the public ABI. */
#define BPFLOAD_API __attribute__((visibility("default")))
/* Bracket the C++ public headers' declarations: exports every class and function they
 * declare without marking each one. Placed after the headers' #includes, so the standard
 * and third-party headers are not affected. */
#define BPFLOAD_PUBLIC_BEGIN _Pragma("GCC visibility push(default)")
#define BPFLOAD_PUBLIC_END _Pragma("GCC visibility pop")
#else
#define BPFLOAD_API
#define BPFLOAD_PUBLIC_BEGIN
#define BPFLOAD_PUBLIC_END
#endif

#endif /* BPFLOAD_EXPORT_H */
