// Internal state of one load_object() call, shared by the load_*.cpp steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpfload/fd.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/link.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/spec.hpp"
#include "bpfload/struct_ops.hpp"
#include "load_pins.hpp"

namespace bpfload {

/// Why a program is not even submitted to the kernel (an unknown type, an extern
/// nothing defines); `reason` is empty for a program that can be tried.
struct Refusal {
  ErrorKind kind = ErrorKind::InvalidArgument;
  std::string reason;
};

/// Everything one load owns while it runs. Fds live here until the load commits them
/// into a LoadedObject; destroying the context closes whatever was not committed.
struct LoadContext {
  LoadContext(const ObjectSpec& object, const ProgramLayouts& program_layouts, const LoadOptions& load_options,
              Kernel& system, LoadReport& out)
      : spec(object), layouts(program_layouts), options(load_options), kernel(system), report(out),
        journal(system) {}

  const ObjectSpec& spec;
  const ProgramLayouts& layouts;   ///< parallel to spec.programs, checked by load_object
  const LoadOptions& options;
  Kernel& kernel;
  LoadReport& report;
  PinJournal journal;

  Fd btf_fd;                       ///< invalid when BTF was not loaded
  /// False when the kernel has no FUNC kind (the loaded BTF has them as TYPEDEFs), so
  /// programs go without func_info and line_info.
  bool btf_func_info = true;
  std::vector<Fd> map_fds;         ///< parallel to spec.maps
  std::vector<bool> map_reused;    ///< parallel to spec.maps
  std::vector<std::string> map_pin_paths;  ///< object-requested pin path per map, "" for none
  std::vector<std::string> map_found_at;   ///< where a reused map was opened or its own pin made, "" otherwise
  std::vector<Fd> data_fds;        ///< parallel to spec.data_sections
  std::vector<std::string> data_names;  ///< kernel names of the data-section maps
  std::vector<Fd> prog_fds;        ///< parallel to spec.programs
  /// parallel to spec.kernel_btf_modules: their BTF objects, open while programs load
  std::vector<Fd> module_btf_fds;
  /// BPF_PROG_LOAD's fd_array: slot 0 (vmlinux) unused, then module_btf_fds; empty when
  /// no extern is in a module.
  std::vector<int> fd_array;
  std::vector<bool> selected;      ///< parallel to spec.programs: asked for by only_programs
  std::vector<Refusal> refusals;   ///< parallel to spec.programs: refused before loading (keep_going)
  /// Index into report.programs of each spec program, nullopt when not selected.
  std::vector<std::optional<size_t>> program_report;
  /// The target kernel's BTF, when the object needs it (CO-RE, attach targets).
  std::shared_ptr<const TargetBtf> target_btf;
  std::string target_btf_error;  ///< why target_btf is null although a program needs it
  const std::vector<CoreDecision>* core_decisions = nullptr;  ///< CO-RE applied to `spec`
  /// parallel to spec.maps: the kernel's layout of each struct_ops map's struct
  std::vector<std::optional<StructOpsKernelLayout>> struct_ops_layouts;
  /// struct_ops maps whose value update registered them (`.struct_ops`, not `.link`):
  /// unregistered (their element deleted) when the load fails after.
  std::vector<int> struct_ops_registered;
  /// Where the arena globals start in the arena map (Relocation::Kind::Arena).
  uint64_t arena_data_offset = 0;

  /// The override for map `name`, or nullptr.
  [[nodiscard]] const MapOverride* override_for(std::string_view name) const {
    const auto it = options.maps.find(std::string(name));
    return it == options.maps.end() ? nullptr : &it->second;
  }
};

/// The spec a load works on after resolving it against the target BTF.
struct TargetedSpec {
  std::shared_ptr<const TargetBtf> target;  ///< null when the object needs none, or it could not be read
  std::string target_error;                 ///< why `target` is null when programs need it
  /// Set when the object has CO-RE relocations or externs bpfload resolves (.kconfig, kfuncs,
  /// typed ksyms): the spec with them applied.
  std::optional<CoreRelocation> relocated;
  std::vector<std::string> extern_notes;    ///< one line per extern resolved
  ProgramLayouts layouts;                   ///< of relocated->spec, when relocated
};

/// Reads (or takes from the options) the target BTF when `spec` needs it and applies CO-RE
/// to a copy. Fails as relocate_core() and read_target_btf() do; a BTF that cannot be read
/// fails only objects with CO-RE (BTF-targeted programs then fail one by one).
[[nodiscard]] Result<TargetedSpec> target_spec(const ObjectSpec& spec, const LoadOptions& options);

/// "; CO-RE: ..." for every poisoned relocation in the functions of `layout`, "" when none.
[[nodiscard]] std::string poisoned_relocations_text(const LoadContext& context, const ProgramLayout& layout);

/// Sets attach_btf_id (and attach_btf_obj_fd, kept open in `module_fd`) of `request` when
/// `program` needs it. Fails with NotFound naming the program and the missing target.
[[nodiscard]] Status resolve_attach_target(const LoadContext& context, const ProgramSpec& program,
                                           ProgLoadRequest& request, Fd& module_fd);

/// File name of a data section's map under <pin_dir>/maps: the section name without its
/// leading dot, other dots as '_' (bpffs refuses them): ".rodata.str1.1" -> "rodata_str1_1".
[[nodiscard]] std::string data_section_file_name(std::string_view section);

/// Opens the BTF object of every module in spec.kernel_btf_modules (Kernel::module_btf_fd)
/// into module_btf_fds and builds fd_array. Fails as module_btf_fd does, naming the module
/// and the externs found in it.
[[nodiscard]] Status open_module_btf_fds(LoadContext& context);

/// Loads spec.btf when asked; on failure records why in the report and goes on. Never fails.
void load_object_btf(LoadContext& context);

/// Creates (or reuses) every map and global-data map. Fails as load_object documents.
[[nodiscard]] Status load_maps(LoadContext& context);

/// Writes each struct_ops map's value (program fds at the kernel's member offsets). For a
/// `.struct_ops` map that registers it (when LoadOptions::register_struct_ops); a
/// `.struct_ops.link` map is registered by attaching it (attach_struct_ops). A map whose
/// programs did not all load is left empty, with a warning. Fails as the update does.
[[nodiscard]] Status fill_struct_ops_maps(LoadContext& context);

/// Deletes the element of every `.struct_ops` map fill_struct_ops_maps registered.
void unregister_struct_ops_maps(LoadContext& context);

/// Patches fds into each selected program's layout and loads it, `parallelism` at a time. Fills the
/// report; fails (with the first failing program's log) unless keep_going.
[[nodiscard]] Status load_programs(LoadContext& context);

/// Writes initial prog-array and map-in-map slots. Maps the load reused are written
/// only when `reused_maps` is true (the final step: nothing can roll them back).
[[nodiscard]] Status fill_map_slots(LoadContext& context, bool reused_maps);

/// Pins maps (object pinning, pin_dir) and programs (pin_dir) through the journal.
[[nodiscard]] Status pin_objects(LoadContext& context);

}  // namespace bpfload
