// BTF sanitised for the running kernel (libbpf's bpf_object__sanitize_btf). Reads the
// raw bytes itself, not through libbpf, so that every offset is checked here and the
// rewrite works on the object's byte order without a round trip.
#include "bpfload/uapi.hpp"
#include "bpfload/btf_sanitize.hpp"

#include <linux/btf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace bpfload {
namespace {

constexpr uint16_t kBtfMagic = 0xeb9f;
constexpr uint16_t kBtfMagicSwapped = 0x9feb;
constexpr size_t kHeaderSize = 24;      // struct btf_header up to str_len
constexpr size_t kTypeHeadSize = 12;    // struct btf_type: name_off, info, size/type
constexpr uint32_t kMaxTypeId = 0xfffff;  // the kernel's BTF_MAX_TYPE
constexpr std::string_view kPlaceholderName = "enum64_placeholder";

constexpr uint32_t kKindEnum64 = uapi::kBtfKindEnum64;
constexpr uint32_t kKindMax = kKindEnum64;
// BTF_INT_ENC(encoding 0, offset 0, bits 8): an unsigned byte.
constexpr uint32_t kIntOneByte = 8;

Error malformed(std::string what) { return make_error(ErrorKind::Malformed, "BTF sanitise: " + std::move(what)); }

uint32_t kind_of(uint32_t info) { return (info >> 24) & 0x1f; }
uint32_t vlen_of(uint32_t info) { return info & 0xffff; }
bool kflag_of(uint32_t info) { return (info >> 31) != 0; }
uint32_t make_info(uint32_t kind, uint32_t vlen, bool kflag) {
  return (kflag ? 1u << 31 : 0u) | (kind << 24) | (vlen & 0xffff);
}

/// Bytes after the 12-byte head of a record of `kind` with `vlen` entries; nullopt for
/// an unknown kind.
std::optional<uint64_t> trailer_size(uint32_t kind, uint32_t vlen) {
  switch (kind) {
    case BTF_KIND_INT: return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG: return 0;
    case BTF_KIND_ARRAY: return 12;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_DATASEC:
    case kKindEnum64: return uint64_t{12} * vlen;
    case BTF_KIND_ENUM:
    case BTF_KIND_FUNC_PROTO: return uint64_t{8} * vlen;
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG: return 4;
    default: return std::nullopt;
  }
}

/// The BTF being rewritten: a header, a type section and a string section, all checked
/// against the buffer, with 32-bit access in the blob's own byte order.
class BtfBlob {
 public:
  static Result<BtfBlob> open(std::span<const std::byte> bytes);

  [[nodiscard]] uint32_t u32(size_t offset) const {
    uint32_t value;
    std::memcpy(&value, bytes_.data() + offset, 4);
    return swapped_ ? __builtin_bswap32(value) : value;
  }

  [[nodiscard]] std::span<const std::byte> bytes() const { return bytes_; }
  [[nodiscard]] bool swapped() const { return swapped_; }
  [[nodiscard]] size_t header_len() const { return header_len_; }
  /// Absolute offsets of the type and string sections.
  [[nodiscard]] size_t types_begin() const { return types_begin_; }
  [[nodiscard]] size_t types_end() const { return types_end_; }
  [[nodiscard]] size_t strings_begin() const { return strings_begin_; }
  [[nodiscard]] size_t strings_size() const { return strings_size_; }
  /// Absolute offset of each type's record, index = id - 1.
  [[nodiscard]] const std::vector<size_t>& records() const { return records_; }

 private:
  Status index_types();

