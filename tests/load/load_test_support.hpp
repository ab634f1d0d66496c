// Helpers for the load suite: parsing test objects, building packets, running programs
// and reading map values back through the real kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/spec.hpp"

namespace bpfload::test {

/// Parses build/bpf_progs/<file>; fails the test (empty spec) when it does not parse.
ObjectSpec parse_test_object(const std::string& file, const ParseOptions& options = {});

/// A zeroed frame of `length` bytes.
std::vector<std::byte> zero_packet(size_t length = 64);

/// Ethernet + IPv4 + UDP frame (h_proto 0x0800, protocol 17), 64 bytes.
std::vector<std::byte> ipv4_udp_packet();

/// Runs program `fd` once on `packet` with BPF_PROG_TEST_RUN; returns its return value
/// (fails the test and returns UINT32_MAX when the run fails).
uint32_t run_program(int fd, const std::vector<std::byte>& packet);

/// Reads the value at u32 `key` of map `fd` as a T (fails the test and returns T{} when absent).
template <typename T>
T read_map(int fd, uint32_t key) {
  T value{};
  const Status looked_up = system_kernel().map_lookup(fd, std::as_bytes(std::span(&key, 1)),
                                                      std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_TRUE(looked_up.ok()) << "lookup key " << key << ": "
                              << (looked_up.ok() ? "" : looked_up.error().message);
  return value;
}

/// True when u32 `key` is present in map `fd`.
bool map_has_key(int fd, uint32_t key);

/// Writes the u32 `key` -> T `value` into map `fd`.
template <typename T>
Status write_map(int fd, uint32_t key, const T& value) {
  return system_kernel().map_update(fd, std::as_bytes(std::span(&key, 1)), std::as_bytes(std::span(&value, 1)),
                                    BPF_ANY);
}

/// Every regular file and directory below `root` (relative paths, sorted), for leak checks.
std::vector<std::string> tree_below(const std::string& root);

/// Load options fit for tests: pins under `pin_root`, the given kernel.
LoadOptions test_options(const std::string& pin_root);

/// Message of a failed result, "" when it succeeded (for EXPECT messages).
template <typename T>
std::string error_text(const Result<T>& result) {
  return result.ok() ? std::string() : result.error().message;
}

}  // namespace bpfload::test
