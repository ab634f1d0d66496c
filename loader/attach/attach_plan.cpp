// Where a program attaches, from its type and section name, without the kernel.
#include <charconv>

#include <linux/bpf.h>

#include <fmt/format.h>

#include "bpfload/attach.hpp"

namespace bpfload {
namespace {

using Kind = AttachPlan::Kind;

std::string_view after_prefix(std::string_view section, std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (section.size() > prefix.size() && section.substr(0, prefix.size()) == prefix) {
      return section.substr(prefix.size());
    }
  }
  return {};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

AttachPlan none(std::string reason) {
  AttachPlan plan;
  plan.reason = std::move(reason);
  return plan;
}

std::optional<TcDirection> direction_in(std::string_view section) {
  const size_t slash = section.find_last_of('/');
  const std::string_view last = slash == std::string_view::npos ? section : section.substr(slash + 1);
  if (last == "ingress") return TcDirection::Ingress;
  if (last == "egress") return TcDirection::Egress;
  return std::nullopt;
}

// "func" or "func+0x10" / "func+16".
AttachPlan kprobe_plan(std::string_view rest, bool retprobe) {
  AttachPlan plan;
  plan.kind = Kind::Kprobe;
  plan.retprobe = retprobe;
  const size_t plus = rest.find('+');
  plan.first = std::string(rest.substr(0, plus));
  if (plus != std::string_view::npos) {
    std::string_view digits = rest.substr(plus + 1);
    int base = 10;
    if (starts_with(digits, "0x")) {
      digits.remove_prefix(2);
      base = 16;
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), plan.offset, base);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return none(fmt::format("the offset in '{}' is not a number", rest));
    }
  }
  if (plan.first.empty()) return none("the section names no kernel function");
  return plan;
}

// "/path/to/binary:symbol" (libbpf's form) or "/path/to/binary:0x1234".
AttachPlan uprobe_plan(std::string_view rest, bool retprobe) {
  AttachPlan plan;
  plan.kind = Kind::Uprobe;
  plan.retprobe = retprobe;
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    return none("a uprobe section must say BINARY:FUNCTION (e.g. uprobe//usr/bin/bash:readline)");
  }
  plan.first = std::string(rest.substr(0, colon));
  plan.second = std::string(rest.substr(colon + 1));
  if (starts_with(plan.second, "0x")) {
    const std::string_view digits = std::string_view(plan.second).substr(2);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), plan.offset, 16);
    if (ec == std::errc() && end == digits.data() + digits.size()) plan.second.clear();
  }
  return plan;
}

bool is_cgroup_type(uint32_t prog_type) {
  switch (prog_type) {
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case BPF_PROG_TYPE_SOCK_OPS:
    case BPF_PROG_TYPE_CGROUP_DEVICE:
    case BPF_PROG_TYPE_CGROUP_SYSCTL:
    case BPF_PROG_TYPE_CGROUP_SOCKOPT:
      return true;
    default:
      return false;
  }
}

}  // namespace

AttachPlan plan_attach(const std::string& section, uint32_t prog_type, uint32_t expected_attach_type,
                       const AttachTargets& targets) {
  const std::string_view name = section;
  switch (prog_type) {
    case BPF_PROG_TYPE_XDP: {
      if (expected_attach_type == BPF_XDP_DEVMAP || expected_attach_type == BPF_XDP_CPUMAP) {
        return none("a devmap/cpumap XDP program runs from its map, not on an interface");
      }
      if (targets.device.empty()) return none("an XDP program needs an interface (--dev IFACE)");
      AttachPlan plan;
      plan.kind = Kind::Xdp;
      plan.first = targets.device;
      return plan;
    }
    case BPF_PROG_TYPE_SCHED_CLS: {
      if (targets.device.empty()) return none("a tc program needs an interface (--dev IFACE)");
      AttachPlan plan;
      plan.kind = Kind::Tc;
      plan.first = targets.device;
      plan.direction = targets.tc_direction ? targets.tc_direction : direction_in(name);
      if (!plan.direction) {
        return none(fmt::format("section '{}' does not end in ingress or egress; say which with --direction "
                                "ingress|egress (direction: in a deployment file), or use 'bpfload tc DEV "
                                "ingress|egress OBJ sec {}'",
                                section, section));
      }
      return plan;
    }
    case BPF_PROG_TYPE_TRACEPOINT: {
      const std::string_view rest = after_prefix(name, {"tracepoint/", "tp/"});
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
        return none(fmt::format("section '{}' does not say tracepoint/CATEGORY/NAME", section));
      }
      AttachPlan plan;
      plan.kind = Kind::Tracepoint;
      plan.first = std::string(rest.substr(0, slash));
      plan.second = std::string(rest.substr(slash + 1));
      return plan;
    }
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: {
      const std::string_view rest =
          after_prefix(name, {"raw_tracepoint.w/", "raw_tp.w/", "raw_tracepoint/", "raw_tp/"});
      if (rest.empty()) return none(fmt::format("section '{}' does not say raw_tp/NAME", section));
      AttachPlan plan;
      plan.kind = Kind::RawTracepoint;
      plan.first = std::string(rest);
      return plan;
    }
    case BPF_PROG_TYPE_KPROBE: {
      if (auto rest = after_prefix(name, {"kretprobe/"}); !rest.empty()) return kprobe_plan(rest, true);
      if (auto rest = after_prefix(name, {"kprobe/"}); !rest.empty()) return kprobe_plan(rest, false);
      if (auto rest = after_prefix(name, {"uretprobe/", "uretprobe.s/"}); !rest.empty()) return uprobe_plan(rest, true);
      if (auto rest = after_prefix(name, {"uprobe/", "uprobe.s/"}); !rest.empty()) return uprobe_plan(rest, false);
      return none(fmt::format("section '{}' names no kprobe/, kretprobe/, uprobe/ or uretprobe/ target", section));
    }
    case BPF_PROG_TYPE_TRACING:
    case BPF_PROG_TYPE_LSM: {
      AttachPlan plan;
      plan.kind = Kind::Tracing;
      return plan;
    }
    default:
      break;
  }
  if (is_cgroup_type(prog_type)) {
    if (expected_attach_type == 0) {
      return none(fmt::format("section '{}' does not say which cgroup hook (e.g. cgroup_skb/ingress)", section));
    }
    if (targets.cgroup.empty()) return none("a cgroup program needs a cgroup directory (--cgroup PATH)");
    AttachPlan plan;
    plan.kind = Kind::Cgroup;
    plan.first = targets.cgroup;
    return plan;
  }
  return none(fmt::format("bpfload does not attach programs of section '{}' by themselves", section));
}

}  // namespace bpfload
