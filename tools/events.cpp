// `bpfload events PIN`: prints the records programs send through a pinned ring buffer
// (BPF_MAP_TYPE_RINGBUF) or perf event array as they come, hex or JSON lines.
#include <linux/bpf.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bpfload/kernel.hpp"
#include "bpfload/perf_buffer.hpp"
#include "bpfload/ring_buffer.hpp"
#include "cli_output.hpp"
#include "events_decode.hpp"
#include "verbs.hpp"

namespace bpfload::cli {
namespace {

struct EventsVerbOptions {
  std::string path;
  uint64_t count = 0;     // 0: no limit
  double timeout = -1;    // seconds; negative: wait for ever
  size_t pages = 8;       // perf event arrays: data pages per CPU
  std::string type;       // --type: decode records through this BTF type of --object
  std::string object;
  bool json = false;
};

/// Prints records and counts them against --count.
class Printer {
 public:
  Printer(const EventsVerbOptions& options, std::optional<RecordType> type)
      : options_(options), type_(std::move(type)) {}

  /// Prints one record; false once --count records were printed.
  bool record(std::optional<unsigned> cpu, std::span<const std::byte> bytes) {
    if (type_) {
      // Decoded records are JSON lines with or without --json: a line per record is
      // what a reader pipes into jq.
      fmt::print("{}\n", decode_record(*type_, cpu, bytes).dump(-1, ' ', false, Json::error_handler_t::replace));
    } else if (options_.json) {
      Json line{{"size", bytes.size()}, {"data", hex_of(bytes)}};
      if (cpu) line["cpu"] = *cpu;
      fmt::print("{}\n", line.dump());
    } else if (cpu) {
      fmt::print("cpu {} ({} bytes): {}\n", *cpu, bytes.size(), hex_of(bytes));
    } else {
      fmt::print("({} bytes): {}\n", bytes.size(), hex_of(bytes));
    }
    std::fflush(stdout);
    ++printed_;
    return options_.count == 0 || printed_ < options_.count;
  }

  void lost(unsigned cpu, uint64_t count) {
    if (options_.json)
      fmt::print("{}\n", Json{{"lost", count}, {"cpu", cpu}}.dump());
    else
      fmt::print("cpu {}: {} records lost (the ring was full; --pages makes it bigger)\n", cpu, count);
    std::fflush(stdout);
  }

  [[nodiscard]] bool done() const { return options_.count != 0 && printed_ >= options_.count; }
  [[nodiscard]] uint64_t printed() const { return printed_; }

 private:
  const EventsVerbOptions& options_;
  std::optional<RecordType> type_;
  uint64_t printed_ = 0;
};

/// Polls `reader` until --count records or --timeout seconds; the exit code.
template <typename Reader>
int read_until_done(Reader& reader, Printer& printer, const EventsVerbOptions& options) {
  using Clock = std::chrono::steady_clock;
  const bool bounded = options.timeout >= 0;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(bounded ? options.timeout : 0));
  while (!printer.done()) {
    int wait_ms = -1;
    if (bounded) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      wait_ms = static_cast<int>(std::min<long long>(left, 1000 * 60 * 60));
    }
    Result<size_t> read = reader.poll(wait_ms);
    if (!read.ok()) return report_error(read.error().with_context(fmt::format("events {}", options.path)), options.json);
  }
  if (options.count != 0 && !printer.done())
    return report_error("timeout",
                        fmt::format("events {}: {} of {} records within {} seconds", options.path, printer.printed(),
                                    options.count, options.timeout),
                        0, options.json, kExitRefused);
  return kExitOk;
}

/// The --type of --object, checked before any map is opened; nullopt without --type.
Result<std::optional<RecordType>> record_type(const EventsVerbOptions& options) {
  if (options.type.empty() && options.object.empty()) return std::optional<RecordType>();
  if (options.object.empty())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("--type '{}' needs --object OBJ, the object whose BTF declares it", options.type),
                      EINVAL);
  if (options.type.empty())
    return make_error(ErrorKind::InvalidArgument,
                      fmt::format("--object '{}' needs --type TYPE, the type of its records (e.g. --type 'struct "
                                  "event')",
                                  options.object),
                      EINVAL);
  Result<RecordType> type = find_record_type(options.object, options.type);
  if (!type.ok()) return std::move(type).error();
  return std::optional<RecordType>(std::move(*type));
}

int run_events(const EventsVerbOptions& options) {
  Kernel& kernel = system_kernel();
  Result<std::optional<RecordType>> type = record_type(options);
  if (!type.ok()) return report_error(type.error().with_context(fmt::format("events {}", options.path)), options.json);
  Printer printer(options, std::move(*type));
  Result<Fd> pinned = kernel.obj_get(options.path);
  if (!pinned.ok()) return report_error(pinned.error().with_context(fmt::format("events {}", options.path)), options.json);
  Result<MapInfo> info = kernel.map_info(pinned->get());
  if (!info.ok()) return report_error(info.error().with_context(fmt::format("events {}", options.path)), options.json);
  if (info->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
    PerfBufferOptions perf;
    perf.pages_per_cpu = options.pages;
    perf.sample = [&](unsigned cpu, std::span<const std::byte> sample) { return printer.record(cpu, sample); };
    perf.lost = [&](unsigned cpu, uint64_t count) { printer.lost(cpu, count); };
    Result<PerfBufferReader> reader = PerfBufferReader::open_pinned(options.path, std::move(perf), &kernel);
    if (!reader.ok()) return report_error(reader.error().with_context("events"), options.json);
    return read_until_done(*reader, printer, options);
  }
  Result<RingBufferReader> reader = RingBufferReader::create(kernel);
  if (!reader.ok()) return report_error(reader.error().with_context("events"), options.json);
  Status added = reader->add_fd(pinned->get(), options.path, [&](std::span<const std::byte> record) {
    return printer.record(std::nullopt, record);
  });
  if (!added.ok()) return report_error(added.error().with_context("events"), options.json);
  return read_until_done(*reader, printer, options);
}

}  // namespace

VerbRunner setup_events(CLI::App& command) {
  auto options = std::make_shared<EventsVerbOptions>();
  command.add_option("PIN", options->path,
                     "a pinned ring buffer or perf event array (a path on bpffs, e.g. DIR/maps/NAME after "
                     "load --pin-dir DIR)")
      ->required();
  command.add_option("--count", options->count, "stop after N records (exit 1 when --timeout ends first)");
  command.add_option("--timeout", options->timeout, "stop after S seconds (default: wait for ever)");
  command.add_option("--pages", options->pages, "perf event arrays: data pages per CPU, a power of two")
      ->default_val(8);
  command.add_option("--type", options->type,
                     "decode each record as a JSON line through this BTF type of --object (e.g. 'struct event'); "
                     "bytes past the type are shown as \"trailing\", a shorter record as an error line");
  command.add_option("--object", options->object, "the object (.o) whose BTF declares --type");
  add_json_flags(command, options->json);
  return [options] { return run_events(*options); };
}

}  // namespace bpfload::cli
