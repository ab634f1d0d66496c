// Programs: fds patched into each program's layout, BPF_PROG_LOAD with a verifier log that is never silently cut, and
// the numbers the kernel reports afterwards. Once maps exist, programs do not depend on
// each other, so they are verified in parallel; results stay in spec order.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bpfload/externs.hpp"
#include "bpfload/link.hpp"
#include "kernel_errors.hpp"
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"
#include "load_context.hpp"

namespace bpfload {
namespace {

constexpr size_t kLogStartSize = 64 * 1024;
constexpr size_t kLogLevel2StartSize = 1024 * 1024;
constexpr size_t kLogMaxSize = UINT32_MAX >> 2;  // the kernel refuses bigger log buffers
constexpr unsigned kMaxDefaultThreads = 8;

/// The kern_version a program is loaded with: the option, the object's `version`
/// section, or for kprobes (which kernels before 5.0 refuse without it) the running
/// kernel's LINUX_VERSION_CODE.
Result<uint32_t> kern_version_for(const LoadContext& context, const ProgramSpec& program) {
  if (context.options.kern_version) return *context.options.kern_version;
  if (context.spec.kern_version) return *context.spec.kern_version;
  if (program.type != BPF_PROG_TYPE_KPROBE) return uint32_t{0};
  Result<std::string> release = context.kernel.kernel_release();
  if (!release.ok()) return std::move(release).error();
  return kernel_version_code(*release);
}

bool is_networking(uint32_t type) {
  switch (type) {
    case BPF_PROG_TYPE_SCHED_CLS:
    case BPF_PROG_TYPE_SCHED_ACT:
    case BPF_PROG_TYPE_XDP:
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_LWT_IN:
    case BPF_PROG_TYPE_LWT_OUT:
    case BPF_PROG_TYPE_LWT_XMIT:
    case BPF_PROG_TYPE_LWT_SEG6LOCAL:
    case BPF_PROG_TYPE_SOCK_OPS:
    case BPF_PROG_TYPE_SK_SKB:
    case BPF_PROG_TYPE_SK_MSG:
    case BPF_PROG_TYPE_FLOW_DISSECTOR:
    case BPF_PROG_TYPE_SK_REUSEPORT:
      return true;
    default:
      return false;
  }
}

// Some kernel messages end without a newline ("... in func info"), so the statistics
// line that follows would read as part of them ("in func infoprocessed 0 insns").
void separate_statistics_line(std::string& log) {
  const size_t at = log.rfind("processed ");
  if (at == std::string::npos || at == 0 || log[at - 1] == '\n') return;
  if (log.compare(at, 10, "processed ") == 0 && log.find(" insns", at) != std::string::npos) log.insert(at, "\n");
}

std::string load_failure_text(const ProgramSpec& program, int sys_errno, const std::string& log,
                              bool log_truncated) {
  std::string text = fmt::format("bpf(PROG_LOAD): {}", errno_text(sys_errno));
  if (sys_errno == EPERM) {
    std::string caps = "root or CAP_BPF";
    if (is_networking(program.type)) caps += " + CAP_NET_ADMIN";
    else if (program.type == BPF_PROG_TYPE_KPROBE || program.type == BPF_PROG_TYPE_TRACEPOINT ||
             program.type == BPF_PROG_TYPE_PERF_EVENT || program.type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
             program.type == BPF_PROG_TYPE_TRACING)
      caps += " + CAP_PERFMON";
    // The log, when the kernel wrote one, says why better than any guess.
    const std::string reason = last_meaningful_log_line(log);
    if (!reason.empty()) text += fmt::format("; verifier: {}", reason);
    return text + fmt::format(" ({})", privilege_hint(fmt::format("loading a {} program needs {}",
                                                                  program_type_name(program.type), caps)));
  }
  if (log_truncated) text += " (the verifier log kept is not the whole log)";
  const std::string reason = last_meaningful_log_line(log);
  if (!reason.empty()) return text + fmt::format("; verifier: {}", reason);
  if (sys_errno == EINVAL)
    text += fmt::format(" (this kernel may not support program type {} with attach type {}, or a flag "
                        "or BTF record of the program)",
                        program_type_name(program.type), program.expected_attach_type);
  if (sys_errno == E2BIG) text += " (the program has too many instructions)";
  return text;
}

// A reachable call to a weak kfunc the kernel lacks (resolve_externs poisoned it): the
// verifier says "invalid func unknown#2002000001"; say which extern that is.
std::string poisoned_kfunc_text(const ObjectSpec& spec, const std::string& log) {
  const std::string marker = "unknown#";
  for (size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    long long imm = 0;
    if (std::sscanf(log.c_str() + at + marker.size(), "%lld", &imm) != 1) continue;
    const long long index = imm - kPoisonKfuncCallBase;
    if (index < 0 || static_cast<size_t>(index) >= spec.externs.size()) continue;
    return fmt::format("; the call to weak kfunc '{}', which the kernel lacks, is reachable: guard it with "
                       "bpf_ksym_exists({})",
                       spec.externs[static_cast<size_t>(index)].name, spec.externs[static_cast<size_t>(index)].name);
  }
  return {};
}

size_t start_log_size(uint32_t level) {
  if (level == 0) return 0;
  return (level & kLogLevel2) != 0 ? kLogLevel2StartSize : kLogStartSize;
}

/// `size` within LoadOptions::log_limit (0: no limit).
size_t capped(size_t size, size_t limit) { return limit == 0 ? size : std::min(size, limit); }

uint32_t log_level_for(const LoadOptions& options, const std::string& program) {
  const auto found = options.program_log_levels.find(program);
  return found != options.program_log_levels.end() ? found->second : options.log_level;
}

uint32_t extra_program_flags(const LoadOptions& options, const std::string& program) {
  uint32_t flags = 0;
  if (const auto all = options.program_flags.find("*"); all != options.program_flags.end()) flags |= all->second;
  if (const auto one = options.program_flags.find(program); one != options.program_flags.end()) flags |= one->second;
  return flags;
}

/// A cut log from a 6.4+ kernel is its end, starting mid-line: drop the partial line.
void trim_to_whole_lines(std::string& log, bool cut_at_start) {
  if (!cut_at_start) return;
  const size_t newline = log.find('\n');
  if (newline != std::string::npos && newline + 1 < log.size()) log.erase(0, newline + 1);
}

/// The verifier's log buffer, not zero-filled: the kernel writes what it writes (and
/// NUL-terminates it), so a 100 MB buffer costs only the pages the log uses.
class LogBuffer {
 public:
  /// Makes room for `size` bytes; false when that much memory cannot be had.
  bool reserve(size_t size) {
    if (size <= capacity_) return true;
    buffer_.reset();
    capacity_ = 0;
    buffer_.reset(new (std::nothrow) char[size]);
    if (!buffer_) return false;
    capacity_ = size;
    return true;
  }
  std::span<char> span(size_t size) {
    if (size == 0) return {};
    buffer_[0] = '\0';
    return {buffer_.get(), size};
  }
  std::string text(size_t size) const { return std::string(buffer_.get(), strnlen(buffer_.get(), size)); }