  std::span<const std::byte> bytes_;
  bool swapped_ = false;
  size_t header_len_ = 0;
  size_t types_begin_ = 0;
  size_t types_end_ = 0;
  size_t strings_begin_ = 0;
  size_t strings_size_ = 0;
  std::vector<size_t> records_;
};

Result<BtfBlob> BtfBlob::open(std::span<const std::byte> bytes) {
  BtfBlob blob;
  blob.bytes_ = bytes;
  if (bytes.size() < kHeaderSize)
    return malformed(fmt::format("{} bytes cannot hold the {}-byte BTF header", bytes.size(), kHeaderSize));
  uint16_t magic;
  std::memcpy(&magic, bytes.data(), 2);
  if (magic != kBtfMagic && magic != kBtfMagicSwapped)
    return malformed(fmt::format("bad magic 0x{:04x} at offset 0 (expected 0xeb9f)", magic));
  blob.swapped_ = magic == kBtfMagicSwapped;
  if (bytes[2] != std::byte{1}) return malformed(fmt::format("version {} at offset 2, only 1 exists", int(bytes[2])));
  const uint64_t header_len = blob.u32(4);
  const uint64_t type_off = blob.u32(8), type_len = blob.u32(12);
  const uint64_t str_off = blob.u32(16), str_len = blob.u32(20);
  if (header_len < kHeaderSize || header_len > bytes.size())
    return malformed(fmt::format("header length {} outside [{}, {}]", header_len, kHeaderSize, bytes.size()));
  const uint64_t data_size = bytes.size() - header_len;
  if (type_off > data_size || type_len > data_size - type_off)
    return malformed(fmt::format("type section [0x{:x}, +0x{:x}) past the {} data bytes", type_off, type_len, data_size));
  if (str_off > data_size || str_len > data_size - str_off)
    return malformed(fmt::format("string section [0x{:x}, +0x{:x}) past the {} data bytes", str_off, str_len, data_size));
  if (type_off % 4 != 0) return malformed(fmt::format("type section offset 0x{:x} is not 4-byte aligned", type_off));
  if (type_off < str_off + str_len && str_off < type_off + type_len)
    return malformed("the type and string sections overlap");
  blob.header_len_ = header_len;
  blob.types_begin_ = header_len + type_off;
  blob.types_end_ = blob.types_begin_ + type_len;
  blob.strings_begin_ = header_len + str_off;
  blob.strings_size_ = str_len;
  if (str_len == 0 || bytes[blob.strings_begin_] != std::byte{0} ||
      bytes[blob.strings_begin_ + str_len - 1] != std::byte{0})
    return malformed("the string section must start and end with a NUL byte");
  if (Status indexed = blob.index_types(); !indexed.ok()) return indexed.error();
  return blob;
}

Status BtfBlob::index_types() {
  size_t offset = types_begin_;
  while (offset < types_end_) {
    const size_t id = records_.size() + 1;
    if (id > kMaxTypeId)
      return make_error(ErrorKind::LimitExceeded, fmt::format("BTF sanitise: more than {} types", kMaxTypeId));
    if (types_end_ - offset < kTypeHeadSize)
      return malformed(fmt::format("type [{}] at offset 0x{:x}: {} bytes left, a type needs {}", id, offset,
                                   types_end_ - offset, kTypeHeadSize));
    const uint32_t info = u32(offset + 4);
    const std::optional<uint64_t> trailer = trailer_size(kind_of(info), vlen_of(info));
    if (!trailer)
      return make_error(ErrorKind::Unsupported,
                        fmt::format("BTF sanitise: type [{}] at offset 0x{:x}: unknown BTF kind {}", id, offset,
                                    kind_of(info)));
    if (*trailer > types_end_ - offset - kTypeHeadSize)
      return malformed(fmt::format("type [{}] at offset 0x{:x}: kind {} with {} entries runs past the type section",
                                   id, offset, kind_of(info), vlen_of(info)));
    records_.push_back(offset);
    offset += kTypeHeadSize + *trailer;
  }
  return {};
}

/// The copy being written: same layout as the input, same byte order.
class Rewriter {
 public:
  explicit Rewriter(const BtfBlob& blob) : blob_(blob), out_(blob.bytes().begin(), blob.bytes().end()) {}

  void put(size_t offset, uint32_t value) {
    if (blob_.swapped()) value = __builtin_bswap32(value);
    std::memcpy(out_.data() + offset, &value, 4);
  }
  std::vector<std::byte>& bytes() { return out_; }

