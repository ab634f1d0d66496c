// Legacy map sections (`maps`, `maps/...`): arrays of fixed-size definitions, one per
// symbol, in one of three layouts that agree on their first 20 bytes only.
#include <elf.h>
#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "maps_decode.hpp"

namespace bpfload {
namespace {

// Byte sizes of the three layouts and of their oldest forms.
constexpr uint64_t kLibbpfEarlySize = 16;   // without map_flags
constexpr uint64_t kLibbpfSize = 20;
constexpr uint64_t kSamplesEarlySize = 24;  // without numa_node
constexpr uint64_t kSamplesSize = 28;
constexpr uint64_t kIproute2Size = 36;
// iproute2 before map-in-map (inner_id, inner_idx): type, key, value, max, flags, id, pinning.
constexpr uint64_t kIproute2EarlySize = 28;

// iproute2 include/bpf_elf.h pinning values.
constexpr uint32_t kIproute2PinNone = 0;
constexpr uint32_t kIproute2PinObjectNs = 1;
constexpr uint32_t kIproute2PinGlobalNs = 2;

/// One map definition's place in its section.
struct Entry {
  const elf::Symbol* symbol = nullptr;
  uint64_t size = 0;
};

uint64_t layout_size(MapLayout layout) {
  switch (layout) {
    case MapLayout::Libbpf: return kLibbpfSize;
    case MapLayout::Samples: return kSamplesSize;
    case MapLayout::Iproute2: return kIproute2Size;
    default: return 0;
  }
}

// Local so the decoder does not depend on parse.cpp's to_string().
const char* layout_name(MapLayout layout) {
  switch (layout) {
    case MapLayout::Libbpf: return "libbpf";
    case MapLayout::Samples: return "samples";
    case MapLayout::Iproute2: return "iproute2";
    default: return "btf";
  }
}

bool is_map_in_map(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/// The layout an entry of `size` bytes most likely has: the largest one whose oldest
/// form fits in it (anything longer must then be zero padding). 28 bytes is samples'
/// layout unless the object reads as iproute2's (early_iproute2_reason).
MapLayout detect_layout(uint64_t size) {
  if (size >= kIproute2Size) return MapLayout::Iproute2;
  if (size >= kSamplesEarlySize) return MapLayout::Samples;
  return MapLayout::Libbpf;
}

/// Why 28-byte entries of `section` are iproute2's early bpf_elf_map rather than samples'
/// bpf_load_map_def, or "" when nothing says so. Both have 7 words and agree on the first
/// five; iproute2's 6th and 7th are id and pinning, samples' inner_map_idx and numa_node.
/// iproute2 wins for a tc-style object (a `classifier` or `action` section, an "ID/KEY"
/// tail call) or a PIN_* value in word 7 that samples could not mean (numa_node counts
/// only with BPF_F_NUMA_NODE), unless a definition says samples: BPF_F_NUMA_NODE set or a
/// map-in-map (early iproute2 had none).
std::string early_iproute2_reason(const elf::View& view, const elf::Section& section,
                                  const std::vector<const elf::Symbol*>& symbols) {
  std::string reason;
  for (const elf::Symbol* symbol : symbols) {
    if (symbol->size != kIproute2EarlySize && !(symbol->size == 0 && section.size == symbols.size() * kIproute2EarlySize))
      return "";
    const auto word = [&](uint64_t index) { return view.read_u32(section.data, symbol->value + index * 4); };
    if ((word(4) & BPF_F_NUMA_NODE) != 0 || is_map_in_map(word(0))) return "";
    const uint32_t pinning = word(6);
    if (reason.empty() && (pinning == kIproute2PinObjectNs || pinning == kIproute2PinGlobalNs))
      reason = fmt::format("map '{}' has pinning {} in word 7 without BPF_F_NUMA_NODE", symbol->name, pinning);
  }
  for (const elf::Section& other : view.sections()) {
    if (!reason.empty()) break;
    if (!other.executable()) continue;
    const auto kind = section_kind(other.name);
    if (other.name == "classifier" || other.name == "action")
      reason = fmt::format("tc-style section '{}'", other.name);
    else if (kind && kind->tail_call_map_id)
      reason = fmt::format("iproute2 tail-call section '{}'", other.name);
  }
  return reason;
}

Error malformed_at(const elf::Section& section, const elf::Symbol& symbol, const std::string& what) {
  return make_error(ErrorKind::Malformed, fmt::format("section '{}': map '{}' at offset 0x{:x}: {}", section.name,
                                                      symbol.name, symbol.value, what));
}

/// The symbols naming map definitions in `section`, sorted by offset.
std::vector<const elf::Symbol*> map_symbols(const elf::View& view, const elf::Section& section) {
  std::vector<const elf::Symbol*> found;
  for (const elf::Symbol* symbol : view.symbols_in(section.index)) {
    if (symbol->type == STT_OBJECT || symbol->type == STT_NOTYPE) found.push_back(symbol);
  }
  return found;
}

/// Works out each symbol's entry size and checks that entries lie inside the section
/// and do not overlap.
Result<std::vector<Entry>> locate_entries(const elf::Section& section,
                                          const std::vector<const elf::Symbol*>& symbols) {
  std::vector<Entry> entries;
  entries.reserve(symbols.size());
  for (const elf::Symbol* symbol : symbols) {
    Entry entry{symbol, symbol->size};
    if (entry.size == 0) {
      // Old compilers left st_size 0; bpf_load.c and iproute2 then assumed equal
      // entries filling the section.
      if (section.size % symbols.size() != 0)
        return malformed_at(section, *symbol,
                            fmt::format("symbol has no size and the section size 0x{:x} is not a multiple of its "
                                        "{} map symbols",
                                        section.size, symbols.size()));
      entry.size = section.size / symbols.size();
      if (entry.size == 0 || symbol->value % entry.size != 0)
        return malformed_at(section, *symbol,
                            fmt::format("offset is not a multiple of the entry size {}", entry.size));
    }
    if (!elf::range_fits(symbol->value, entry.size, section.size))
      return malformed_at(section, *symbol,
                          fmt::format("{}-byte entry runs past the section end 0x{:x}", entry.size, section.size));
    if (!entries.empty()) {
      const Entry& previous = entries.back();
      if (previous.symbol->value + previous.size > symbol->value)
        return malformed_at(section, *symbol,
                            fmt::format("overlaps map '{}' at offset 0x{:x} ({} bytes)", previous.symbol->name,
                                        previous.symbol->value, previous.size));
    }
    entries.push_back(entry);
  }
  return entries;
}

Result<Pinning> iproute2_pinning(const elf::Section& section, const elf::Symbol& symbol, uint32_t value) {
  switch (value) {
    case kIproute2PinNone: return Pinning::None;
    case kIproute2PinObjectNs: return Pinning::ObjectNs;
    case kIproute2PinGlobalNs: return Pinning::GlobalNs;
    default:
      // iproute2 maps other values to paths through /etc/iproute2/bpf_pinning.
      return make_error(ErrorKind::Unsupported,
                        fmt::format("section '{}': map '{}' at offset 0x{:x}: custom iproute2 pinning {} "
                                    "(from /etc/iproute2/bpf_pinning) is not supported",
                                    section.name, symbol.name, symbol.value, value));
  }
}

Result<MapSpec> decode_entry(const elf::View& view, const elf::Section& section, const Entry& entry,
                             const ParseOptions& options, const std::string& early_iproute2) {
  const MapLayout forced = options.legacy_layout;
  const elf::Symbol& symbol = *entry.symbol;
  if (entry.size < kLibbpfEarlySize)
    return malformed_at(section, symbol,
                        fmt::format("{}-byte entry is shorter than the smallest map definition ({} bytes)",
                                    entry.size, kLibbpfEarlySize));
  if (entry.size % 4 != 0)
    return malformed_at(section, symbol, fmt::format("{}-byte entry is not a whole number of 32-bit fields",
                                                     entry.size));

  MapLayout layout = forced == MapLayout::Auto ? detect_layout(entry.size) : forced;
  if (forced == MapLayout::Auto && !early_iproute2.empty()) layout = MapLayout::Iproute2;
  const uint64_t known = layout_size(layout);
  for (uint64_t at = known; at < entry.size; ++at) {
    if (section.data[symbol.value + at] != std::byte{0})
      return malformed_at(section, symbol,
                          fmt::format("non-zero byte at offset 0x{:x} past the {}-byte {} layout",
                                      symbol.value + at, known, layout_name(layout)));
  }
  // Fields past the entry's end are zero, as every legacy loader zero-extended.
  auto field = [&](uint64_t index) -> uint32_t {
    const uint64_t at = index * 4;
    return at + 4 <= entry.size ? view.read_u32(section.data, symbol.value + at) : 0;
  };

  MapSpec spec;
  spec.name = symbol.name;
  spec.type = field(0);
  spec.key_size = field(1);
  spec.value_size = field(2);
  spec.max_entries = field(3);
  spec.flags = field(4);
  spec.layout = layout;
  spec.section = section.name;
  spec.offset = symbol.value;
  spec.definition_size = static_cast<uint32_t>(entry.size);

  if (layout == MapLayout::Samples) {
    // bpf_load.c reads inner_map_idx only for map-in-map types; 0 is the first map, and
    // also what an unset field reads as.
    const uint32_t inner_map_idx = field(5);
    if (is_map_in_map(spec.type)) {
      spec.samples_inner_map_idx = static_cast<int32_t>(inner_map_idx);
      spec.inner_from_default_index = inner_map_idx == 0;
    } else if (inner_map_idx != 0 && !options.ignore_stray_inner_map_idx) {
      return malformed_at(section, symbol,
                          fmt::format("inner_map_idx {} (word 6 of the {}-byte samples definition) on a {} map, "
                                      "which is not a map-in-map; fix the definition, or ignore the field "
                                      "(--ignore-inner-map-idx) as bpf_load.c did",
                                      inner_map_idx, entry.size, map_type_name(spec.type)));
    }
    const uint32_t numa_node = field(6);
    if (numa_node != 0 || (spec.flags & BPF_F_NUMA_NODE) != 0) spec.numa_node = numa_node;
  }
  if (layout == MapLayout::Iproute2) {
    spec.iproute2_id = field(5);
    auto pinning = iproute2_pinning(section, symbol, field(6));
    if (!pinning) return std::move(pinning).error();
    spec.pinning = *pinning;
    spec.iproute2_inner_id = field(7);
    // iproute2 zero-fills a short definition (inner_idx 0, as it reads it); with inner_id 0
    // no map-in-map takes it.
    spec.iproute2_inner_idx = static_cast<int32_t>(field(8));
    if (entry.size < kIproute2Size)
      spec.layout_reason = forced == MapLayout::Iproute2
                               ? std::string("--map-layout iproute2")
                               : fmt::format("{}-byte iproute2 definition (before inner_id/inner_idx): {}", entry.size,
                                             early_iproute2);
  }
  if (layout == MapLayout::Samples && forced == MapLayout::Auto && entry.size == kSamplesSize)
    spec.layout_reason = "28-byte entries with no sign of iproute2's early layout (--map-layout iproute2 to read "
                         "them so)";
  return spec;
}

}  // namespace

Result<std::vector<MapSpec>> decode_legacy_maps(const elf::View& view, const elf::Section& section,
                                                const ParseOptions& options) {
  if (options.legacy_layout == MapLayout::Btf)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("section '{}': 'btf' is not a legacy map layout", section.name));
  if (section.data.size() != section.size)
    return make_error(ErrorKind::Malformed,
                      fmt::format("section '{}': map definitions have no contents in the file (size 0x{:x})",
                                  section.name, section.size));

  const std::vector<const elf::Symbol*> symbols = map_symbols(view, section);
  if (symbols.size() > options.limits.max_maps)
    return make_error(ErrorKind::LimitExceeded, fmt::format("section '{}': {} maps exceed the limit of {}",
                                                            section.name, symbols.size(), options.limits.max_maps));
  auto entries = locate_entries(section, symbols);
  if (!entries) return std::move(entries).error();

  const std::string early_iproute2 =
      options.legacy_layout == MapLayout::Auto ? early_iproute2_reason(view, section, symbols) : std::string();
  std::vector<MapSpec> maps;
  maps.reserve(entries->size());
  for (const Entry& entry : *entries) {
    auto spec = decode_entry(view, section, entry, options, early_iproute2);
    if (!spec) return std::move(spec).error();
    maps.push_back(std::move(*spec));
  }
  return maps;
}

}  // namespace bpfload
