// A hand-made object as clang 3.9-9 wrote them, built in memory: bpf_progs/ cannot hold
// one, since today's clang no longer writes this way.
#pragma once

#include <cstddef>
#include <vector>

namespace bpfload::test {

/// A little-endian BPF object with the habits of clang before 10:
/// - functions are STT_NOTYPE symbols: global `global_fn` and local `second_fn` in
///   `.text`, program `xdp_prog` in section `xdp`, plus a local basic-block label `LBB0_2`
///   inside xdp_prog;
/// - xdp_prog calls global_fn through R_BPF_64_32 on the NOTYPE symbol (imm -1) and
///   second_fn through R_BPF_64_32 on the `.text` section symbol (imm = insn - 1);
/// - `maps` holds two 20-byte struct bpf_map_def, `counts` (array, key 4, value 8,
///   1 entry) and `unused`, both NOTYPE with st_size 0;
/// - no .BTF, and an `.eh_frame` whose relocations use R_BPF_64_64 and R_BPF_64_32 as
///   32/64-bit data relocations (their meaning before LLVM 14's R_BPF_64_ABS*).
/// xdp_prog stores global_fn() + second_fn() = 42 + 7 = 49 in counts[0], returns XDP_PASS.
std::vector<std::byte> old_clang_object();

}  // namespace bpfload::test
