// ObjectSpec: everything bpfload learns from a BPF ELF object, as plain values.
// No file descriptors, no kernel state: the same bytes always give an equal spec.
#pragma once

#include "bpfload/export.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/btf.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// An immutable string whose copies share one buffer, compared by content. The object
/// decides how long a name or access string is and how many records repeat it (a 1 MB
/// CO-RE access string in 4,096 records): each is held once, not once per record.
class SharedString {
 public:
  SharedString() = default;
  SharedString(std::string text) : text_(std::make_shared<const std::string>(std::move(text))) {}  // NOLINT
  SharedString(const char* text) : SharedString(std::string(text)) {}                               // NOLINT

  [[nodiscard]] const std::string& str() const noexcept { return text_ ? *text_ : empty(); }
  operator std::string_view() const noexcept { return str(); }  // NOLINT: reads as the string it holds
  [[nodiscard]] bool empty_text() const noexcept { return str().empty(); }
  bool operator==(std::string_view other) const noexcept { return str() == other; }

 private:
  static const std::string& empty() noexcept {
    static const std::string none;
    return none;
  }
  std::shared_ptr<const std::string> text_;
};

/// Byte order of the object; instruction and map-definition values are decoded from it.
enum class ByteOrder { Little, Big };

/// How a map definition was encoded in the object.
enum class MapLayout {
  Auto,      ///< only as a parse option: detect legacy layouts from the entry size
  Libbpf,    ///< libbpf < 1.0 struct bpf_map_def (20 bytes; 16-byte early form)
  Samples,   ///< kernel samples/bpf struct bpf_load_map_def (28 bytes; 24-byte form)
  Iproute2,  ///< iproute2 struct bpf_elf_map (36 bytes)
  Btf,       ///< BTF-defined map in `.maps`
};

/// Where and how a map is pinned. iproute2's and libbpf's numeric values differ;
/// the parser maps both onto this.
enum class Pinning {
  None,
  ObjectNs,  ///< iproute2 PIN_OBJECT_NS: <root>/tc/<object id>/<name>
  GlobalNs,  ///< iproute2 PIN_GLOBAL_NS: <root>/tc/globals/<name>
  ByName,    ///< libbpf LIBBPF_PIN_BY_NAME: <root>/<name>
};

/// One initial element of a map-in-map or prog array (BTF `values`, iproute2 inner_idx,
/// tail-call sections): slot `index` holds the map or program named `target`.
struct MapSlot {
  enum class Kind { Map, Program };
  Kind kind = Kind::Program;
  uint32_t index = 0;
  std::string target;  ///< map name (Kind::Map) or program name (Kind::Program)
  bool operator==(const MapSlot&) const = default;
};

/// One member of a struct_ops map's struct, as the object's BTF has it.
struct StructOpsMember {
  std::string name;
  uint32_t offset = 0;   ///< bytes into the struct
  uint32_t size = 0;
  bool function = false; ///< a function pointer
  std::string program;   ///< the program a function pointer points to ("" none)
  bool operator==(const StructOpsMember&) const = default;
};

/// A `.struct_ops` / `.struct_ops.link` variable: the kernel struct it implements
/// (tcp_congestion_ops, ...), its members, and its bytes (function pointers zeroed: the
/// kernel gets program fds there).
struct StructOpsSpec {
  std::string type_name;
  std::vector<StructOpsMember> members;
  std::vector<std::byte> data;
  bool link = false;  ///< `.struct_ops.link`: registered by BPF_LINK_CREATE (BPF_F_LINK)
  bool operator==(const StructOpsSpec&) const = default;
};

