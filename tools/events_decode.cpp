#include "events_decode.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include <bpf/btf.h>
#include <fmt/format.h>

#include "bpfload/object_file.hpp"
#include "map_btf.hpp"

namespace bpfload::cli {
namespace {

// How many of the object's struct names a "no such type" message lists.
constexpr size_t kStructsNamed = 12;

enum class Wanted { Struct, Union, Enum, AnyNamed };

struct TypeQuery {
  Wanted wanted = Wanted::AnyNamed;
  std::string name;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

TypeQuery parse_query(std::string_view text) {
  text = trim(text);
  const std::pair<std::string_view, Wanted> prefixes[] = {
      {"struct ", Wanted::Struct}, {"union ", Wanted::Union}, {"enum ", Wanted::Enum}};
  for (const auto& [prefix, wanted] : prefixes) {
    if (text.starts_with(prefix)) return {wanted, std::string(trim(text.substr(prefix.size())))};
  }
  return {Wanted::AnyNamed, std::string(text)};
}

std::string query_text(const TypeQuery& query) {
  switch (query.wanted) {
    case Wanted::Struct: return "struct " + query.name;
    case Wanted::Union: return "union " + query.name;
    case Wanted::Enum: return "enum " + query.name;
    case Wanted::AnyNamed: break;
  }
  return query.name;
}

bool kind_matches(Wanted wanted, uint32_t kind) {
  switch (wanted) {
    case Wanted::Struct: return kind == BTF_KIND_STRUCT;
    case Wanted::Union: return kind == BTF_KIND_UNION;
    case Wanted::Enum: return kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64;
    case Wanted::AnyNamed: break;
  }
  // A bare name is a type one could declare a variable of: typedefs, base types, and
  // (as C++ spells them) structs, unions and enums. Not functions, variables or sections.
  return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_INT || kind == BTF_KIND_FLOAT || kind == BTF_KIND_STRUCT ||
         kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64;
}

std::vector<std::string> struct_names(const struct btf* btf) {
  std::vector<std::string> names;
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count; ++id) {
    const btf_type* type = btf__type_by_id(btf, id);
    if (type == nullptr || btf_kind(type) != BTF_KIND_STRUCT) continue;
    const char* name = btf__name_by_offset(btf, type->name_off);
    if (name != nullptr && name[0] != '\0') names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string not_found_message(const TypeQuery& query, const RecordType& type) {
  std::string message =
      fmt::format("no type '{}' in the BTF of object '{}'", query_text(query), type.object);
  const std::vector<std::string> names = struct_names(type.btf->get());
  if (names.empty()) {
    message += " (it declares no named struct)";
  } else {
    const size_t shown = std::min(names.size(), kStructsNamed);
    message +=
        fmt::format("; its structs: {}", fmt::join(names.begin(), names.begin() + static_cast<long>(shown), ", "));
    if (shown < names.size()) message += fmt::format(" and {} more", names.size() - shown);
  }
  // clang emits BTF only for types reachable from globals and function signatures.
  return message + fmt::format(". A type used only inside functions is not in BTF: declare "
                               "'{} *unused __attribute__((unused));' in the program to keep it",
                               query_text(query));
}

// The zero bytes the kernel adds after a perf sample's data so that the 4-byte size plus
// the data fill whole 8-byte words.
size_t perf_padding(size_t size) { return (8 - (4 + size) % 8) % 8; }

bool all_zero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

}  // namespace

std::string hex_of(std::span<const std::byte> bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const std::byte byte : bytes) fmt::format_to(std::back_inserter(text), "{:02x}", static_cast<unsigned>(byte));
  return text;
}

Result<RecordType> find_record_type(const std::string& object_path, const std::string& type_name) {
  const TypeQuery query = parse_query(type_name);
  if (query.name.empty())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("--type '{}' names no type (for example --type 'struct event')", type_name),
                      EINVAL);
  Result<ObjectSpec> spec = parse_object_file(object_path);
  if (!spec.ok()) return std::move(spec).error().with_context(fmt::format("--object '{}'", object_path));
  RecordType type;
  type.object = object_path;
  type.name = query_text(query);
  if (spec->btf == nullptr)
    return make_error(ErrorKind::Unsupported,
                      fmt::format("object '{}' has no BTF (.BTF section), so its records cannot be decoded as '{}': "
                                  "compile it with clang -g, or leave out --type for hex",
                                  object_path, type.name),
                      EINVAL);
  type.btf = spec->btf;
  const struct btf* btf = type.btf->get();
  const uint32_t count = btf__type_cnt(btf);
  for (uint32_t id = 1; id < count && type.id == 0; ++id) {
    const btf_type* candidate = btf__type_by_id(btf, id);
    if (candidate == nullptr || !kind_matches(query.wanted, btf_kind(candidate))) continue;
    const char* name = btf__name_by_offset(btf, candidate->name_off);
    if (name != nullptr && query.name == name) type.id = id;
  }
  if (type.id == 0) return make_error(ErrorKind::NotFound, not_found_message(query, type), ENOENT);
  const long long size = btf__resolve_size(btf, type.id);
  if (size <= 0)
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("type '{}' of object '{}' has no size (a declaration without a definition?)",
                                  type.name, object_path),
                      EINVAL);
  type.size = static_cast<size_t>(size);
  return type;
}

Json decode_record(const RecordType& type, std::optional<unsigned> cpu, std::span<const std::byte> bytes) {
  Json line;
  if (cpu) line["cpu"] = *cpu;
  line["size"] = bytes.size();
  if (bytes.size() < type.size) {
    line["error"] = error_json("malformed",
                               fmt::format("a record of {} bytes is shorter than {} ({} bytes)", bytes.size(),
                                           type.name, type.size),
                               0);
    line["data"] = hex_of(bytes);
    return line;
  }
  line["value"] = btf_to_json(type.btf->get(), type.id, bytes.first(type.size));
  std::span<const std::byte> rest = bytes.subspan(type.size);
  if (cpu && rest.size() == perf_padding(type.size) && all_zero(rest)) rest = {};
  if (!rest.empty()) line["trailing"] = hex_of(rest);
  return line;
}

}  // namespace bpfload::cli
