#include "programs_decode.hpp"

#include <elf.h>
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "section_names.hpp"

namespace bpfload {
namespace {

constexpr uint8_t kLdImm64 = 0x18;  // BPF_LD | BPF_IMM | BPF_DW
constexpr uint8_t kCall = 0x85;     // BPF_JMP | BPF_CALL
constexpr uint8_t kPseudoCall = 1;  // BPF_PSEUDO_CALL in src_reg
constexpr uint64_t kInsnSize = 8;
constexpr uint32_t kRelNone = 0;     // R_BPF_NONE
constexpr uint32_t kRel64_64 = 1;    // R_BPF_64_64: ld_imm64
constexpr uint32_t kRel64_32 = 10;   // R_BPF_64_32: call
constexpr uint32_t kMapTypeArena = 33;  // BPF_MAP_TYPE_ARENA, 6.9

Error malformed(std::string message) { return make_error(ErrorKind::Malformed, std::move(message)); }
Error unsupported(std::string message) { return make_error(ErrorKind::Unsupported, std::move(message)); }

bool is_maps_section(std::string_view name) { return is_legacy_maps_section(name) || name == ".maps"; }

// Basic-block and temporary labels old clang left in the symbol table (LBB0_2, Ltmp3).
bool is_compiler_label(std::string_view name) {
  return name.starts_with("LBB") || name.starts_with("Ltmp") || name.starts_with(".L");
}

// clang before 10 gave functions STT_NOTYPE, global ones and static ones alike; besides
// them, its NOTYPE symbols in code are basic-block labels, which start nothing. Newer
// compilers type every function STT_FUNC, and their NOTYPE symbols in code are labels of
// inline assembly (`l0_0:`), which must never become programs: an object with one typed
// function is read the way libbpf reads every object, by STT_FUNC alone.
bool starts_function(const elf::Symbol& symbol, bool object_has_typed_functions) {
  if (symbol.type == STT_FUNC) return true;
  if (object_has_typed_functions) return false;
  if (symbol.type != STT_NOTYPE || symbol.name.empty()) return false;
  return symbol.bind == STB_GLOBAL || !is_compiler_label(symbol.name);
}

// Whether any code section of the object holds an STT_FUNC symbol.
bool has_typed_functions(const elf::View& view) {
  for (const elf::Section& section : view.sections()) {
    if (!section.executable()) continue;
    for (const elf::Symbol* symbol : view.symbols_in(section.index))
      if (symbol->type == STT_FUNC) return true;
  }
  return false;
}

// Of two symbols at one address, the one that names the function: a typed one over an
// untyped one, then a global over a local (a label on a function's first instruction or
// a local alias never renames it).
bool names_function_better(const elf::Symbol& candidate, const elf::Symbol& kept) {
  if ((candidate.type == STT_FUNC) != (kept.type == STT_FUNC)) return candidate.type == STT_FUNC;
  return candidate.bind != STB_LOCAL && kept.bind == STB_LOCAL;
}

bool is_glob(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

bool glob_matches(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// One function's place in its section, before its instructions are copied.
struct Extent {
  std::string name;
  uint64_t start = 0;  // bytes
  uint64_t size = 0;   // bytes
  bool global = false;
};

Result<std::vector<Extent>> function_extents(const elf::View& view, const elf::Section& section,
                                             bool object_has_typed_functions) {
  std::vector<const elf::Symbol*> symbols;
  for (const elf::Symbol* symbol : view.symbols_in(section.index)) {
    if (!starts_function(*symbol, object_has_typed_functions)) continue;
    // Aliases at the same address describe one function: keep the one naming it best.
    if (!symbols.empty() && symbols.back()->value == symbol->value) {
      if (names_function_better(*symbol, *symbols.back())) symbols.back() = symbol;
      continue;
    }
    symbols.push_back(symbol);
  }
  std::vector<Extent> extents;
  for (size_t i = 0; i < symbols.size(); ++i) {
    const elf::Symbol& symbol = *symbols[i];
    const uint64_t next = i + 1 < symbols.size() ? symbols[i + 1]->value : section.size;
    const uint64_t size = symbol.size != 0 ? symbol.size : next - std::min(next, symbol.value);
    if (symbol.value % kInsnSize != 0 || size == 0 || size % kInsnSize != 0 ||
        !elf::range_fits(symbol.value, size, section.size))
      return malformed(fmt::format("section '{}': function '{}' at 0x{:x} size 0x{:x} is not a whole number of "
                                   "instructions inside the section (size 0x{:x})",
                                   section.name, symbol.name, symbol.value, size, section.size));
    extents.push_back({symbol.name, symbol.value, size, symbol.bind != STB_LOCAL});
  }
  if (extents.empty() && section.name != ".text" && section.size > 0)
    extents.push_back({program_name_from_section(section.name), 0, section.size, true});
  return extents;
}

// Decoding state of one executable section.
struct CodeSection {
  const elf::Section* section = nullptr;
  std::vector<Instruction> insns;
  size_t first_function = 0;
  size_t function_count = 0;
  /// Functions with explicit sizes may overlap; only then are lookups linear.
  bool overlapping = false;
};

// Where a map can be found from a relocation: (section, offset) and (section, name),
// each the first map in spec order, so lookups agree with a scan of the maps.
struct MapIndex {
  std::unordered_map<std::string, std::unordered_map<uint64_t, size_t>> by_offset;
  std::unordered_map<std::string, std::unordered_map<std::string, size_t>> by_name;

  explicit MapIndex(const std::vector<MapSpec>& maps) {
    for (size_t m = 0; m < maps.size(); ++m) {
      by_offset[maps[m].section].emplace(maps[m].offset, m);
      by_name[maps[m].section].emplace(maps[m].name, m);
    }
  }

  std::optional<size_t> find(const std::string& section, uint64_t offset, const std::string* name) const {
    std::optional<size_t> found;
    if (const auto s = by_offset.find(section); s != by_offset.end())
      if (const auto m = s->second.find(offset); m != s->second.end()) found = m->second;
    if (name == nullptr) return found;
    if (const auto s = by_name.find(section); s != by_name.end())
      if (const auto m = s->second.find(*name); m != s->second.end())
        if (!found || m->second < *found) found = m->second;
    return found;
  }
};

class Decoder {
 public:
  Decoder(const elf::View& view, const ObjectSpec& partial, const ParseOptions& options)
      : view_(view), partial_(partial), options_(options), map_index_(partial.maps),
        code_by_section_(view.sections().size(), -1), typed_functions_(has_typed_functions(view)) {}

  Result<DecodedCode> run() {
    for (const elf::Section& section : view_.sections()) {
      if (!section.executable()) continue;
      BPFLOAD_TRY(add_section(section));
    }
    for (CodeSection& code : code_) BPFLOAD_TRY(resolve_calls(code));
    for (CodeSection& code : code_) BPFLOAD_TRY(resolve_relocations(code));
    // Calls were added before loads, so a function with both needs sorting; the usual
    // function, relocated in offset order already, is only checked.
    const auto by_insn = [](const Relocation& a, const Relocation& b) { return a.insn < b.insn; };
    for (FunctionSpec& function : out_.functions)
      if (!std::is_sorted(function.relocations.begin(), function.relocations.end(), by_insn))
        std::stable_sort(function.relocations.begin(), function.relocations.end(), by_insn);
    BPFLOAD_TRY(make_programs());
    return std::move(out_);
  }

 private:
  Status add_section(const elf::Section& section) {
    if (section.size % kInsnSize != 0)
      return malformed(fmt::format("section '{}': size 0x{:x} is not a multiple of 8", section.name, section.size));
    const uint64_t count = section.size / kInsnSize;
    if (count > options_.limits.max_insns)
      return make_error(ErrorKind::LimitExceeded, fmt::format("section '{}': {} instructions exceed the limit of {}",
                                                              section.name, count, options_.limits.max_insns));
    auto extents = function_extents(view_, section, typed_functions_);
    if (!extents) return std::move(extents).error();
    CodeSection code;
    code.section = &section;
    code.insns.reserve(count);
    for (uint64_t i = 0; i < count; ++i) code.insns.push_back(decode_instruction(view_, section.data, i * kInsnSize));
    code.first_function = out_.functions.size();
    code.function_count = extents->size();
    for (size_t e = 1; e < extents->size(); ++e)
      code.overlapping |= (*extents)[e - 1].start + (*extents)[e - 1].size > (*extents)[e].start;
    for (const Extent& extent : *extents) {
      FunctionSpec function;
      function.name = extent.name;
      function.section = section.name;
      function.section_insn = static_cast<uint32_t>(extent.start / kInsnSize);
      function.global = extent.global;
      const auto begin = code.insns.begin() + static_cast<ptrdiff_t>(extent.start / kInsnSize);
      function.insns.assign(begin, begin + static_cast<ptrdiff_t>(extent.size / kInsnSize));
      out_.functions.push_back(std::move(function));
      called_in_own_section_.push_back(false);
    }
    code_by_section_[section.index] = static_cast<int64_t>(code_.size());
    code_.push_back(std::move(code));
    return {};
  }

  const CodeSection* code_for(size_t section_index) const {
    if (section_index >= code_by_section_.size() || code_by_section_[section_index] < 0) return nullptr;
    return &code_[static_cast<size_t>(code_by_section_[section_index])];
  }

  // The first function of `code` (in offset order) starting after `insn`; functions
  // of a section are sorted by start (aliases were dropped), so this is a binary search.
  static size_t first_starting_after(const CodeSection& code, const std::vector<FunctionSpec>& functions,
                                     uint64_t insn) {
    size_t low = code.first_function;
    size_t high = code.first_function + code.function_count;
    while (low < high) {
      const size_t middle = low + (high - low) / 2;
      if (functions[middle].section_insn <= insn) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // The function of `code` that starts at section instruction `insn`, or nullopt.
  static std::optional<size_t> function_starting_at(const CodeSection& code, const std::vector<FunctionSpec>& functions,
                                                    int64_t insn) {
    if (insn < 0) return std::nullopt;
    const size_t after = first_starting_after(code, functions, static_cast<uint64_t>(insn));
    if (after == code.first_function || functions[after - 1].section_insn != insn) return std::nullopt;
    return after - 1;
  }

  // The function of `code` containing section instruction `insn`, or nullopt; the first
  // in offset order when explicit sizes make functions overlap.
  std::optional<size_t> function_containing(const CodeSection& code, uint64_t insn) const {
    const auto contains = [&](size_t f) {
      const FunctionSpec& function = out_.functions[f];
      return insn >= function.section_insn && insn < function.section_insn + function.insns.size();
    };
    if (code.overlapping) {
      for (size_t f = code.first_function; f < code.first_function + code.function_count; ++f)
        if (contains(f)) return f;
      return std::nullopt;
    }
    const size_t after = first_starting_after(code, out_.functions, insn);
    if (after == code.first_function || !contains(after - 1)) return std::nullopt;
    return after - 1;
  }

  // One ExternSpec per name: a call anywhere makes it a function (bpf_ksym_exists(kfunc)
  // loads its address before the call), and weakness is the symbol's.
  uint32_t extern_index(const elf::Symbol& symbol, ExternSpec::Kind kind) {
    const bool weak = symbol.bind == STB_WEAK;
    const auto [found, added] = extern_by_name_.try_emplace(symbol.name, out_.externs.size());
    if (!added) {
      ExternSpec& known = out_.externs[found->second];
      if (kind == ExternSpec::Kind::Function) known.kind = kind;
      known.weak = known.weak || weak;
      return static_cast<uint32_t>(found->second);
    }
    out_.externs.push_back({symbol.name, kind, weak});
    return static_cast<uint32_t>(out_.externs.size() - 1);
  }

  void add_extern_reference(size_t function, uint64_t section_insn, const elf::Symbol& symbol,
                            ExternSpec::Kind kind) {
    FunctionSpec& caller = out_.functions[function];
    Relocation relocation;
    relocation.kind = Relocation::Kind::Extern;
    relocation.insn = static_cast<uint32_t>(section_insn - caller.section_insn);
    relocation.target = extern_index(symbol, kind);
    relocation.symbol = symbol.name;
    caller.relocations.push_back(std::move(relocation));
  }

  // bpf-to-bpf calls, relocated (into .text or another function) or section-relative.
  Status resolve_calls(const CodeSection& code) {
    const elf::Section& section = *code.section;
    const elf::Relocations* relocations = view_.relocations_for(section.index);
    const auto is_call = [](const Instruction& insn) { return insn.code == kCall && insn.src == kPseudoCall; };
    if (std::none_of(code.insns.begin(), code.insns.end(), is_call)) return {};
    // (offset, relocation number) sorted by offset, so each call finds its relocation in
    // log time; the first of several at one offset, as a map keeping the first would.
    std::vector<std::pair<uint64_t, size_t>> by_offset;
    if (relocations != nullptr) {
      by_offset.reserve(relocations->entries.size());
      for (size_t n = 0; n < relocations->entries.size(); ++n) by_offset.emplace_back(relocations->entries[n].offset, n);
      std::sort(by_offset.begin(), by_offset.end());
    }
    for (uint64_t i = 0; i < code.insns.size(); ++i) {
      const Instruction& insn = code.insns[i];
      if (!is_call(insn)) continue;
      const auto caller = function_containing(code, i);
      if (!caller) continue;  // code outside every function is never loaded
      const auto found = std::lower_bound(by_offset.begin(), by_offset.end(), std::pair<uint64_t, size_t>(i * kInsnSize, 0));
      const bool has = found != by_offset.end() && found->first == i * kInsnSize;
      const size_t number = has ? found->second : 0;
      const elf::Relocation* relocation = has ? &relocations->entries[number] : nullptr;
      const CodeSection* target_code = &code;
      int64_t target_insn = static_cast<int64_t>(i) + insn.imm + 1;
      std::string symbol_name;
      if (relocation != nullptr) {
        const elf::Symbol& symbol = view_.symbols()[relocation->symbol];
        if (symbol.section == SHN_UNDEF) {
          // A function no section defines (a kfunc, or one meant to come from another object).
          add_extern_reference(*caller, i, symbol, ExternSpec::Kind::Function);
          continue;
        }
        target_code = code_for(symbol.section);
        const bool named = symbol.type == STT_FUNC || symbol.type == STT_NOTYPE;
        if (target_code == nullptr || (symbol.type != STT_SECTION && !named))
          return malformed(fmt::format("section '{}': relocation #{} at 0x{:x}: call to '{}' which is not code",
                                       section.name, number, i * kInsnSize, symbol.name));
        // libbpf: symbol value + imm + 1 (clang leaves imm -1 for a named function);
        // cilium/ebpf calls a named function whatever imm says: take that when the
        // sum starts no function.
        target_insn = static_cast<int64_t>(symbol.value / kInsnSize) + insn.imm + 1;
        if (named && !function_starting_at(*target_code, out_.functions, target_insn))
          target_insn = static_cast<int64_t>(symbol.value / kInsnSize);
        symbol_name = symbol.name;
      }
      const auto callee = function_starting_at(*target_code, out_.functions, target_insn);
      if (!callee)
        return malformed(fmt::format("section '{}': call at 0x{:x} targets instruction {} of '{}', which starts no "
                                     "function",
                                     section.name, i * kInsnSize, target_insn, target_code->section->name));
      FunctionSpec& function = out_.functions[*caller];
      Relocation call;
      call.kind = Relocation::Kind::Call;
      call.insn = static_cast<uint32_t>(i - function.section_insn);
      call.target = static_cast<uint32_t>(*callee);
      call.symbol = symbol_name.empty() ? out_.functions[*callee].name : symbol_name;
      function.relocations.push_back(std::move(call));
      if (target_code == &code) called_in_own_section_[*callee] = true;
    }
    return {};
  }

  Status resolve_relocations(const CodeSection& code) {
    const elf::Section& section = *code.section;
    const elf::Relocations* relocations = view_.relocations_for(section.index);
    if (relocations == nullptr) return {};
    for (size_t number = 0; number < relocations->entries.size(); ++number) {
      const elf::Relocation& entry = relocations->entries[number];
      const auto where = [&] {
        return fmt::format("section '{}': relocation #{} at 0x{:x}", section.name, number, entry.offset);
      };
      if (entry.type == kRelNone) continue;
      if (entry.type != kRel64_64 && entry.type != kRel64_32)
        return unsupported(fmt::format("{}: relocation type {} is not supported", where(), entry.type));
      if (entry.offset % kInsnSize != 0)
        return malformed(fmt::format("{}: offset is not at an instruction boundary", where()));
      const uint64_t index = entry.offset / kInsnSize;
      const Instruction& insn = code.insns[index];
      if (entry.type == kRel64_32) {
        const elf::Symbol& symbol = view_.symbols()[entry.symbol];
        if (insn.code == kCall && insn.src != kPseudoCall && symbol.section == SHN_UNDEF && !symbol.name.empty()) {
          // A helper-style call to a function no section defines (a kfunc, before libbpf
          // marks it): the same unresolved extern as a pseudo call to it.
          const auto caller = function_containing(code, index);
          if (caller) add_extern_reference(*caller, index, symbol, ExternSpec::Kind::Function);
          continue;
        }
        if (insn.code != kCall || insn.src != kPseudoCall)
          return malformed(fmt::format("{}: R_BPF_64_32 on an instruction (code 0x{:02x}) that is not a bpf-to-bpf call",
                                       where(), insn.code));
        continue;  // resolved with the calls
      }
      if (insn.code == kCall && insn.src == kPseudoCall) continue;  // old LLVM used 64_64 for calls
      if (insn.code != kLdImm64 || index + 1 >= code.insns.size())
        return malformed(fmt::format("{}: R_BPF_64_64 on an instruction (code 0x{:02x}) that is not a complete "
                                     "ld_imm64",
                                     where(), insn.code));
      const auto owner = function_containing(code, index);
      if (!owner) return malformed(fmt::format("{}: outside every function of the section", where()));
      auto relocation = resolve_load(code, entry, insn, where);
      if (!relocation) return std::move(relocation).error();
      relocation->insn = static_cast<uint32_t>(index - out_.functions[*owner].section_insn);
      if (relocation->insn + 1 >= out_.functions[*owner].insns.size())
        return malformed(fmt::format("{}: ld_imm64 straddles the end of function '{}'", where(),
                                     out_.functions[*owner].name));
      out_.functions[*owner].relocations.push_back(std::move(*relocation));
    }
    return {};
  }

  // An ld_imm64 of a function's address: a callback. clang encodes the target as the
  // symbol's value plus imm, in bytes, for section symbols and function symbols alike.
  // `where` makes the message prefix only when there is an error to report.
  template <typename Where>
  Result<Relocation> resolve_function_address(const CodeSection& code, const elf::Symbol& symbol,
                                              const Instruction& insn, const Where& where) {
    const CodeSection* target_code = code_for(symbol.section);
    const int64_t byte_offset = static_cast<int64_t>(symbol.value) + insn.imm;
    if (target_code == nullptr || byte_offset < 0 || byte_offset % kInsnSize != 0)
      return malformed(fmt::format("{}: function address '{}'+{} is not an instruction of a code section", where(),
                                   symbol.name, insn.imm));
    const auto callee = function_starting_at(*target_code, out_.functions, byte_offset / kInsnSize);
    if (!callee)
      return malformed(fmt::format("{}: function address '{}'+{} starts no function of '{}'", where(), symbol.name,
                                   insn.imm, target_code->section->name));
    if (target_code == &code) called_in_own_section_[*callee] = true;
    Relocation relocation;
    relocation.kind = Relocation::Kind::FuncAddr;
    relocation.target = static_cast<uint32_t>(*callee);
    relocation.symbol = out_.functions[*callee].name;
    return relocation;
  }

  // An ld_imm64 of a map or of a global-data address.
  template <typename Where>
  Result<Relocation> resolve_load(const CodeSection& code, const elf::Relocation& entry, const Instruction& insn,
                                  const Where& where) {
    const elf::Symbol& symbol = view_.symbols()[entry.symbol];
    // Symbol 0 is ELF's null symbol: a relocation naming it refers to nothing at all.
    if (entry.symbol == 0)
      return malformed(fmt::format("{}: relocation against the null symbol (index 0)", where()));
    if (symbol.section == SHN_UNDEF) {
      if (symbol.name.empty()) return malformed(fmt::format("{}: relocation against an undefined unnamed symbol", where()));
      Relocation relocation;
      relocation.kind = Relocation::Kind::Extern;
      relocation.target = extern_index(symbol, ExternSpec::Kind::Variable);
      relocation.symbol = symbol.name;
      return relocation;
    }
    if (symbol.section >= view_.sections().size())
      return unsupported(fmt::format("{}: symbol '{}' has special section index 0x{:x}", where(), symbol.name,
                                     symbol.section));
    const elf::Section& target = view_.sections()[symbol.section];
    Relocation relocation;
    relocation.symbol = symbol.name;
    const bool section_symbol = symbol.type == STT_SECTION;
    if (is_maps_section(target.name)) {
      const uint64_t offset = section_symbol ? static_cast<uint32_t>(insn.imm) : symbol.value;
      if (const auto m = map_index_.find(target.name, offset, section_symbol ? nullptr : &symbol.name)) {
        relocation.kind = Relocation::Kind::Map;
        relocation.target = static_cast<uint32_t>(*m);
        relocation.symbol = partial_.maps[*m].name;
        return relocation;
      }
      return malformed(fmt::format("{}: no map at offset 0x{:x} of '{}' (symbol '{}')", where(), offset, target.name,
                                   symbol.name));
    }
    if (is_data_section(target.name)) {
      for (size_t d = 0; d < partial_.data_sections.size(); ++d) {
        const DataSectionSpec& data = partial_.data_sections[d];
        if (data.name != target.name) continue;
        // libbpf: the variable's st_value plus the addend clang left in imm.
        const uint64_t offset = (section_symbol ? 0 : symbol.value) + static_cast<uint32_t>(insn.imm);
        if (offset > data.size())
          return malformed(fmt::format("{}: offset 0x{:x} past the end of '{}' (size 0x{:x})", where(), offset,
                                       data.name, data.size()));
        relocation.kind = Relocation::Kind::Data;
        relocation.target = static_cast<uint32_t>(d);
        relocation.offset = offset;
        return relocation;
      }
      return malformed(fmt::format("{}: data section '{}' was not decoded", where(), target.name));
    }
    if (target.executable()) return resolve_function_address(code, symbol, insn, where);
    if (target.name == ".addr_space.1") {
      // libbpf: the object's one arena map, at the global's offset in the section.
      std::optional<size_t> arena;
      for (size_t m = 0; m < partial_.maps.size(); ++m) {
        if (partial_.maps[m].type != kMapTypeArena) continue;
        if (arena)
          return unsupported(fmt::format("{}: '{}' is an arena global, and the object has more than one arena map",
                                         where(), symbol.name));
        arena = m;
      }
      if (!arena)
        return malformed(fmt::format("{}: '{}' is a global in the arena (.addr_space.1), but the object has no arena "
                                     "map (BPF_MAP_TYPE_ARENA) to hold it",
                                     where(), symbol.name));
      const uint64_t offset = (section_symbol ? 0 : symbol.value) + static_cast<uint32_t>(insn.imm);
      if (offset >= target.size)
        return malformed(fmt::format("{}: offset 0x{:x} past the end of '.addr_space.1' (size 0x{:x})", where(),
                                     offset, target.size));
      relocation.kind = Relocation::Kind::Arena;
      relocation.target = static_cast<uint32_t>(*arena);
      relocation.offset = offset;
      return relocation;
    }
    return unsupported(fmt::format("{}: ld_imm64 refers to '{}' in section '{}', which is neither maps nor data",
                                   where(), symbol.name, target.name));
  }

  Status make_programs() {
    for (const auto& entry : options_.program_types) {
      const std::string& key = entry.first;  // named: clang 14 cannot capture structured bindings
      const bool glob = is_glob(key);
      const bool names_something =
          std::any_of(out_.functions.begin(), out_.functions.end(), [&](const FunctionSpec& f) {
            if (f.name == key || f.section == key) return true;
            return glob && (glob_matches(key, f.section) || glob_matches(key, f.name));
          });
      if (!names_something)
        return make_error(ErrorKind::InvalidArgument,
                          fmt::format("program type override '{}': no program or section {}", key,
                                      glob ? "matches that pattern" : "of that name"));
    }
    if (!options_.default_program_type.empty()) {
      auto type = program_type_from_name(options_.default_program_type);
      if (!type) return std::move(type).error().with_context("default program type");
    }
    for (const CodeSection& code : code_) {
      if (code.section->name == ".text") continue;
      const std::optional<SectionKind> kind = section_kind(code.section->name);
      for (size_t f = code.first_function; f < code.first_function + code.function_count; ++f) {
        const FunctionSpec& function = out_.functions[f];
        if (!function.global && called_in_own_section_[f]) continue;
        ProgramSpec program;
        program.name = function.name;
        program.section = function.section;
        program.function = static_cast<uint32_t>(f);
        program.autoload = !code.section->name.starts_with('?');
        if (kind) {
          program.type = kind->prog_type;
          program.expected_attach_type = kind->expected_attach_type;
          program.attach_to = kind->attach_to;
          program.prog_flags = kind->prog_flags;
        }
        BPFLOAD_TRY(apply_override(program));
        out_.programs.push_back(std::move(program));
      }
    }
    if (out_.programs.size() > options_.limits.max_programs)
      return make_error(ErrorKind::LimitExceeded, fmt::format("{} programs exceed the limit of {}",
                                                              out_.programs.size(), options_.limits.max_programs));
    return {};
  }

  // The override naming `program`: its name, else its section, else the first glob
  // (in key order) matching either; nullptr when none does.
  const std::pair<const std::string, std::string>* override_for(const ProgramSpec& program) const {
    const auto& types = options_.program_types;
    if (auto found = types.find(program.name); found != types.end()) return &*found;
    if (auto found = types.find(program.section); found != types.end()) return &*found;
    for (const auto& entry : types)
      if (is_glob(entry.first) && (glob_matches(entry.first, program.section) || glob_matches(entry.first, program.name)))
        return &entry;
    return nullptr;
  }

  Status apply_override(ProgramSpec& program) const {
    const auto* found = override_for(program);
    if (found == nullptr && (program.type != 0 || options_.default_program_type.empty())) return {};
    const std::string& type_name = found != nullptr ? found->second : options_.default_program_type;
    auto type = program_type_from_name(type_name);
    if (!type)
      return std::move(type).error().with_context(
          found != nullptr ? fmt::format("program type override for '{}'", found->first)
                           : std::string("default program type"));
    if (*type != program.type) {
      // The section's attach type and flags belong to the section's own program type.
      program.expected_attach_type = 0;
      program.prog_flags = 0;
    }
    program.type = *type;
    program.type_overridden = true;
    return {};
  }

  const elf::View& view_;
  const ObjectSpec& partial_;
  const ParseOptions& options_;
  MapIndex map_index_;
  std::vector<CodeSection> code_;
  std::vector<int64_t> code_by_section_;  ///< index into code_ per ELF section, -1 for none
  bool typed_functions_ = false;          ///< the object types its functions (STT_FUNC)
  std::vector<bool> called_in_own_section_;  // parallel to out_.functions
  DecodedCode out_;
  std::unordered_map<std::string, size_t> extern_by_name_;  ///< index into out_.externs
};

}  // namespace

Instruction decode_instruction(const elf::View& view, std::span<const std::byte> code, size_t offset) noexcept {
  Instruction insn;
  insn.code = static_cast<uint8_t>(code[offset]);
  const auto regs = static_cast<uint8_t>(code[offset + 1]);
  const bool big = view.byte_order() == ByteOrder::Big;
  insn.dst = big ? regs >> 4 : regs & 0x0f;
  insn.src = big ? regs & 0x0f : regs >> 4;
  insn.off = static_cast<int16_t>(view.read_u16(code, offset + 2));
  insn.imm = static_cast<int32_t>(view.read_u32(code, offset + 4));
  return insn;
}

std::string program_name_from_section(std::string_view section) {
  std::string name(section);
  for (char& c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!keep) c = '_';
  }
  return name;
}

Result<DecodedCode> decode_programs(const elf::View& view, const ObjectSpec& partial, const ParseOptions& options) {
  return Decoder(view, partial, options).run();
}

}  // namespace bpfload
