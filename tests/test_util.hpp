// Helpers shared by the test suites.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bpfload/parse.hpp"

namespace bpfload::test {

/// Path of a built BPF object, e.g. bpf_object("legacy_libbpf.o").
std::string bpf_object(const std::string& file_name);

/// Every built .o in the BPF build directory, sorted.
std::vector<std::string> all_bpf_objects();

/// Parse options a built object needs so that every program gets a type and the object
/// parses: bpf_progs/quirk_*.c reproduce habits of old loaders' objects and need the
/// option bpfload offers for the habit (their own tests also check them without it).
ParseOptions parse_options_for(const std::string& path);

/// The same options as bpfload command-line text ("" for objects that need none).
std::string cli_options_for(const std::string& path);

/// Reads a whole file; fails the current test (and returns empty) when unreadable.
std::vector<std::byte> read_file(const std::string& path);

/// Number of open file descriptors of this process (entries of /proc/self/fd).
size_t open_fd_count();

/// A fresh directory on bpffs, removed with everything below it on destruction.
class TempBpffsDir {
 public:
  TempBpffsDir();
  ~TempBpffsDir();
  TempBpffsDir(const TempBpffsDir&) = delete;
  TempBpffsDir& operator=(const TempBpffsDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Runs a shell command, returning its exit status and stdout (stderr to `err` if given).
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult run_command(const std::string& command);

}  // namespace bpfload::test