/// A map as the object declares it.
struct MapSpec {
  std::string name;             ///< symbol name in the object
  uint32_t type = 0;            ///< enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;     ///< 0 is kept: the user sets it at load time
  uint32_t flags = 0;
  std::optional<uint32_t> numa_node;  ///< set when non-zero or when flags has BPF_F_NUMA_NODE
  MapLayout layout = MapLayout::Libbpf;
  std::string section;          ///< "maps", "maps/...", or ".maps"
  uint64_t offset = 0;          ///< byte offset of the definition in its section
  uint32_t definition_size = 0; ///< bytes of the legacy definition entry (0 for BTF)
  /// Why an ambiguous legacy entry was read in `layout` (28 bytes: samples' or early
  /// iproute2's), for inspect; "" when the size alone decided.
  std::string layout_reason;
  Pinning pinning = Pinning::None;
  uint32_t iproute2_id = 0;     ///< bpf_elf_map.id (0 when none)
  uint32_t iproute2_inner_id = 0;   ///< bpf_elf_map.inner_id: id of this outer map's inner template
  int32_t iproute2_inner_idx = -1;  ///< bpf_elf_map.inner_idx: slot of this map in its outer map
  int32_t samples_inner_map_idx = -1;  ///< bpf_load_map_def.inner_map_idx: index of the inner template
  /// The inner template is the map at index 0 because the definition's inner_map_idx is
  /// 0, which is also what an unset field reads as: samples/bpf programs often fixed the
  /// real index up in user space, so the template may not be the one the code expects.
  bool inner_from_default_index = false;
  /// Inner map template of a map-in-map: a copy of the referenced map's spec
  /// (legacy) or the inline definition (BTF `__array(values, ...)`).
  std::shared_ptr<const MapSpec> inner;
  std::string inner_name;       ///< name of the inner template map when it is a map of the object
  std::vector<MapSlot> initial_slots;  ///< initial prog-array / map-in-map contents, by index
  uint32_t btf_key_type_id = 0;    ///< BTF type of the key in ObjectSpec::btf, 0 when unknown
  uint32_t btf_value_type_id = 0;  ///< BTF type of the value, 0 when unknown
  uint64_t map_extra = 0;          ///< BTF `map_extra` (bloom filter hash count, ...), 0 when none
  /// Set for BPF_MAP_TYPE_STRUCT_OPS maps of `.struct_ops` / `.struct_ops.link`; their
  /// value_size (0 here) comes from the kernel's BTF at load time.
  std::shared_ptr<const StructOpsSpec> struct_ops;
};

/// One instruction, decoded into host order regardless of the object's byte order.
struct Instruction {
  uint8_t code = 0;
  uint8_t dst = 0;
  uint8_t src = 0;
  int16_t off = 0;
  int32_t imm = 0;
  bool operator==(const Instruction&) const = default;
};

/// A relocation the linker must apply, recorded symbolically.
struct Relocation {
  enum class Kind {
    Map,   ///< ld_imm64 of a map's fd; `target` indexes ObjectSpec::maps
    Data,  ///< ld_imm64 of a global-data address; `target` indexes ObjectSpec::data_sections
    Call,  ///< bpf-to-bpf call; `target` indexes ObjectSpec::functions
    /// ld_imm64 of a function's address (a callback for bpf_loop, bpf_for_each_map_elem,
    /// timers); `target` indexes ObjectSpec::functions. Loaded as BPF_PSEUDO_FUNC.
    FuncAddr,
    /// ld_imm64 or call of a symbol no section of the object defines; `target` indexes
    /// ObjectSpec::externs. resolve_externs rewrites the `.kconfig` and `.ksyms` ones; a
    /// program that still has one is not loaded.
    Extern,
    /// Made by resolve_externs only: an ld_imm64 BPF_PSEUDO_BTF_ID of a type in a kernel
    /// module's BTF; `target` indexes ObjectSpec::kernel_btf_modules. The fd patch writes
    /// that module's BTF fd into the second instruction's imm.
    ModuleBtf,
    /// ld_imm64 of a global in the arena (`.addr_space.1`, `__arena`); `target` indexes
    /// ObjectSpec::maps (the object's arena map), `offset` is the global's byte offset in
    /// ObjectSpec::arena_data. Loaded as BPF_PSEUDO_MAP_VALUE at the arena's data offset
    /// plus `offset`, as libbpf places arena globals at the end of the arena.
    Arena,
  };
  Kind kind = Kind::Map;
  uint32_t insn = 0;      ///< instruction index within the function
  uint32_t target = 0;
  uint64_t offset = 0;    ///< Data: byte offset within the section
  std::string symbol;     ///< symbol name the relocation referred to, for messages
  bool operator==(const Relocation&) const = default;
};

