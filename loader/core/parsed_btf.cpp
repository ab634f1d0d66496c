// The one place libbpf parses an object's .BTF.
#include "bpfload/btf.hpp"

#include <bpf/btf.h>

#include <cerrno>

#include <fmt/format.h>

#include "btf_layout.hpp"

namespace bpfload {

void BtfDeleter::operator()(struct btf* btf) const noexcept { btf__free(btf); }

Result<BtfHandle> parse_btf(std::span<const std::byte> bytes) {
  if (bytes.empty()) return make_error(ErrorKind::Malformed, "section '.BTF': empty");
  if (auto misaligned = misaligned_btf_types(bytes))
    return make_error(ErrorKind::Malformed,
                      fmt::format("section '.BTF': its types start at byte {}, not a multiple of 4 (header length "
                                  "plus type offset); the compiler never writes that: rebuild the object",
                                  *misaligned));
  BtfHandle btf(btf__new(bytes.data(), static_cast<uint32_t>(bytes.size())));
  // libbpf 1.x returns NULL with errno set.
  if (btf == nullptr) return make_error(ErrorKind::Malformed, "section '.BTF': libbpf cannot parse it", errno);
  return btf;
}

std::string_view ParsedBtf::string_at(uint32_t offset) const noexcept {
  const char* text = btf__name_by_offset(handle_.get(), offset);
  return text == nullptr ? std::string_view{} : std::string_view{text};
}

}  // namespace bpfload
