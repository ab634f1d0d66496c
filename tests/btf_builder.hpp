// Hand-built raw BTF for tests: types as words, strings deduplicated, either byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bpfload::test {

/// Builds a .BTF blob type by type. Ids start at 1 in the order add() is called.
class BtfBuilder {
 public:
  static constexpr uint32_t kInt = 1, kPtr = 2, kArray = 3, kStruct = 4, kUnion = 5, kEnum = 6, kFwd = 7,
                            kTypedef = 8, kVolatile = 9, kConst = 10, kRestrict = 11, kFunc = 12, kFuncProto = 13,
                            kVar = 14, kDatasec = 15, kFloat = 16, kDeclTag = 17, kTypeTag = 18, kEnum64 = 19;

  static constexpr uint32_t info(uint32_t kind, uint32_t vlen = 0, bool kflag = false) {
    return (kflag ? 1u << 31 : 0u) | (kind << 24) | vlen;
  }

  /// Offset of `text` in the string section (added when new; "" is 0).
  uint32_t name(std::string_view text) {
    if (text.empty()) return 0;
    // Looked up by hash: hostile-scaling tests add tens of thousands of names, and a
    // search of the string section per name made generating them quadratic.
    const auto [it, added] = offsets_.try_emplace(std::string(text), static_cast<uint32_t>(strings_.size()));
    if (!added) return it->second;
    strings_ += text;
    strings_ += '\0';
    return it->second;
  }
  /// Appends a type record (head and trailer words); returns its id.
  uint32_t add(std::vector<uint32_t> words) {
    types_.insert(types_.end(), words.begin(), words.end());
    return ++count_;
  }
  uint32_t add_int(std::string_view type_name, uint32_t size, bool is_signed = true) {
    return add({name(type_name), info(kInt), size, ((is_signed ? 1u : 0u) << 24) | (size * 8)});
  }

  /// The blob: header, types, strings; big-endian when `big_endian`.
  [[nodiscard]] std::vector<std::byte> bytes(bool big_endian = false) const {
    std::vector<uint32_t> words = {0, 24, 0, static_cast<uint32_t>(types_.size() * 4),
                                   static_cast<uint32_t>(types_.size() * 4), static_cast<uint32_t>(strings_.size())};
    words.insert(words.end(), types_.begin(), types_.end());
    std::vector<std::byte> out(words.size() * 4 + strings_.size());
    for (size_t i = 0; i < words.size(); ++i) {
      const uint32_t value = big_endian ? __builtin_bswap32(words[i]) : words[i];
      std::memcpy(out.data() + 4 * i, &value, 4);
    }
    // magic 0xeb9f, version 1, flags 0 in the first word, in the blob's order
    const uint8_t header[4] = {big_endian ? uint8_t{0xeb} : uint8_t{0x9f}, big_endian ? uint8_t{0x9f} : uint8_t{0xeb},
                               1, 0};
    std::memcpy(out.data(), header, 4);
    std::memcpy(out.data() + words.size() * 4, strings_.data(), strings_.size());
    return out;
  }

  [[nodiscard]] uint32_t count() const { return count_; }

 private:
  std::vector<uint32_t> types_;
  std::string strings_ = std::string(1, '\0');
  std::unordered_map<std::string, uint32_t> offsets_;
  uint32_t count_ = 0;
};

}  // namespace bpfload::test