 private:
  const BtfBlob& blob_;
  std::vector<std::byte> out_;
};

/// Which rewrite type `info` gets on `kernel`, the first rule of libbpf's chain that
/// applies; nullopt for none.
std::optional<BtfRewrite> rewrite_for(uint32_t info, BtfFeatures kernel) {
  const uint32_t kind = kind_of(info);
  const bool has_datasec = kernel.has(BtfFeature::Datasec);
  const bool has_func = kernel.has(BtfFeature::Func);
  if (!has_datasec && kind == BTF_KIND_VAR) return BtfRewrite::VarAsInt;
  if (!kernel.has(BtfFeature::DeclTag) && kind == BTF_KIND_DECL_TAG) return BtfRewrite::DeclTagAsInt;
  if (!has_datasec && kind == BTF_KIND_DATASEC) return BtfRewrite::DatasecAsStruct;
  if (!has_func && kind == BTF_KIND_FUNC_PROTO) return BtfRewrite::FuncProtoAsEnum;
  if (!has_func && kind == BTF_KIND_FUNC) return BtfRewrite::FuncAsTypedef;
  if (!kernel.has(BtfFeature::FuncGlobal) && kind == BTF_KIND_FUNC && vlen_of(info) != BTF_FUNC_STATIC)
    return BtfRewrite::FuncMadeStatic;
  if (!kernel.has(BtfFeature::Float) && kind == BTF_KIND_FLOAT) return BtfRewrite::FloatAsStruct;
  if (!kernel.has(BtfFeature::TypeTag) && kind == BTF_KIND_TYPE_TAG) return BtfRewrite::TypeTagAsConst;
  if (!kernel.has(BtfFeature::Enum64) && kind == BTF_KIND_ENUM && kflag_of(info)) return BtfRewrite::EnumSignCleared;
  if (!kernel.has(BtfFeature::Enum64) && kind == kKindEnum64) return BtfRewrite::Enum64AsUnion;
  return std::nullopt;
}

/// Offset (in the string section) of kPlaceholderName when the strings already hold it.
std::optional<uint32_t> find_string(const BtfBlob& blob, std::string_view text) {
  const auto* begin = reinterpret_cast<const char*>(blob.bytes().data() + blob.strings_begin());
  const std::string_view strings(begin, blob.strings_size());
  size_t start = 0;
  while (start < strings.size()) {
    const size_t end = strings.find('\0', start);
    if (strings.substr(start, end - start) == text) return static_cast<uint32_t>(start);
    start = end + 1;
  }
  return std::nullopt;
}

/// DATASEC -> STRUCT: each VAR_SECINFO {type, offset, size} becomes a member {name of
/// the VAR, type, offset in bits}; the section name loses its '.' and '?'.
Status datasec_as_struct(const BtfBlob& blob, Rewriter& out, size_t id, size_t record) {
  const uint32_t info = blob.u32(record + 4);
  const uint32_t vlen = vlen_of(info);
  const uint32_t name_off = blob.u32(record);
  if (name_off >= blob.strings_size())
    return malformed(fmt::format("DATASEC [{}] at offset 0x{:x}: name offset 0x{:x} past the {}-byte strings", id,
                                 record, name_off, blob.strings_size()));
  for (size_t at = blob.strings_begin() + name_off; out.bytes()[at] != std::byte{0}; ++at) {
    if (out.bytes()[at] == std::byte{'.'} || out.bytes()[at] == std::byte{'?'}) out.bytes()[at] = std::byte{'_'};
  }
  out.put(record + 4, make_info(BTF_KIND_STRUCT, vlen, false));
  for (uint32_t i = 0; i < vlen; ++i) {
    const size_t entry = record + kTypeHeadSize + size_t{12} * i;
    const uint32_t var_id = blob.u32(entry);
    const uint64_t offset = blob.u32(entry + 4);
    if (var_id == 0 || var_id > blob.records().size())
      return malformed(fmt::format("DATASEC [{}] at offset 0x{:x}: variable {} refers to type [{}], which does not exist",
                                   id, record, i, var_id));
    if (offset * 8 > UINT32_MAX)
      return malformed(fmt::format("DATASEC [{}] at offset 0x{:x}: variable {} at byte 0x{:x} has no bit offset", id,
                                   record, i, offset));
    out.put(entry, blob.u32(blob.records()[var_id - 1]));
    out.put(entry + 4, var_id);
    out.put(entry + 8, static_cast<uint32_t>(offset * 8));
  }
  return {};
}

/// Applies `rewrite` to type `id` at `record`.
Status apply(const BtfBlob& blob, Rewriter& out, size_t id, size_t record, BtfRewrite rewrite,
             uint32_t placeholder_id) {
  const uint32_t info = blob.u32(record + 4);
  switch (rewrite) {
    case BtfRewrite::VarAsInt:
    case BtfRewrite::DeclTagAsInt:
      // Size 1: the safest choice, since a 4-byte int can be bigger than the variable
      // a struct member made from it describes.
      out.put(record + 4, make_info(BTF_KIND_INT, 0, false));
      out.put(record + 8, 1);
      out.put(record + kTypeHeadSize, kIntOneByte);
      return {};
    case BtfRewrite::DatasecAsStruct: return datasec_as_struct(blob, out, id, record);
    case BtfRewrite::FuncProtoAsEnum:
      out.put(record + 4, make_info(BTF_KIND_ENUM, vlen_of(info), false));
      out.put(record + 8, 4);  // the kernel wants 4-byte enums
      return {};
    case BtfRewrite::FuncAsTypedef: out.put(record + 4, make_info(BTF_KIND_TYPEDEF, 0, false)); return {};
    case BtfRewrite::FuncMadeStatic: out.put(record + 4, make_info(BTF_KIND_FUNC, BTF_FUNC_STATIC, false)); return {};
    case BtfRewrite::FloatAsStruct:
      // Anonymous: "float" or "double" is no valid struct name for the kernel.
      out.put(record, 0);
      out.put(record + 4, make_info(BTF_KIND_STRUCT, 0, false));
      return {};
    case BtfRewrite::TypeTagAsConst:
      out.put(record, 0);
      out.put(record + 4, make_info(BTF_KIND_CONST, 0, false));
      return {};
    case BtfRewrite::EnumSignCleared: out.put(record + 4, make_info(BTF_KIND_ENUM, vlen_of(info), false)); return {};
    case BtfRewrite::Enum64AsUnion: {
      // {name_off, val_lo32, val_hi32} -> {name_off, type, offset}: same 12 bytes.
      const uint32_t vlen = vlen_of(info);
      out.put(record + 4, make_info(BTF_KIND_UNION, vlen, false));
      for (uint32_t i = 0; i < vlen; ++i) {
        const size_t entry = record + kTypeHeadSize + size_t{12} * i;
        out.put(entry + 4, placeholder_id);
        out.put(entry + 8, 0);
      }
      return {};
    }
  }
  return {};
}

/// The output with the placeholder INT appended to the types and its name to the
/// strings; sections laid out as clang does (types first, then strings).
std::vector<std::byte> with_placeholder(const BtfBlob& blob, Rewriter& out, std::optional<uint32_t> existing_name,
                                        uint32_t& name_off) {
  const std::vector<std::byte>& src = out.bytes();
  const size_t types_len = blob.types_end() - blob.types_begin();
  const size_t new_types_len = types_len + kTypeHeadSize + 4;
  name_off = existing_name ? *existing_name : static_cast<uint32_t>(blob.strings_size());
  const size_t new_strings_len = blob.strings_size() + (existing_name ? 0 : kPlaceholderName.size() + 1);

  std::vector<std::byte> result(blob.header_len() + new_types_len + new_strings_len, std::byte{0});
  std::copy_n(src.begin(), blob.header_len(), result.begin());
  std::copy(src.begin() + static_cast<ptrdiff_t>(blob.types_begin()), src.begin() + static_cast<ptrdiff_t>(blob.types_end()),
            result.begin() + static_cast<ptrdiff_t>(blob.header_len()));
  const auto strings = src.begin() + static_cast<ptrdiff_t>(blob.strings_begin());
  std::copy(strings, strings + static_cast<ptrdiff_t>(blob.strings_size()),
            result.begin() + static_cast<ptrdiff_t>(blob.header_len() + new_types_len));
  if (!existing_name) {
    const auto* name = reinterpret_cast<const std::byte*>(kPlaceholderName.data());
    std::copy_n(name, kPlaceholderName.size(),
                result.begin() + static_cast<ptrdiff_t>(blob.header_len() + new_types_len + blob.strings_size()));
  }
  auto put = [&](size_t offset, uint32_t value) {
    if (blob.swapped()) value = __builtin_bswap32(value);
    std::memcpy(result.data() + offset, &value, 4);
  };
  put(8, 0);
  put(12, static_cast<uint32_t>(new_types_len));
  put(16, static_cast<uint32_t>(new_types_len));
  put(20, static_cast<uint32_t>(new_strings_len));
  const size_t int_record = blob.header_len() + types_len;
  put(int_record, name_off);
  put(int_record + 4, make_info(BTF_KIND_INT, 0, false));
  put(int_record + 8, 1);
  put(int_record + kTypeHeadSize, kIntOneByte);
  return result;
}

constexpr std::array<std::string_view, kBtfRewriteCount> kDescriptions = {
    "FUNC_PROTO types rewritten as ENUM", "FUNC types rewritten as TYPEDEF",  "VAR types rewritten as INT",
    "DATASEC types rewritten as STRUCT",  "FUNC types made static",           "FLOAT types rewritten as STRUCT",
    "DECL_TAG types rewritten as INT",    "TYPE_TAG types rewritten as CONST", "ENUM64 types rewritten as UNION",
    "ENUM types made unsigned",
};

}  // namespace

