// .BTF.ext func_info and line_info, decoded by hand (libbpf 1.1 has no public accessor).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bpfload/result.hpp"
#include "elf_view.hpp"

struct btf;  // libbpf

namespace bpfload {

/// One record of a .BTF.ext info subsection, as stored: insn_off is in bytes from
/// the start of the ELF section named `BtfExt::sections[section]`.
struct BtfExtFuncInfo {
  uint32_t section = 0;
  uint32_t insn_off = 0;
  uint32_t type_id = 0;
};

struct BtfExtLineInfo {
  uint32_t section = 0;
  uint32_t insn_off = 0;
  uint32_t file_name_off = 0;
  uint32_t line_off = 0;
  uint32_t line_col = 0;
};

/// A CO-RE relocation record (struct bpf_core_relo) as stored.
struct BtfExtCoreRelo {
  uint32_t section = 0;
  uint32_t insn_off = 0;
  uint32_t type_id = 0;
  uint32_t access_str_off = 0;
  uint32_t kind = 0;
};

struct BtfExt {
  /// The ELF section names the records refer to, each once: names are read once per
  /// block of records, not per record.
  std::vector<std::string> sections;
  std::vector<BtfExtFuncInfo> func_info;
  std::vector<BtfExtLineInfo> line_info;
  std::vector<BtfExtCoreRelo> core_relos;
};

/// Decodes `section` (.BTF.ext) in the object's byte order; section names are looked
/// up in `btf`'s strings. Fails with Malformed naming the field and offset (bad magic,
/// header or subsection past the end, record size too small, unknown section name).
[[nodiscard]] Result<BtfExt> decode_btf_ext(const elf::View& view, const elf::Section& section,
                                            const struct btf* btf);

}  // namespace bpfload