/// .BTF.ext func_info record, insn offset relative to the function start (in instructions).
struct FuncInfo {
  uint32_t insn = 0;
  uint32_t type_id = 0;
  bool operator==(const FuncInfo&) const = default;
};

/// .BTF.ext line_info record, insn offset relative to the function start (in instructions).
struct LineInfo {
  uint32_t insn = 0;
  uint32_t file_name_off = 0;
  uint32_t line_off = 0;
  uint32_t line_col = 0;  ///< line << 10 | column, as in struct bpf_line_info
  bool operator==(const LineInfo&) const = default;
};

/// A CO-RE relocation record of a function (.BTF.ext core_relo, struct bpf_core_relo):
/// instruction `insn` holds a field offset, size, existence, type or enum fact about the
/// access `access` starting at local BTF type `type_id`, to be recomputed against the
/// target kernel's BTF (relocate_core in core_relocate.hpp).
struct CoreRecord {
  uint32_t insn = 0;     ///< instruction index within the function
  uint32_t type_id = 0;  ///< root type in the object's BTF
  uint32_t kind = 0;     ///< enum bpf_core_relo_kind
  SharedString access;   ///< access string, "0:1:2" (indices from the root); records naming one string share it
  bool operator==(const CoreRecord&) const = default;
};

/// One function's code: a program's entry or a subprogram.
struct FunctionSpec {
  std::string name;
  std::string section;
  uint32_t section_insn = 0;  ///< index of the first instruction within the section
  bool global = false;        ///< STB_GLOBAL (static functions are local)
  std::vector<Instruction> insns;
  std::vector<Relocation> relocations;  ///< ordered by insn
  std::vector<FuncInfo> func_info;      ///< usually one record at insn 0
  std::vector<LineInfo> line_info;
  /// CO-RE relocation records (.BTF.ext core_relo) of this function, in record order.
  /// The linker refuses code that has any until relocate_core() applied them
  /// (ObjectSpec::core_relocated), rather than load the compiler's offsets.
  std::vector<CoreRecord> core_relocations;
  /// The function the kernel runs when this program throws (bpf_throw): the one its BTF
  /// decl tag "exception_callback:NAME" names. Laid out with the program, as the kernel
  /// finds it through the program's func_info. Index into ObjectSpec::functions.
  std::optional<uint32_t> exception_callback;
};

/// A program: an entry function plus what the kernel needs to know about it.
struct ProgramSpec {
  std::string name;
  std::string section;
  uint32_t function = 0;        ///< index into ObjectSpec::functions
  uint32_t type = 0;            ///< enum bpf_prog_type
  uint32_t expected_attach_type = 0;  ///< enum bpf_attach_type (0 when none)
  std::string attach_to;        ///< what follows the section prefix ("sys_write", "ingress"...)
  uint32_t prog_flags = 0;      ///< e.g. BPF_F_SLEEPABLE for ".s" sections
  bool type_overridden = false; ///< type came from a caller override, not the section table
  /// Loaded by a plain load; false for libbpf's SEC("?...") programs, which load only
  /// when asked for by name (LoadOptions::only_programs).
  bool autoload = true;
  /// struct_ops programs: the kernel struct and member a struct_ops map points this
  /// program from; the load's attach_btf_id and expected_attach_type come from them.
  std::string struct_ops_type;
  std::string struct_ops_member;
};

/// A symbol the object uses but does not define (`extern int MY_CONST;`, a kfunc, a
/// .kconfig / .ksyms variable). Decoding keeps it; the loader resolves `.kconfig` and
/// `.ksyms` ones (resolve_externs) and refuses the programs using any other.
struct ExternSpec {
  enum class Kind { Variable, Function };
  std::string name;
  /// Function when any instruction calls it (a kfunc), even if an ld_imm64 of its address
  /// (bpf_ksym_exists) comes first.
  Kind kind = Kind::Variable;
  /// The ELF symbol is STB_WEAK (`__weak`): the kernel may lack it, and it is then 0
  /// (NULL, a not-set option, a poisoned kfunc call) instead of refusing the load.
  bool weak = false;
  bool operator==(const ExternSpec&) const = default;
};

