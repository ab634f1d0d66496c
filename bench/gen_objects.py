#!/usr/bin/env python3
"""Generates BPF objects of chosen shapes for the benchmarks: C source compiled by clang.

Shapes (each writes OUT/<name>.c and OUT/<name>.o; an existing .o newer than this script
is kept, so repeated bench runs do not recompile):

  programs  N programs, M maps; --flavour legacy (struct bpf_map_def SEC("maps")) or btf
            (SEC(".maps")); --verify light (8-iteration loop) or heavy (300 iterations).
            Every program is a socket filter in SEC("socket") that looks up one map.
  chain     N local subprograms, each calling the next (static __noinline in .text).
  globals   N initialised global variables in .data, a few of them read by one program.
  maprelocs M legacy maps and R map relocations (ld_imm64 of a map) over several programs.

Only clang is needed (-target bpf; the kernel UAPI headers come from linux-libc-dev). The
large shapes (chain, globals, maprelocs) are written as BPF assembly with .BTF and
.BTF.ext given byte by byte, as clang would emit them (DATASEC sizes and offsets left 0),
because clang needs minutes for C of 10^5 functions; the assembler takes seconds.

  bench/gen_objects.py OUT programs --programs 1000 --maps 100 --flavour btf --verify light
  bench/gen_objects.py OUT chain --functions 100000
  bench/gen_objects.py OUT standard      # every object bench/side-by-side and the scaling series use
"""
import argparse
import shutil
import struct
import os
import subprocess
import sys

HEADER = """#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
char _license[] SEC("license") = "GPL";
"""

LEGACY_DEF = """struct bpf_map_def { unsigned int type, key_size, value_size, max_entries, map_flags; };
"""


def map_decl(flavour, index):
    if flavour == "legacy":
        return (f'struct bpf_map_def SEC("maps") map_{index} = '
                f'{{ BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0 }};\n')
    return (f"struct {{ __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 16); "
            f"__type(key, __u32); __type(value, __u64); }} map_{index} SEC(\".maps\");\n")


def program(index, map_index, rounds):
    # acc and bits stay unknown scalars, so the verifier walks the loop once per round
    # (linear in `rounds`) and prunes both arms of the branch.
    return f"""SEC("socket") int prog_{index}(struct __sk_buff *skb)
{{
	__u32 key = {index % 16};
	__u64 *value = bpf_map_lookup_elem(&map_{map_index}, &key);
	__u64 acc, bits;
	int i;
	if (!value) return 0;
	bits = *value;
	acc = bits >> 3;
#pragma clang loop unroll(disable)
	for (i = 0; i < {rounds}; i++) {{
		if (bits & (1ULL << (i & 63))) acc += i; else acc ^= i * 3;
	}}
	*value = acc;
	return 0;
}}
"""


def source_programs(args):
    rounds = 300 if args.verify == "heavy" else 8
    parts = [HEADER]
    if args.flavour == "legacy":
        parts.append(LEGACY_DEF)
    parts += [map_decl(args.flavour, m) for m in range(args.maps)]
    parts += [program(p, p % args.maps, rounds) for p in range(args.programs)]
    return "".join(parts)


class Btf:
    """A .BTF section under construction: types and strings, little-endian."""

    def __init__(self):
        self.types = []
        self.strings = bytearray(b"\0")
        self.offsets = {"": 0}
        self.count = 0

    def name(self, text):
        if text not in self.offsets:
            self.offsets[text] = len(self.strings)
            self.strings += text.encode() + b"\0"
        return self.offsets[text]

    def add(self, name, kind, vlen, size_or_type, tail=b""):
        info = (kind << 24) | vlen
        self.types.append(struct.pack("<III", self.name(name), info, size_or_type) + tail)
        self.count += 1
        return self.count

    def int32(self):
        return self.add("int", 1, 0, 4, struct.pack("<I", (1 << 24) | 32))  # signed, 32 bits

    def section(self):
        types = b"".join(self.types)
        header = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(types), len(types), len(self.strings))
        return header + types + bytes(self.strings)


def btf_ext(records_by_kind):
    """.BTF.ext: records_by_kind = (func_info, line_info), each [(section_name_off, [record bytes])]."""
    blobs = []
    for rec_size, blocks in zip((8, 16), records_by_kind):
        blob = struct.pack("<I", rec_size)
        for name_off, records in blocks:
            blob += struct.pack("<II", name_off, len(records)) + b"".join(records)
        blobs.append(blob)
    func, line = blobs
    header = struct.pack("<HBBIIIIIII", 0xEB9F, 1, 0, 32, 0, len(func), len(func), len(line), len(func) + len(line), 0)
    return header + func + line


