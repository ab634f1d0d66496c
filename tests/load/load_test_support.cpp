#include "bpfload/object_file.hpp"
#include "load_test_support.hpp"

#include <algorithm>
#include <filesystem>

#include "test_util.hpp"

namespace bpfload::test {

ObjectSpec parse_test_object(const std::string& file, const ParseOptions& options) {
  Result<ObjectSpec> parsed = parse_object_file(bpf_object(file), options);
  EXPECT_TRUE(parsed.ok()) << file << ": " << error_text(parsed);
  if (!parsed.ok()) return {};
  return std::move(parsed).value();
}

std::vector<std::byte> zero_packet(size_t length) { return std::vector<std::byte>(length, std::byte{0}); }

std::vector<std::byte> ipv4_udp_packet() {
  std::vector<uint8_t> frame(64, 0);
  // Ethernet: destination, source, h_proto 0x0800.
  const uint8_t ethernet[14] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00};
  std::copy(std::begin(ethernet), std::end(ethernet), frame.begin());
  // IPv4: version 4, IHL 5, total length 50, TTL 64, protocol UDP, 10.0.0.1 -> 10.0.0.2.
  const uint8_t ipv4[20] = {0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  std::copy(std::begin(ipv4), std::end(ipv4), frame.begin() + 14);
  // UDP: ports 1234 -> 5678, length 30.
  const uint8_t udp[8] = {0x04, 0xd2, 0x16, 0x2e, 0, 30, 0, 0};
  std::copy(std::begin(udp), std::end(udp), frame.begin() + 34);
  std::vector<std::byte> bytes(frame.size());
  std::transform(frame.begin(), frame.end(), bytes.begin(), [](uint8_t b) { return std::byte{b}; });
  return bytes;
}

uint32_t run_program(int fd, const std::vector<std::byte>& packet) {
  TestRunRequest request;
  request.prog_fd = fd;
  request.data_in = packet;
  Result<TestRunOutcome> outcome = system_kernel().prog_test_run(request);
  EXPECT_TRUE(outcome.ok()) << error_text(outcome);
  return outcome.ok() ? outcome->retval : UINT32_MAX;
}

bool map_has_key(int fd, uint32_t key) {
  std::vector<std::byte> value(1024);
  return system_kernel().map_lookup(fd, std::as_bytes(std::span(&key, 1)), value).ok();
}

std::vector<std::string> tree_below(const std::string& root) {
  std::vector<std::string> entries;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    entries.push_back(std::filesystem::relative(it->path(), root).string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

LoadOptions test_options(const std::string& pin_root) {
  LoadOptions options;
  options.pin_root = pin_root;
  options.object_id = "0123456789abcdef";
  return options;
}

}  // namespace bpfload::test
