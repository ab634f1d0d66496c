// Which BTF kinds a kernel accepts, learnt as libbpf learns it (probe_kern_btf_*): load a
// tiny blob using the kind, see whether the kernel takes it.
#include <linux/btf.h>

#include <cstring>
#include <initializer_list>
#include <vector>
#include <string_view>

#include "bpfload/kernel.hpp"
#include "bpfload/uapi.hpp"

namespace bpfload {
namespace {

constexpr uint32_t kKindEnum64 = uapi::kBtfKindEnum64;

constexpr uint32_t info(uint32_t kind, uint32_t vlen = 0) { return (kind << 24) | vlen; }
// A signed 32-bit INT named `name`: name_off, info, size, encoding.
std::vector<uint32_t> int32(uint32_t name) { return {name, info(BTF_KIND_INT), 4, (BTF_INT_SIGNED << 24) | 32}; }

/// A BTF header, the type words and the strings (which start with their NUL).
std::vector<std::byte> blob(std::initializer_list<std::vector<uint32_t>> types, std::string_view strings) {
  std::vector<uint32_t> words;
  for (const auto& type : types) words.insert(words.end(), type.begin(), type.end());
  const uint32_t types_len = static_cast<uint32_t>(words.size() * 4);
  const uint32_t strings_len = static_cast<uint32_t>(strings.size() + 1);  // and the final NUL
  struct btf_header header{};
  header.magic = BTF_MAGIC;
  header.version = BTF_VERSION;
  header.hdr_len = sizeof(header);
  header.type_off = 0;
  header.type_len = types_len;
  header.str_off = types_len;
  header.str_len = strings_len;
  std::vector<std::byte> bytes(sizeof(header) + types_len + strings_len, std::byte{0});
  std::memcpy(bytes.data(), &header, sizeof(header));
  std::memcpy(bytes.data() + sizeof(header), words.data(), types_len);
  std::memcpy(bytes.data() + sizeof(header) + types_len, strings.data(), strings.size());
  return bytes;
}

}  // namespace

std::vector<std::byte> btf_basic_probe_blob() {
  using namespace std::string_view_literals;
  return blob({int32(1)}, "\0int"sv);
}

std::vector<std::byte> btf_feature_probe_blob(BtfFeature feature) {
  using namespace std::string_view_literals;
  switch (feature) {
    case BtfFeature::Func:  // void x(int a) {}
    case BtfFeature::FuncGlobal: {
      const uint32_t linkage = feature == BtfFeature::FuncGlobal ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC;
      return blob({int32(1), {0, info(BTF_KIND_FUNC_PROTO, 1), 0, 7, 1}, {5, info(BTF_KIND_FUNC, linkage), 2}},
                  "\0int\0x\0a"sv);
    }
    case BtfFeature::Datasec:  // static int x in section .data
      return blob({int32(0), {1, info(BTF_KIND_VAR), 1, BTF_VAR_STATIC}, {3, info(BTF_KIND_DATASEC, 1), 4, 2, 0, 4}},
                  "\0x\0.data"sv);
    case BtfFeature::Float: return blob({{1, info(BTF_KIND_FLOAT), 4}}, "\0float"sv);
    case BtfFeature::DeclTag:  // a tag on a variable
      return blob({int32(0), {1, info(BTF_KIND_VAR), 1, BTF_VAR_STATIC}, {1, info(BTF_KIND_DECL_TAG), 2, UINT32_MAX}},
                  "\0tag"sv);
    case BtfFeature::TypeTag:  // int __tag *
      return blob({int32(0), {1, info(BTF_KIND_TYPE_TAG), 1}, {0, info(BTF_KIND_PTR), 2}}, "\0tag"sv);
    case BtfFeature::Enum64: return blob({{1, info(kKindEnum64), 8}}, "\0enum64"sv);
  }
  return btf_basic_probe_blob();
}

BtfFeatures Kernel::btf_features() {
  std::call_once(btf_features_once_, [this] {
    // No log: only acceptance matters, and a refusal here is expected on old kernels.
    if (!btf_load(btf_basic_probe_blob(), {}).ok()) return;
    BtfFeatures found = BtfFeatures::all();
    for (size_t i = 0; i < kBtfFeatureCount; ++i) {
      const BtfFeature feature = btf_feature_at(i);
      if (!btf_load(btf_feature_probe_blob(feature), {}).ok()) found.set(feature, false);
    }
    btf_features_ = found;
  });
  return btf_features_;
}

}  // namespace bpfload