/// A global-data section (.data, .data.*, .bss, .rodata, .rodata.*, .data.rel.ro*),
/// later a one-entry array map.
struct DataSectionSpec {
  std::string name;             ///< section name
  /// Initial contents; empty for a zero-filled (SHT_NOBITS) section, which costs
  /// nothing until its map is created (the kernel zero-fills array maps).
  std::vector<std::byte> bytes;
  uint64_t zero_size = 0;       ///< size of a zero-filled section; 0 when `bytes` holds it
  bool readonly = false;        ///< .rodata*, .data.rel.ro*: frozen after loading
  uint32_t btf_type_id = 0;     ///< the DATASEC's BTF type when present

  /// Size in bytes: the value size of the map the section becomes.
  [[nodiscard]] uint64_t size() const noexcept { return bytes.empty() ? zero_size : bytes.size(); }
};

/// The file name a data section is pinned under in `<pin dir>/maps/` (".rodata.str" ->
/// "rodata_str"): bpffs refuses '.' in names. Two sections, or a section and a map,
/// with the same pin name are refused by the parser.
[[nodiscard]] std::string data_section_pin_name(std::string_view section);

/// Everything in one object.
struct ObjectSpec {
  ByteOrder byte_order = ByteOrder::Little;
  std::vector<MapSpec> maps;                 ///< legacy maps first (section order), then BTF maps
  std::vector<FunctionSpec> functions;       ///< every function, in section then offset order
  std::vector<ProgramSpec> programs;         ///< in section then offset order
  std::vector<DataSectionSpec> data_sections;
  std::vector<ExternSpec> externs;           ///< undefined symbols the code refers to, first use first
  /// Globals in the arena (`.addr_space.1`): their initial bytes (empty when all zero or
  /// NOBITS) and size; the load copies them to the end of the object's arena map.
  std::vector<std::byte> arena_data;
  uint64_t arena_data_size = 0;
  std::string license;                       ///< "" when the object has no license section
  std::optional<uint32_t> kern_version;      ///< from the `version` section
  /// The object's .BTF, parsed once; nullptr when absent or unusable. Shared and
  /// immutable, so copies of a spec share it and stay equal.
  std::shared_ptr<const ParsedBtf> btf;
  bool has_btf_ext = false;                  ///< .BTF.ext was present and decoded
  /// The CO-RE records' instructions hold values for a target BTF (relocate_core), not
  /// the compiler's.
  bool core_relocated = false;
  /// Kernel modules whose BTF resolved kfuncs and ksyms are in (resolve_externs), first
  /// use first; empty for a parsed object. Module i is fd_array slot i + 1 of every
  /// program (slot 0 is vmlinux, unused), the `off` of its kfunc calls.
  std::vector<std::string> kernel_btf_modules;

  /// Index of the map named `name`, or nullopt.
  [[nodiscard]] std::optional<size_t> find_map(std::string_view name) const;
  /// Index of the program named `name`, or nullopt.
  [[nodiscard]] std::optional<size_t> find_program(std::string_view name) const;
};

/// Checks that the names the loader resolves by are unique: program names, map names
/// (across `maps`, `maps/...` and `.maps`), and the pin names of data sections, which
/// share `<pin dir>/maps/` with the maps. Fails with Malformed naming both places.
/// parse_object calls it; load_object calls it again for specs built in memory.
[[nodiscard]] Result<void> check_unique_names(const ObjectSpec& spec);
/// Names of the externs function `function` (and every function it calls) refers to,
/// in first-use order; empty when it uses none.
[[nodiscard]] std::vector<std::string> externs_used_by(const ObjectSpec& spec, uint32_t function);

/// Indices of every function `function` calls or takes the address of (callbacks),
/// directly or not, in first-use order.
[[nodiscard]] std::vector<uint32_t> called_functions(const ObjectSpec& spec, uint32_t function);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