def asm_bytes(section, data):
    lines = [f'\t.section {section},"",@progbits']
    for at in range(0, len(data), 64):
        lines.append("\t.byte " + ",".join(str(b) for b in data[at:at + 64]))
    return "\n".join(lines) + "\n"


LICENSE_ASM = '\t.section license,"aw",@progbits\n_license:\n\t.asciz "GPL"\n'


def source_chain(args):
    """N static functions in .text, f_i calling f_{i+1}, 4 instructions each, with BTF
    FUNCs, func_info and line_info for every one: 4 N instructions in all."""
    n = args.functions
    btf = Btf()
    int_id = btf.int32()
    proto = btf.add("", 13, 1, int_id, struct.pack("<II", btf.name("x"), int_id))  # FUNC_PROTO int (int x)
    file_off = btf.name("chain.c")
    text_off, socket_off = btf.name(".text"), btf.name("socket")
    asm = ["\t.text\n"]
    funcs, lines = [], []
    for i in range(n):
        func_id = btf.add(f"f_{i}", 12, 0, proto)  # FUNC, static linkage
        last = i == n - 1
        asm.append(f"\t.type f_{i},@function\nf_{i}:\n\tr1 ^= {i}\n"
                   + ("\tr0 = r1\n" if last else f"\tcall f_{i + 1}\n")
                   + f"\tr0 += 1\n\texit\n\t.size f_{i}, .-f_{i}\n")
        funcs.append(struct.pack("<II", i * 32, func_id))
        lines.append(struct.pack("<IIII", i * 32, file_off, btf.name(f"int f_{i}(int x)"), (i + 1) << 10 | 1))
    main_id = btf.add("chain", 12, 1, proto)  # FUNC, global linkage
    asm.append('\t.section socket,"ax",@progbits\n\t.globl chain\n\t.type chain,@function\nchain:\n'
               "\tr1 = 0\n\tcall f_0\n\texit\n\t.size chain, .-chain\n")
    asm.append(LICENSE_ASM)
    ext = btf_ext(([(text_off, funcs), (socket_off, [struct.pack("<II", 0, main_id)])],
                   [(text_off, lines), (socket_off, [struct.pack("<IIII", 0, file_off, btf.name("int chain"), 1 << 10)])]))
    return "".join(asm) + asm_bytes(".BTF", btf.section()) + asm_bytes(".BTF.ext", ext)


