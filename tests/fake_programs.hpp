// Programs and maps made in a FakeKernel for attach tests: real fds of the fake's own
// objects, so what the attach layer asks of them (ids, types) is answered as by a kernel.
#pragma once

#include <cstdint>
#include <string>

#include <linux/bpf.h>

#include <gtest/gtest.h>

#include "bpfload/testing/fake_kernel.hpp"

namespace bpfload::test {

/// A program of `type` loaded into `kernel`.
class FakeProgram {
 public:
  explicit FakeProgram(Kernel& kernel, uint32_t type = BPF_PROG_TYPE_XDP, std::string name = "fake_prog") {
    static const bpf_insn kReturnZero[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    ProgLoadRequest request;
    request.type = type;
    request.name = std::move(name);
    request.license = "GPL";
    request.insns = kReturnZero;
    ProgLoadOutcome loaded = kernel.prog_load(request);
    EXPECT_TRUE(loaded.fd.valid()) << "errno " << loaded.sys_errno;
    fd_ = std::move(loaded.fd);
  }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  Fd fd_;
};

/// A map of `type` made in `kernel` (4-byte keys and values, 4 entries).
inline Fd fake_map(Kernel& kernel, uint32_t type, const std::string& name = "fake_map") {
  MapCreateRequest request;
  request.type = type;
  request.name = name;
  request.key_size = 4;
  request.value_size = 4;
  request.max_entries = 4;
  Result<Fd> map = kernel.map_create(request);
  EXPECT_TRUE(map.ok());
  return map.ok() ? std::move(*map) : Fd();
}

}  // namespace bpfload::test