std::vector<std::string> SanitizedBtf::describe() const {
  std::vector<std::string> lines;
  for (size_t i = 0; i < kBtfRewriteCount; ++i) {
    if (counts[i] != 0) lines.push_back(fmt::format("{} {}", counts[i], kDescriptions[i]));
  }
  return lines;
}

Result<SanitizedBtf> sanitize_btf(std::span<const std::byte> btf, BtfFeatures kernel) {
  Result<BtfBlob> opened = BtfBlob::open(btf);
  if (!opened.ok()) return std::move(opened).error();
  const BtfBlob& blob = *opened;
  SanitizedBtf result;

  // First pass: decide, so that nothing is copied when nothing changes.
  std::vector<std::pair<size_t, BtfRewrite>> planned;
  for (size_t index = 0; index < blob.records().size(); ++index) {
    const std::optional<BtfRewrite> rewrite = rewrite_for(blob.u32(blob.records()[index] + 4), kernel);
    if (rewrite) planned.emplace_back(index, *rewrite);
  }
  if (planned.empty()) return result;

  const bool needs_placeholder = std::any_of(planned.begin(), planned.end(), [](const auto& entry) {
    return entry.second == BtfRewrite::Enum64AsUnion;
  });
  if (needs_placeholder) {
    if (blob.records().size() + 1 > kMaxTypeId)
      return make_error(ErrorKind::LimitExceeded,
                        fmt::format("BTF sanitise: no type id left for the ENUM64 placeholder after {} types",
                                    blob.records().size()));
    result.enum64_placeholder_id = static_cast<uint32_t>(blob.records().size() + 1);
  }

  Rewriter out(blob);
  for (const auto& [index, rewrite] : planned) {
    if (Status applied = apply(blob, out, index + 1, blob.records()[index], rewrite, result.enum64_placeholder_id);
        !applied.ok())
      return applied.error();
    ++result.counts[static_cast<size_t>(rewrite)];
  }
  if (!needs_placeholder) {
    result.bytes = std::move(out.bytes());
    return result;
  }
  uint32_t name_off = 0;
  result.bytes = with_placeholder(blob, out, find_string(blob, kPlaceholderName), name_off);
  return result;
}

}  // namespace bpfload
