// libbpf prints through a callback, by default to stderr: its netlink helpers pass on
// the kernel's extended ack ("libbpf: Kernel error message: Parent Qdisc doesn't
// exists"), often for something bpfload expected and handled, such as a missing clsact
// qdisc on `tc off`. The command line takes those lines instead: nothing of libbpf's
// reaches the terminal on its own, and what libbpf reported is shown once, after
// bpfload's own error, when a command fails (labelled as libbpf's: a message does not
// say which request it was about).
#pragma once

#include <string>
#include <vector>

namespace bpfload::cli {

/// Routes libbpf's messages to the capture below (once, before any verb runs; libbpf's
/// debug level is dropped).
void capture_libbpf_messages();

/// What libbpf passed on since the last call, each message once, in order, without
/// libbpf's "libbpf: " and "Kernel error message: " prefixes; at most 16.
[[nodiscard]] std::vector<std::string> take_libbpf_messages();

}  // namespace bpfload::cli