 private:
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

/// Loads one program: its layout with fds patched in, then BPF_PROG_LOAD with the log rules, then prog_info.
void load_one_program(const LoadContext& context, const MapHandles& handles, size_t index,
                      ProgramResult& result, Fd& fd, ErrorKind& kind) {
  const ProgramSpec& program = context.spec.programs[index];
  result.program = index;
  result.name = program.name;
  result.section = program.section;
  result.type = program.type;
  if (index < context.refusals.size() && !context.refusals[index].reason.empty()) {
    result.error = context.refusals[index].reason;
    kind = context.refusals[index].kind;
    return;
  }

  const auto fail_link = [&](const Error& error) {
    result.error = error.message;  // already "link program 'x': ..."
    result.sys_errno = error.sys_errno;
    kind = error.kind;
    // bpfload's own refusal (CO-RE, an unknown relocation): the kernel never saw it.
    result.unsupported = kind == ErrorKind::Unsupported;
  };
  const Result<std::shared_ptr<const ProgramLayout>>& layout = context.layouts[index];
  if (!layout.ok()) return fail_link(layout.error());
  Result<std::vector<bpf_insn>> insns = patch_fds(**layout, context.spec, handles);
  if (!insns.ok()) return fail_link(insns.error());
  result.insns = static_cast<uint32_t>(insns->size());
  if (context.core_decisions != nullptr) {
    for (const CoreDecision& decision : *context.core_decisions) {
      if (!decision.poisoned) continue;
      const ProgramLayout& laid_out = **layout;
      for (size_t k = 0; k < laid_out.functions.size(); ++k) {
        if (laid_out.functions[k] != decision.function) continue;
        result.core_poisoned.push_back(decision.describe(context.spec));
        result.core_poisoned_insns.push_back(laid_out.starts[k] + decision.insn);
      }
    }
  }

  ProgLoadRequest request;
  request.type = program.type;
  request.name = kernel_object_name(program.name);
  request.license = context.spec.license;
  request.insns = *insns;
  request.expected_attach_type = program.expected_attach_type;
  Result<uint32_t> kern_version = kern_version_for(context, program);
  if (!kern_version.ok()) {
    result.error = fmt::format("program '{}': kernel version for kern_version: {}", program.name,
                               kern_version.error().message);
    result.sys_errno = kern_version.error().sys_errno;
    kind = kern_version.error().kind;
    return;
  }
  request.kern_version = *kern_version;
  request.prog_flags = program.prog_flags;
  request.fd_array = context.fd_array;  // the same for every program, as libbpf's obj->fd_array
  Fd module_btf_fd;  // open until the load returns
  if (Status target = resolve_attach_target(context, program, request, module_btf_fd); !target.ok()) {
    result.error = target.error().message;
    result.sys_errno = target.error().sys_errno;
    kind = target.error().kind;
    return;
  }
  if (context.btf_fd.valid() && context.btf_func_info && !(*layout)->func_info.empty()) {
    request.prog_btf_fd = context.btf_fd.get();
    request.func_info = (*layout)->func_info;
    request.line_info = (*layout)->line_info;
  }

  request.prog_flags |= extra_program_flags(context.options, program.name);
  uint32_t level = log_level_for(context.options, program.name);
  const size_t limit = context.options.log_limit;
  size_t log_size = capped(start_log_size(level), limit);
  bool retried_for_log = false;
  // The verdict of a run made without a log, when a second run only fetched the log.
  std::optional<int> verdict_errno;
  LogBuffer log;
  ProgLoadOutcome outcome;
  for (;;) {
    if (!log.reserve(log_size)) {
      // Cannot hold a bigger log: keep what the last attempt printed, marked as cut,
      // and load once more without a log so the verdict is the verifier's, not ENOSPC.
      result.log_truncated = true;
      log_size = 0;
      retried_for_log = true;
      continue;
    }
    request.log_level = log_size == 0 ? 0 : level;
    request.log_buf = log.span(log_size);
    outcome = context.kernel.prog_load(request);
    ++result.load_attempts;
    if (outcome.log_true_size != 0) result.log_true_size = outcome.log_true_size;
    if (log_size != 0) {
      result.verifier_log = log.text(log_size);
      separate_statistics_line(result.verifier_log);
    }
    if (outcome.fd.valid()) break;
    if (outcome.sys_errno == ENOSPC && log_size != 0) {
      // The log did not fit. Linux 6.4+ kept its end and says how big it is.
      if (verdict_errno) {
        // This run only fetched the log of a refusal already known: keep what fit.
        result.log_truncated = true;
        break;
      }
      const size_t wanted = outcome.log_true_size;
      const bool whole_fits_next = wanted != 0 && (limit == 0 || wanted <= limit) && result.load_attempts < 2;
      const bool can_grow_blind = wanted == 0 && result.load_attempts < 2 && log_size < capped(kLogMaxSize, limit);
      if (whole_fits_next) {
        log_size = std::min(wanted, kLogMaxSize);
        continue;
      }
      if (can_grow_blind) {
        // A kernel before 6.4 tells no size: one run with the most the limit allows.
        log_size = capped(kLogMaxSize, limit);
        continue;
      }
      // Keep what fit (the log's end on 6.4+, where the verdict is) and load once more
      // without a log, so a program the verifier accepts still loads.
      result.log_truncated = true;
      trim_to_whole_lines(result.verifier_log, wanted != 0);
      log_size = 0;
      retried_for_log = true;
      continue;
    }
    if (log_size == 0 && !retried_for_log) {
      // Asked for no log, but a failure without its log is useless: ask again for one.
      retried_for_log = true;
      verdict_errno = outcome.sys_errno;
      level = kLogLevel1;
      log_size = capped(kLogStartSize, limit);
      continue;
    }
    break;
  }
  if (verdict_errno && !outcome.fd.valid()) outcome.sys_errno = *verdict_errno;
  result.stats = parse_verifier_stats(result.verifier_log);
  if (!outcome.fd.valid()) {
    result.sys_errno = outcome.sys_errno;
    result.error = load_failure_text(program, outcome.sys_errno, result.verifier_log, result.log_truncated);
    // A poisoned CO-RE instruction is what the verifier refused: say which relocation.
    if (result.verifier_log.find(fmt::format("unknown#{}", kCorePoisonImm)) != std::string::npos)
      result.error += poisoned_relocations_text(context, **layout);
    result.error += poisoned_kfunc_text(context.spec, result.verifier_log);
    return;
  }

  result.loaded = true;
  if (!context.options.query_info) {
    fd = std::move(outcome.fd);
    return;
  }
  Result<ProgInfo> info = context.kernel.prog_info(outcome.fd.get());
  if (!info.ok()) {
    result.loaded = false;
    result.sys_errno = info.error().sys_errno;
    result.error = fmt::format("read program info: {}", info.error().message);
    return;
  }
  result.id = info->id;
  result.xlated_size = info->xlated_size;
  result.jited_size = info->jited_size;
  result.verified_insns = info->verified_insns;
  result.loaded = true;
  fd = std::move(outcome.fd);
}

unsigned thread_count(const LoadOptions& options, size_t jobs) {
  unsigned threads = options.parallelism;
  if (threads == 0) threads = std::min(std::max(std::thread::hardware_concurrency(), 1u), kMaxDefaultThreads);
  return static_cast<unsigned>(std::min<size_t>(threads, jobs));
}

/// Runs `jobs` over `threads` workers; a worker that cannot be started leaves its share
/// to the others (the calling thread always takes part).
template <typename Job>
void run_parallel(size_t jobs, unsigned threads, const Job& job) {
  std::atomic<size_t> next{0};
  const auto worker = [&]() {
    for (size_t i = next.fetch_add(1); i < jobs; i = next.fetch_add(1)) job(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::exception&) {
      break;
    }
  }
  worker();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace

Status load_programs(LoadContext& context) {
  const ObjectSpec& spec = context.spec;
  MapHandles handles;
  for (const Fd& fd : context.map_fds) handles.maps.push_back(fd.get());
  for (const Fd& fd : context.data_fds) handles.data_sections.push_back(fd.get());
  for (const Fd& fd : context.module_btf_fds) handles.module_btf.push_back(fd.get());
  handles.arena_data_offset = context.arena_data_offset;

  std::vector<size_t> chosen;
  for (size_t i = 0; i < spec.programs.size(); ++i)
    if (context.selected[i]) chosen.push_back(i);
  context.prog_fds.resize(spec.programs.size());
  context.program_report.assign(spec.programs.size(), std::nullopt);
  context.report.programs.assign(chosen.size(), ProgramResult{});
  for (size_t slot = 0; slot < chosen.size(); ++slot) context.program_report[chosen[slot]] = slot;

  std::vector<ErrorKind> kinds(chosen.size(), ErrorKind::Kernel);
  // An allocation that fails on a worker thread must not escape it (std::terminate): it
  // is caught here, the program's fd (if any) closes with the unwinding, and the load
  // fails as out of memory once every worker is done.
  std::atomic<bool> out_of_memory{false};
  run_parallel(chosen.size(), thread_count(context.options, chosen.size()), [&](size_t slot) {
    if (out_of_memory) return;  // the load fails anyway: verify no more under that pressure
    const size_t index = chosen[slot];
    try {
      load_one_program(context, handles, index, context.report.programs[slot], context.prog_fds[index],
                       kinds[slot]);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
  });
  if (out_of_memory) return out_of_memory_error("loading the programs");

  if (context.options.keep_going) return {};
  for (size_t slot = 0; slot < chosen.size(); ++slot) {
    const ProgramResult& result = context.report.programs[slot];
    if (result.loaded) continue;
    Error error = make_error(ErrorKind::Kernel,
                             fmt::format("load program '{}' in section '{}': {}", result.name, result.section,
                                         result.error),
                             result.sys_errno);
    error.kind = kinds[slot];
    error.verifier_log = result.verifier_log;
    return error;
  }
  return {};
}

}  // namespace bpfload