def source_globals(args):
    """N initialised global ints in .data, a DATASEC listing them with sizes and offsets
    0 as clang leaves them, and one program reading eight of them."""
    n = args.globals
    btf = Btf()
    int_id = btf.int32()
    asm = ['\t.section .data,"aw",@progbits\n']
    secinfos = []
    for i in range(n):
        var = btf.add(f"g_{i}", 14, 0, int_id, struct.pack("<I", 1))  # VAR, global
        secinfos.append(struct.pack("<III", var, 0, 4))
        asm.append(f"\t.globl g_{i}\n\t.type g_{i},@object\n\t.size g_{i}, 4\ng_{i}:\n\t.long {i + 1}\n")
    btf.add(".data", 15, n, 0, b"".join(secinfos))  # DATASEC, size 0: filled by the loader
    body = "".join(f"\tr1 = g_{i} ll\n\tr2 = *(u32 *)(r1 + 0)\n\tr0 += r2\n" for i in range(0, n, max(1, n // 8)))
    asm.append('\t.section socket,"ax",@progbits\n\t.globl read_globals\n\t.type read_globals,@function\n'
               f"read_globals:\n\tr0 = 0\n{body}\texit\n\t.size read_globals, .-read_globals\n")
    asm.append(LICENSE_ASM)
    return "".join(asm) + asm_bytes(".BTF", btf.section())


def source_maprelocs(args):
    """M legacy array maps and R ld_imm64 map references (one relocation each), in
    programs of at most 32,768 references spread over three sections (the per-section
    instruction limit is 2^20)."""
    asm = ['\t.section maps,"aw",@progbits\n']
    for m in range(args.maps):
        asm.append(f"\t.globl map_{m}\n\t.type map_{m},@object\n\t.size map_{m}, 20\nmap_{m}:\n\t.long 2,4,8,16,0\n")
    per_program = 32768
    sections = ["socket", "xdp", "tc"]
    done, p = 0, 0
    while done < args.relocations:
        count = min(per_program, args.relocations - done)
        body = "".join(f"\tr1 = map_{(done + k) % args.maps} ll\n" for k in range(count))
        asm.append(f'\t.section {sections[p % 3]},"ax",@progbits\n\t.globl refs_{p}\n\t.type refs_{p},@function\n'
                   f"refs_{p}:\n{body}\tr0 = 0\n\texit\n\t.size refs_{p}, .-refs_{p}\n")
        done += count
        p += 1
    asm.append(LICENSE_ASM)
    return "".join(asm)


def compile_object(out_dir, name, source, suffix=".c"):
    c_path = os.path.join(out_dir, name + suffix)
    o_path = os.path.join(out_dir, name + ".o")
    if os.path.exists(o_path) and os.path.getmtime(o_path) >= os.path.getmtime(__file__):
        return o_path
    with open(c_path, "w") as f:
        f.write(source)
    multiarch = subprocess.run(["gcc", "-print-multiarch"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("gcc") else ""
    cmd = ["clang", "-target", "bpf"] + (["-O2", "-g", "-Wno-unused-function"] if suffix == ".c" else [])
    if multiarch and suffix == ".c":
        cmd += ["-idirafter", "/usr/include/" + multiarch]
    cmd += ["-c", c_path, "-o", o_path + ".tmp"]
    subprocess.run(cmd, check=True)
    os.replace(o_path + ".tmp", o_path)
    return o_path


def programs_name(args):
    return f"progs_{args.flavour}_{args.verify}_{args.programs}p_{args.maps}m"


def standard(out_dir):
    """The objects bench/side-by-side and bench_scaling read."""
    made = []
    ns = argparse.Namespace
    for programs, maps, flavour, verify in [(1, 1, "btf", "light"), (1, 1, "btf", "heavy"),
                                            (100, 50, "btf", "light"), (500, 100, "btf", "light"),
                                            (1000, 100, "btf", "light"), (64, 8, "btf", "heavy"),
                                            (1000, 100, "legacy", "light"), (64, 8, "legacy", "heavy"),
                                            (1, 1, "legacy", "light")]:
        a = ns(programs=programs, maps=maps, flavour=flavour, verify=verify)
        made.append(compile_object(out_dir, programs_name(a), source_programs(a)))
    # The scaling series: 4 instructions per link of the chain, 1,000 to 1,000,000 in all.
    for functions in [250, 2500, 25000, 250000]:
        made.append(compile_object(out_dir, f"chain_{functions}", source_chain(ns(functions=functions)), ".s"))
    made.append(compile_object(out_dir, "chain_100000", source_chain(ns(functions=100000)), ".s"))
    made.append(compile_object(out_dir, "globals_30000", source_globals(ns(globals=30000)), ".s"))
    made.append(compile_object(out_dir, "maprelocs_4096m_1000000r",
                               source_maprelocs(ns(maps=4096, relocations=1000000)), ".s"))
    return made


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("shape", choices=["programs", "chain", "globals", "maprelocs", "standard"])
    parser.add_argument("--programs", type=int, default=100)
    parser.add_argument("--maps", type=int, default=10)
    parser.add_argument("--flavour", choices=["legacy", "btf"], default="btf")
    parser.add_argument("--verify", choices=["light", "heavy"], default="light")
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--globals", type=int, default=1000)
    parser.add_argument("--relocations", type=int, default=10000)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.shape == "standard":
        made = standard(args.out_dir)
    elif args.shape == "programs":
        made = [compile_object(args.out_dir, programs_name(args), source_programs(args))]
    elif args.shape == "chain":
        made = [compile_object(args.out_dir, f"chain_{args.functions}", source_chain(args), ".s")]
    elif args.shape == "globals":
        made = [compile_object(args.out_dir, f"globals_{args.globals}", source_globals(args), ".s")]
    else:
        made = [compile_object(args.out_dir, f"maprelocs_{args.maps}m_{args.relocations}r", source_maprelocs(args), ".s")]
    for path in made:
        print(path)


if __name__ == "__main__":
    sys.exit(main())
