// Kernel-test helpers for attaching: a network namespace with a veth pair that the test
// owns, test frames sent and received inside it, and loading the attach test objects.
#pragma once

#include <cstdint>
#include <string>

#include "bpfload/fd.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"

namespace bpfload::test {

/// A network namespace `bpfl<pid>n<k>` with a veth pair `bl<pid>a` <-> `bl<pid>b`, both up.
/// While an instance lives the calling thread is inside the namespace (setns), so netlink,
/// if_nametoindex and packet sockets of this thread see only it. Removed on destruction.
class VethNamespace {
 public:
  VethNamespace();
  ~VethNamespace();
  VethNamespace(const VethNamespace&) = delete;
  VethNamespace& operator=(const VethNamespace&) = delete;

  [[nodiscard]] bool ok() const { return entered_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& sender() const { return a_; }    ///< frames leave here (egress)
  [[nodiscard]] const std::string& receiver() const { return b_; }  ///< and arrive here (ingress)

  /// Sends `count` frames of ethertype 0x88B5 from sender() and waits until all arrived on
  /// receiver() (a packet socket for that ethertype sees a frame after XDP and tc ingress
  /// ran on it). Returns the number received; gives up after 10 s without a frame.
  int send_and_receive(int count);

 private:
  std::string name_;
  std::string a_;
  std::string b_;
  Fd original_;
  bool entered_ = false;
  std::string error_;
};

/// Loads bpf_progs/<file> with `options` (no pins); fails the test on error.
Result<LoadedObject> load_for_attach(const std::string& file, const ParseOptions& parse = {},
                                     ObjectSpec* spec_out = nullptr);

/// Output of a shell command, "" when it fails.
std::string command_output(const std::string& command);

/// The u64 at `key` of the loaded object's "counters" array, the map the attach test
/// programs count in; a failed lookup is a test failure.
uint64_t counter(const LoadedObject& object, uint32_t key);

/// Parse options for the tc test objects: sections "ingress" and "egress" are sched_cls,
/// as tc made every section it loaded.
ParseOptions tc_sections();

}  // namespace bpfload::test
