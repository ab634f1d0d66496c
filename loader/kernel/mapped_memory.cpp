#include "bpfload/mapped_memory.hpp"

#include <sys/mman.h>

namespace bpfload {

void MappedMemory::reset() noexcept {
  if (address_ == nullptr) return;
  ::munmap(std::exchange(address_, nullptr), std::exchange(length_, 0));
}

}  // namespace bpfload
