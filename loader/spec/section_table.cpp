// The one table from section names to program types, following libbpf's section_defs[]
// (libbpf 1.8), plus the legacy tail-call conventions of iproute2 and samples/bpf.
#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"

#include <linux/bpf.h>

#include <array>
#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace bpfload {
namespace {

// How an entry's name matches a section, as libbpf's sec_def_matches():
//   Exact: the whole name; Plus ("kprobe+"): the name alone or followed by '/'.
// `sloppy` entries are also matched as a plain prefix, tried only when nothing else
// matched (libbpf < 1.0 and samples/bpf accepted "socket1", "xdp_prog", "kprobe_sys_write"),
// but never across a '.': "kprobe.session" is not a sloppy "kprobe".
enum class Match { Exact, Plus };

struct SectionDef {
  std::string_view name;
  Match match;
  uint32_t type;         ///< enum bpf_prog_type
  uint32_t attach_type;  ///< enum bpf_attach_type
  uint32_t flags;
  bool sloppy = false;
};

constexpr uint32_t kSleepable = BPF_F_SLEEPABLE;
constexpr uint32_t kFrags = BPF_F_XDP_HAS_FRAGS;

// Program and attach types newer than Debian 12's UAPI headers (Linux 6.1), with the
// kernel that added them.
constexpr uint32_t kProgNetfilter = 32;            // BPF_PROG_TYPE_NETFILTER, 6.4
constexpr uint32_t kAttachNetfilter = 45;          // BPF_NETFILTER, 6.4
constexpr uint32_t kAttachTcxIngress = 46;         // BPF_TCX_INGRESS, 6.6
constexpr uint32_t kAttachTcxEgress = 47;          // BPF_TCX_EGRESS, 6.6
constexpr uint32_t kAttachUprobeMulti = 48;        // BPF_TRACE_UPROBE_MULTI, 6.6
constexpr uint32_t kAttachUnixConnect = 49;        // BPF_CGROUP_UNIX_CONNECT, 6.7
constexpr uint32_t kAttachUnixSendmsg = 50;        // BPF_CGROUP_UNIX_SENDMSG, 6.7
constexpr uint32_t kAttachUnixRecvmsg = 51;        // BPF_CGROUP_UNIX_RECVMSG, 6.7
constexpr uint32_t kAttachUnixGetpeername = 52;    // BPF_CGROUP_UNIX_GETPEERNAME, 6.7
constexpr uint32_t kAttachUnixGetsockname = 53;    // BPF_CGROUP_UNIX_GETSOCKNAME, 6.7
constexpr uint32_t kAttachNetkitPrimary = 54;      // BPF_NETKIT_PRIMARY, 6.7
constexpr uint32_t kAttachNetkitPeer = 55;         // BPF_NETKIT_PEER, 6.7
constexpr uint32_t kAttachKprobeSession = 56;      // BPF_TRACE_KPROBE_SESSION, 6.10
constexpr uint32_t kAttachUprobeSession = 57;      // BPF_TRACE_UPROBE_SESSION, 6.13
constexpr uint32_t kAttachFsession = 58;           // BPF_TRACE_FSESSION, 7.0

// libbpf 1.8's section_defs[], in its order (first match wins), as facts: names, types,
// attach types, sleepable and frags flags. tests/parse/libbpf_section_defs.txt holds the
// same list as extracted from libbpf and the section-table test compares the two.
constexpr std::array kSections = {
    SectionDef{"socket", Match::Exact, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, true},
    SectionDef{"sk_reuseport/migrate", Match::Exact, BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0},
    SectionDef{"sk_reuseport", Match::Exact, BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0},
    SectionDef{"kprobe", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0, true},
    SectionDef{"uprobe", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0},
    SectionDef{"uprobe.s", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, kSleepable},
    SectionDef{"kretprobe", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0, true},
    SectionDef{"uretprobe", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0},
    SectionDef{"uretprobe.s", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, kSleepable},
    SectionDef{"kprobe.multi", Match::Plus, BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0},
    SectionDef{"kretprobe.multi", Match::Plus, BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0},
    SectionDef{"kprobe.session", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachKprobeSession, 0},
    SectionDef{"uprobe.multi", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeMulti, 0},
    SectionDef{"uretprobe.multi", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeMulti, 0},
    SectionDef{"uprobe.session", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeSession, 0},
    SectionDef{"uprobe.multi.s", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeMulti, kSleepable},
    SectionDef{"uretprobe.multi.s", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeMulti, kSleepable},
    SectionDef{"uprobe.session.s", Match::Plus, BPF_PROG_TYPE_KPROBE, kAttachUprobeSession, kSleepable},
    SectionDef{"ksyscall", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0},
    SectionDef{"kretsyscall", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0},
    SectionDef{"usdt", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, 0},
    SectionDef{"usdt.s", Match::Plus, BPF_PROG_TYPE_KPROBE, 0, kSleepable},
    SectionDef{"tc/ingress", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachTcxIngress, 0},
    SectionDef{"tc/egress", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachTcxEgress, 0},
    SectionDef{"tcx/ingress", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachTcxIngress, 0},
    SectionDef{"tcx/egress", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachTcxEgress, 0},
    SectionDef{"tc", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, 0, 0},
    SectionDef{"classifier", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, 0, 0, true},
    SectionDef{"action", Match::Exact, BPF_PROG_TYPE_SCHED_ACT, 0, 0, true},
    SectionDef{"netkit/primary", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachNetkitPrimary, 0},
    SectionDef{"netkit/peer", Match::Exact, BPF_PROG_TYPE_SCHED_CLS, kAttachNetkitPeer, 0},
    SectionDef{"tracepoint", Match::Plus, BPF_PROG_TYPE_TRACEPOINT, 0, 0, true},
    SectionDef{"tp", Match::Plus, BPF_PROG_TYPE_TRACEPOINT, 0, 0},
    SectionDef{"raw_tracepoint", Match::Plus, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, true},
    SectionDef{"raw_tp", Match::Plus, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, true},
    SectionDef{"raw_tracepoint.w", Match::Plus, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0},
    SectionDef{"raw_tp.w", Match::Plus, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0},
    SectionDef{"tp_btf", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, 0},
    SectionDef{"fentry", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0},
    SectionDef{"fmod_ret", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, 0},
    SectionDef{"fexit", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, 0},
    SectionDef{"fentry.s", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, kSleepable},
    SectionDef{"fmod_ret.s", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, kSleepable},
    SectionDef{"fexit.s", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, kSleepable},
    SectionDef{"fsession", Match::Plus, BPF_PROG_TYPE_TRACING, kAttachFsession, 0},
    SectionDef{"fsession.s", Match::Plus, BPF_PROG_TYPE_TRACING, kAttachFsession, kSleepable},
    SectionDef{"freplace", Match::Plus, BPF_PROG_TYPE_EXT, 0, 0},
    SectionDef{"lsm", Match::Plus, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, 0},
    SectionDef{"lsm.s", Match::Plus, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, kSleepable},
    SectionDef{"lsm_cgroup", Match::Plus, BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, 0},
    SectionDef{"iter", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, 0},
    SectionDef{"iter.s", Match::Plus, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, kSleepable},
    SectionDef{"syscall", Match::Exact, BPF_PROG_TYPE_SYSCALL, 0, kSleepable},
    SectionDef{"xdp.frags/devmap", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, kFrags},
    SectionDef{"xdp/devmap", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0},
    SectionDef{"xdp.frags/cpumap", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, kFrags},
    SectionDef{"xdp/cpumap", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, 0},
    SectionDef{"xdp.frags", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP, kFrags},
    SectionDef{"xdp", Match::Exact, BPF_PROG_TYPE_XDP, BPF_XDP, 0, true},
    SectionDef{"perf_event", Match::Exact, BPF_PROG_TYPE_PERF_EVENT, 0, 0, true},
    SectionDef{"lwt_in", Match::Exact, BPF_PROG_TYPE_LWT_IN, 0, 0, true},
    SectionDef{"lwt_out", Match::Exact, BPF_PROG_TYPE_LWT_OUT, 0, 0, true},
    SectionDef{"lwt_xmit", Match::Exact, BPF_PROG_TYPE_LWT_XMIT, 0, 0, true},
    SectionDef{"lwt_seg6local", Match::Exact, BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, true},
    SectionDef{"sockops", Match::Exact, BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0, true},
    SectionDef{"sk_skb/stream_parser", Match::Exact, BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0, true},
    SectionDef{"sk_skb/stream_verdict", Match::Exact, BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0, true},
    SectionDef{"sk_skb", Match::Exact, BPF_PROG_TYPE_SK_SKB, 0, 0, true},
    SectionDef{"sk_msg", Match::Exact, BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0, true},
    SectionDef{"lirc_mode2", Match::Exact, BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, 0, true},
    SectionDef{"flow_dissector", Match::Exact, BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0, true},
    SectionDef{"cgroup_skb/ingress", Match::Exact, BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, true},
    SectionDef{"cgroup_skb/egress", Match::Exact, BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, true},
    SectionDef{"cgroup/skb", Match::Exact, BPF_PROG_TYPE_CGROUP_SKB, 0, 0, true},
    SectionDef{"cgroup/sock_create", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0},
    SectionDef{"cgroup/sock_release", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, 0},
    SectionDef{"cgroup/sock", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0, true},
    SectionDef{"cgroup/post_bind4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0},
    SectionDef{"cgroup/post_bind6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, 0},
    SectionDef{"cgroup/bind4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 0},
    SectionDef{"cgroup/bind6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, 0},
    SectionDef{"cgroup/connect4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0},
    SectionDef{"cgroup/connect6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0},
    SectionDef{"cgroup/connect_unix", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, kAttachUnixConnect, 0},
    SectionDef{"cgroup/sendmsg4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0},
    SectionDef{"cgroup/sendmsg6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, 0},
    SectionDef{"cgroup/sendmsg_unix", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, kAttachUnixSendmsg, 0},
    SectionDef{"cgroup/recvmsg4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0},
    SectionDef{"cgroup/recvmsg6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, 0},
    SectionDef{"cgroup/recvmsg_unix", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, kAttachUnixRecvmsg, 0},
    SectionDef{"cgroup/getpeername4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, 0},
    SectionDef{"cgroup/getpeername6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, 0},
    SectionDef{"cgroup/getpeername_unix", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, kAttachUnixGetpeername, 0},
    SectionDef{"cgroup/getsockname4", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, 0},
    SectionDef{"cgroup/getsockname6", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, 0},
    SectionDef{"cgroup/getsockname_unix", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, kAttachUnixGetsockname, 0},
    SectionDef{"cgroup/sysctl", Match::Exact, BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0},
    SectionDef{"cgroup/getsockopt", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0},
    SectionDef{"cgroup/setsockopt", Match::Exact, BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0},
    SectionDef{"cgroup/dev", Match::Exact, BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0},
    SectionDef{"struct_ops", Match::Plus, BPF_PROG_TYPE_STRUCT_OPS, 0, 0},
    SectionDef{"struct_ops.s", Match::Plus, BPF_PROG_TYPE_STRUCT_OPS, 0, kSleepable},
    SectionDef{"sk_lookup", Match::Exact, BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0},
    SectionDef{"netfilter", Match::Exact, kProgNetfilter, kAttachNetfilter, 0},
};

std::optional<uint32_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

SectionKind kind_of(const SectionDef& def, std::string_view attach_to) {
  SectionKind kind;
  kind.prog_type = def.type;
  kind.expected_attach_type = def.attach_type;
  kind.prog_flags = def.flags;
  kind.attach_to = std::string(attach_to);
  return kind;
}

// A number as C's "%i" reads it, which iproute2 parsed "ID/KEY" with: decimal, hex
// after "0x" (iproute2's bpf_cyclic uses "0xabccba/0"), octal after a leading 0.
std::optional<uint32_t> parse_c_integer(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 11) return std::nullopt;
  uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// iproute2: "ID/KEY", numbers as "%i" reads them. iproute2 gave such programs the type
// named on the tc command line; bpfload has no command line here and uses SCHED_CLS
// (callers can override it through ParseOptions::program_types).
std::optional<SectionKind> iproute2_tail_call(std::string_view section) {
  const size_t slash = section.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto id = parse_c_integer(section.substr(0, slash));
  const auto key = parse_c_integer(section.substr(slash + 1));
  if (!id || !key) return std::nullopt;
  SectionKind kind;
  kind.prog_type = BPF_PROG_TYPE_SCHED_CLS;
  kind.tail_call_key = *key;
  kind.tail_call_map_id = *id;
  return kind;
}

// samples/bpf bpf_load.c: "socket/N", "kprobe/N", "kretprobe/N", "sockops/N", "sk_skb/N",
// "sk_msg/N" put the program at key N of the object's prog array.
std::optional<SectionKind> samples_tail_call(std::string_view section) {
  static constexpr std::array<std::string_view, 6> kPrefixes = {"socket/", "kprobe/", "kretprobe/",
                                                                "sockops/", "sk_skb/", "sk_msg/"};
  for (std::string_view prefix : kPrefixes) {
    if (!section.starts_with(prefix)) continue;
    const auto key = parse_decimal(section.substr(prefix.size()));
    if (!key) return std::nullopt;
    const std::string_view base = prefix.substr(0, prefix.size() - 1);
    for (const SectionDef& def : kSections) {
      if (def.name != base) continue;
      SectionKind kind = kind_of(def, {});
      kind.tail_call_key = *key;
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<SectionKind> section_kind(std::string_view section) {
  // libbpf: SEC("?name") is SEC("name") left out of autoload.
  if (section.starts_with('?')) {
    std::optional<SectionKind> kind = section_kind(section.substr(1));
    if (kind) kind->autoload = false;
    return kind;
  }
  if (auto kind = iproute2_tail_call(section)) return kind;
  if (auto kind = samples_tail_call(section)) return kind;
  for (const SectionDef& def : kSections) {
    if (def.match == Match::Exact && section == def.name) return kind_of(def, {});
    if (def.match != Match::Plus || !section.starts_with(def.name)) continue;
    const std::string_view rest = section.substr(def.name.size());
    if (rest.empty()) return kind_of(def, {});
    if (rest.front() == '/') return kind_of(def, rest.substr(1));
  }
  // Legacy loaders matched plain prefixes ("socket1", "xdp_prog", "kprobe_sys_write"); a
  // '.' after the prefix names a libbpf variant ("kprobe.session") this table lacks.
  for (const SectionDef& def : kSections) {
    if (!def.sloppy || !section.starts_with(def.name)) continue;
    const std::string_view rest = section.substr(def.name.size());
    if (rest.starts_with('.')) continue;
    return kind_of(def, rest.starts_with('/') ? rest.substr(1) : std::string_view{});
  }
  return std::nullopt;
}

std::vector<SectionDefinition> section_definitions() {
  std::vector<SectionDefinition> out;
  out.reserve(kSections.size());
  for (const SectionDef& def : kSections)
    out.push_back({std::string(def.name) + (def.match == Match::Plus ? "+" : ""), def.type, def.attach_type,
                   def.flags});
  return out;
}

namespace {

// Every name `name_of` knows, for the message of an unknown one ("unspec" is no choice).
std::string known_type_names(std::string (*name_of)(uint32_t)) {
  std::string names;
  for (uint32_t value = 1; value < 64; ++value) {
    const std::string known = name_of(value);
    if (known.rfind("unknown(", 0) == 0) continue;
    names += (names.empty() ? "" : ", ") + known;
  }
  return names;
}

}  // namespace

Result<uint32_t> program_type_from_name(std::string_view name) {
  if (auto value = program_type_by_libbpf_name(name)) return *value;
  for (const SectionDef& def : kSections)
    if (def.name == name) return static_cast<uint32_t>(def.type);
  return make_error(ErrorKind::InvalidArgument, fmt::format("unknown program type '{}' (types: {})", name,
                                                           known_type_names(&program_type_name)));
}

Result<uint32_t> map_type_from_name(std::string_view name) {
  if (auto value = map_type_by_libbpf_name(name)) return *value;
  return make_error(ErrorKind::InvalidArgument,
                    fmt::format("unknown map type '{}' (types: {})", name, known_type_names(&map_type_name)));
}

}  // namespace bpfload
