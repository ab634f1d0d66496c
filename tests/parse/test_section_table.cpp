// The section-name table: libbpf's SEC() names, legacy tail-call sections, enum names.
#include <linux/bpf.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpfload/kernel_names.hpp"
#include "bpfload/section_table.hpp"

namespace bpfload {
namespace {

struct Row {
  const char* section;
  uint32_t type;
  uint32_t attach;
  uint32_t flags;
  const char* attach_to;
};

TEST(SectionTable, KnownNames) {
  const Row rows[] = {
      {"socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, ""},
      {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0, ""},
      {"sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0, ""},
      {"kprobe/do_sys_openat2", BPF_PROG_TYPE_KPROBE, 0, 0, "do_sys_openat2"},
      {"kretprobe/vfs_read", BPF_PROG_TYPE_KPROBE, 0, 0, "vfs_read"},
      {"uprobe/lib.so:f", BPF_PROG_TYPE_KPROBE, 0, 0, "lib.so:f"},
      {"uretprobe.s/x", BPF_PROG_TYPE_KPROBE, 0, BPF_F_SLEEPABLE, "x"},
      {"kprobe.multi/vfs_*", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, "vfs_*"},
      {"ksyscall/write", BPF_PROG_TYPE_KPROBE, 0, 0, "write"},
      {"tracepoint/syscalls/sys_enter_write", BPF_PROG_TYPE_TRACEPOINT, 0, 0, "syscalls/sys_enter_write"},
      {"tp/sched/sched_switch", BPF_PROG_TYPE_TRACEPOINT, 0, 0, "sched/sched_switch"},
      {"raw_tracepoint/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_enter"},
      {"raw_tp/sys_exit", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, "sys_exit"},
      {"raw_tp.w/bpf_test_finish", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, "bpf_test_finish"},
      {"tp_btf/sched_switch", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, 0, "sched_switch"},
      {"fentry/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0, "do_unlinkat"},
      {"fexit/do_unlinkat", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, 0, "do_unlinkat"},
      {"fmod_ret/f", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, 0, "f"},
      {"fentry.s/f", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, BPF_F_SLEEPABLE, "f"},
      {"freplace/handler", BPF_PROG_TYPE_EXT, 0, 0, "handler"},
      {"lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, 0, "file_open"},
      {"lsm.s/bprm", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, BPF_F_SLEEPABLE, "bprm"},
      {"iter/task", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, 0, "task"},
      {"syscall", BPF_PROG_TYPE_SYSCALL, 0, BPF_F_SLEEPABLE, ""},
      {"xdp", BPF_PROG_TYPE_XDP, BPF_XDP, 0, ""},
      {"xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, BPF_F_XDP_HAS_FRAGS, ""},
      {"xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0, ""},
      {"xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, 0, ""},
      {"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, ""},
      {"lwt_in", BPF_PROG_TYPE_LWT_IN, 0, 0, ""},
      {"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, ""},
      {"sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0, ""},
      {"sk_skb", BPF_PROG_TYPE_SK_SKB, 0, 0, ""},
      {"sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0, ""},
      {"sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0, ""},
      {"sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0, ""},
      {"lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, 0, ""},
      {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0, ""},
      {"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, ""},
      {"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, ""},
      {"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, 0, ""},
      {"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0, ""},
      {"cgroup/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0, ""},
      {"cgroup/connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0, ""},
      {"cgroup/sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0, ""},
      {"cgroup/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, 0, ""},
      {"cgroup/getpeername4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, 0, ""},
      {"cgroup/getsockname6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, 0, ""},
      {"cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0, ""},
      {"cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0, ""},
      {"cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0, ""},
      {"struct_ops/dummy", BPF_PROG_TYPE_STRUCT_OPS, 0, 0, "dummy"},
      {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0, ""},
      {"classifier", BPF_PROG_TYPE_SCHED_CLS, 0, 0, ""},
      {"tc", BPF_PROG_TYPE_SCHED_CLS, 0, 0, ""},
      {"action", BPF_PROG_TYPE_SCHED_ACT, 0, 0, ""},
      // Legacy loaders' prefix matches.
      {"socket1", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, ""},
      {"xdp_prog", BPF_PROG_TYPE_XDP, BPF_XDP, 0, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.section);
    const auto kind = section_kind(row.section);
    ASSERT_TRUE(kind.has_value());
    EXPECT_EQ(kind->prog_type, row.type);
    EXPECT_EQ(kind->expected_attach_type, row.attach);
    EXPECT_EQ(kind->prog_flags, row.flags);
    EXPECT_EQ(kind->attach_to, row.attach_to);
    EXPECT_FALSE(kind->tail_call_key.has_value());
  }
}

TEST(SectionTable, UnknownNames) {
  for (const char* name : {"", "ingress", "my_section", ".text", "fentryx/f", "1/x", "/1"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(section_kind(name).has_value());
  }
}

TEST(SectionTable, Iproute2TailCalls) {
  const auto kind = section_kind("1/0");
  ASSERT_TRUE(kind.has_value());
  EXPECT_EQ(kind->prog_type, BPF_PROG_TYPE_SCHED_CLS);
  EXPECT_EQ(kind->tail_call_map_id, 1u);
  EXPECT_EQ(kind->tail_call_key, 0u);
  const auto other = section_kind("42/17");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->tail_call_map_id, 42u);
  EXPECT_EQ(other->tail_call_key, 17u);
  EXPECT_FALSE(section_kind("99999999999/1").has_value());
}

TEST(SectionTable, SamplesTailCalls) {
  const struct {
    const char* section;
    uint32_t type;
    uint32_t key;
  } rows[] = {{"socket/0", BPF_PROG_TYPE_SOCKET_FILTER, 0},
              {"socket/7", BPF_PROG_TYPE_SOCKET_FILTER, 7},
              {"kprobe/3", BPF_PROG_TYPE_KPROBE, 3},
              {"kretprobe/12", BPF_PROG_TYPE_KPROBE, 12},
              {"sockops/1", BPF_PROG_TYPE_SOCK_OPS, 1},
              {"sk_skb/2", BPF_PROG_TYPE_SK_SKB, 2},
              {"sk_msg/5", BPF_PROG_TYPE_SK_MSG, 5}};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.section);
    const auto kind = section_kind(row.section);
    ASSERT_TRUE(kind.has_value());
    EXPECT_EQ(kind->prog_type, row.type);
    EXPECT_EQ(kind->tail_call_key, row.key);
    EXPECT_FALSE(kind->tail_call_map_id.has_value());
  }
  // A kprobe on a function whose name merely starts with a digit-free word is not a tail call.
  EXPECT_FALSE(section_kind("kprobe/sys_write")->tail_call_key.has_value());
}

TEST(SectionTable, EnumNames) {
  EXPECT_EQ(program_type_from_name("xdp").value(), uint32_t{BPF_PROG_TYPE_XDP});
  EXPECT_EQ(program_type_from_name("sched_cls").value(), uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  EXPECT_EQ(program_type_from_name("socket_filter").value(), uint32_t{BPF_PROG_TYPE_SOCKET_FILTER});
  EXPECT_EQ(program_type_from_name("classifier").value(), uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  EXPECT_EQ(program_type_from_name("tc").value(), uint32_t{BPF_PROG_TYPE_SCHED_CLS});
  EXPECT_EQ(program_type_from_name("bogus").error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(map_type_from_name("prog_array").value(), uint32_t{BPF_MAP_TYPE_PROG_ARRAY});
  EXPECT_EQ(map_type_from_name("hash").value(), uint32_t{BPF_MAP_TYPE_HASH});
  EXPECT_EQ(map_type_from_name("nope").error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(program_type_name(BPF_PROG_TYPE_KPROBE), "kprobe");
  EXPECT_EQ(map_type_name(BPF_MAP_TYPE_ARRAY_OF_MAPS), "array_of_maps");
  EXPECT_EQ(attach_type_name(BPF_XDP), "xdp");
  EXPECT_EQ(program_type_name(100000), "unknown(100000)");
  EXPECT_EQ(map_type_name(100000), "unknown(100000)");
}

// ---- The table against libbpf's own list (tests/parse/libbpf_section_defs.txt) ----

struct LibbpfSectionDef {
  std::string name;  ///< "kprobe+" or "socket"
  std::string prog_type;
  std::string attach_type;
  std::string flags;
};

std::vector<LibbpfSectionDef> read_libbpf_section_defs() {
  std::ifstream in(BPFLOAD_TESTS_SOURCE_DIR "/parse/libbpf_section_defs.txt");
  EXPECT_TRUE(in.good()) << "cannot read libbpf_section_defs.txt";
  std::vector<LibbpfSectionDef> defs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    LibbpfSectionDef def;
    fields >> def.name >> def.prog_type >> def.attach_type >> def.flags;
    EXPECT_FALSE(def.flags.empty()) << "malformed line: " << line;
    defs.push_back(def);
  }
  return defs;
}

// Kernel enum values by UAPI name; the ones Debian 12's headers (6.1) lack are written out.
uint32_t prog_type_value(const std::string& short_name) {
  static const std::map<std::string, uint32_t> values = {
      {"SOCKET_FILTER", BPF_PROG_TYPE_SOCKET_FILTER}, {"KPROBE", BPF_PROG_TYPE_KPROBE},
      {"SCHED_CLS", BPF_PROG_TYPE_SCHED_CLS}, {"SCHED_ACT", BPF_PROG_TYPE_SCHED_ACT},
      {"TRACEPOINT", BPF_PROG_TYPE_TRACEPOINT}, {"XDP", BPF_PROG_TYPE_XDP},
      {"PERF_EVENT", BPF_PROG_TYPE_PERF_EVENT}, {"CGROUP_SKB", BPF_PROG_TYPE_CGROUP_SKB},
      {"CGROUP_SOCK", BPF_PROG_TYPE_CGROUP_SOCK}, {"LWT_IN", BPF_PROG_TYPE_LWT_IN},
      {"LWT_OUT", BPF_PROG_TYPE_LWT_OUT}, {"LWT_XMIT", BPF_PROG_TYPE_LWT_XMIT},
      {"SOCK_OPS", BPF_PROG_TYPE_SOCK_OPS}, {"SK_SKB", BPF_PROG_TYPE_SK_SKB},
      {"CGROUP_DEVICE", BPF_PROG_TYPE_CGROUP_DEVICE}, {"SK_MSG", BPF_PROG_TYPE_SK_MSG},
      {"RAW_TRACEPOINT", BPF_PROG_TYPE_RAW_TRACEPOINT}, {"CGROUP_SOCK_ADDR", BPF_PROG_TYPE_CGROUP_SOCK_ADDR},
      {"LWT_SEG6LOCAL", BPF_PROG_TYPE_LWT_SEG6LOCAL}, {"LIRC_MODE2", BPF_PROG_TYPE_LIRC_MODE2},
      {"SK_REUSEPORT", BPF_PROG_TYPE_SK_REUSEPORT}, {"FLOW_DISSECTOR", BPF_PROG_TYPE_FLOW_DISSECTOR},
      {"CGROUP_SYSCTL", BPF_PROG_TYPE_CGROUP_SYSCTL},
      {"RAW_TRACEPOINT_WRITABLE", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE},
      {"CGROUP_SOCKOPT", BPF_PROG_TYPE_CGROUP_SOCKOPT}, {"TRACING", BPF_PROG_TYPE_TRACING},
      {"STRUCT_OPS", BPF_PROG_TYPE_STRUCT_OPS}, {"EXT", BPF_PROG_TYPE_EXT}, {"LSM", BPF_PROG_TYPE_LSM},
      {"SK_LOOKUP", BPF_PROG_TYPE_SK_LOOKUP}, {"SYSCALL", BPF_PROG_TYPE_SYSCALL},
      {"NETFILTER", 32},
  };
  const auto found = values.find(short_name);
  EXPECT_NE(found, values.end()) << "program type " << short_name << " unknown to this test: add it";
  return found == values.end() ? ~0u : found->second;
}

uint32_t attach_type_value(const std::string& name) {
  static const std::map<std::string, uint32_t> values = {
      {"0", 0}, {"BPF_CGROUP_INET_INGRESS", BPF_CGROUP_INET_INGRESS},
      {"BPF_CGROUP_INET_EGRESS", BPF_CGROUP_INET_EGRESS},
      {"BPF_CGROUP_INET_SOCK_CREATE", BPF_CGROUP_INET_SOCK_CREATE},
      {"BPF_CGROUP_SOCK_OPS", BPF_CGROUP_SOCK_OPS}, {"BPF_SK_SKB_STREAM_PARSER", BPF_SK_SKB_STREAM_PARSER},
      {"BPF_SK_SKB_STREAM_VERDICT", BPF_SK_SKB_STREAM_VERDICT}, {"BPF_CGROUP_DEVICE", BPF_CGROUP_DEVICE},
      {"BPF_SK_MSG_VERDICT", BPF_SK_MSG_VERDICT}, {"BPF_CGROUP_INET4_BIND", BPF_CGROUP_INET4_BIND},
      {"BPF_CGROUP_INET6_BIND", BPF_CGROUP_INET6_BIND}, {"BPF_CGROUP_INET4_CONNECT", BPF_CGROUP_INET4_CONNECT},
      {"BPF_CGROUP_INET6_CONNECT", BPF_CGROUP_INET6_CONNECT},
      {"BPF_CGROUP_INET4_POST_BIND", BPF_CGROUP_INET4_POST_BIND},
      {"BPF_CGROUP_INET6_POST_BIND", BPF_CGROUP_INET6_POST_BIND},
      {"BPF_CGROUP_UDP4_SENDMSG", BPF_CGROUP_UDP4_SENDMSG}, {"BPF_CGROUP_UDP6_SENDMSG", BPF_CGROUP_UDP6_SENDMSG},
      {"BPF_LIRC_MODE2", BPF_LIRC_MODE2}, {"BPF_FLOW_DISSECTOR", BPF_FLOW_DISSECTOR},
      {"BPF_CGROUP_SYSCTL", BPF_CGROUP_SYSCTL}, {"BPF_CGROUP_UDP4_RECVMSG", BPF_CGROUP_UDP4_RECVMSG},
      {"BPF_CGROUP_UDP6_RECVMSG", BPF_CGROUP_UDP6_RECVMSG}, {"BPF_CGROUP_GETSOCKOPT", BPF_CGROUP_GETSOCKOPT},
      {"BPF_CGROUP_SETSOCKOPT", BPF_CGROUP_SETSOCKOPT}, {"BPF_TRACE_RAW_TP", BPF_TRACE_RAW_TP},
      {"BPF_TRACE_FENTRY", BPF_TRACE_FENTRY}, {"BPF_TRACE_FEXIT", BPF_TRACE_FEXIT},
      {"BPF_MODIFY_RETURN", BPF_MODIFY_RETURN}, {"BPF_LSM_MAC", BPF_LSM_MAC},
      {"BPF_TRACE_ITER", BPF_TRACE_ITER}, {"BPF_CGROUP_INET4_GETPEERNAME", BPF_CGROUP_INET4_GETPEERNAME},
      {"BPF_CGROUP_INET6_GETPEERNAME", BPF_CGROUP_INET6_GETPEERNAME},
      {"BPF_CGROUP_INET4_GETSOCKNAME", BPF_CGROUP_INET4_GETSOCKNAME},
      {"BPF_CGROUP_INET6_GETSOCKNAME", BPF_CGROUP_INET6_GETSOCKNAME}, {"BPF_XDP_DEVMAP", BPF_XDP_DEVMAP},
      {"BPF_CGROUP_INET_SOCK_RELEASE", BPF_CGROUP_INET_SOCK_RELEASE}, {"BPF_XDP_CPUMAP", BPF_XDP_CPUMAP},
      {"BPF_SK_LOOKUP", BPF_SK_LOOKUP}, {"BPF_XDP", BPF_XDP}, {"BPF_SK_SKB_VERDICT", BPF_SK_SKB_VERDICT},
      {"BPF_SK_REUSEPORT_SELECT", BPF_SK_REUSEPORT_SELECT},
      {"BPF_SK_REUSEPORT_SELECT_OR_MIGRATE", BPF_SK_REUSEPORT_SELECT_OR_MIGRATE},
      {"BPF_PERF_EVENT", BPF_PERF_EVENT}, {"BPF_TRACE_KPROBE_MULTI", BPF_TRACE_KPROBE_MULTI},
      {"BPF_LSM_CGROUP", BPF_LSM_CGROUP},
      // Linux 6.2+ (enum bpf_attach_type is append-only: these are UAPI).
      {"BPF_STRUCT_OPS", 44}, {"BPF_NETFILTER", 45}, {"BPF_TCX_INGRESS", 46}, {"BPF_TCX_EGRESS", 47},
      {"BPF_TRACE_UPROBE_MULTI", 48}, {"BPF_CGROUP_UNIX_CONNECT", 49}, {"BPF_CGROUP_UNIX_SENDMSG", 50},
      {"BPF_CGROUP_UNIX_RECVMSG", 51}, {"BPF_CGROUP_UNIX_GETPEERNAME", 52},
      {"BPF_CGROUP_UNIX_GETSOCKNAME", 53}, {"BPF_NETKIT_PRIMARY", 54}, {"BPF_NETKIT_PEER", 55},
      {"BPF_TRACE_KPROBE_SESSION", 56}, {"BPF_TRACE_UPROBE_SESSION", 57}, {"BPF_TRACE_FSESSION", 58},
  };
  const auto found = values.find(name);
  EXPECT_NE(found, values.end()) << "attach type " << name << " unknown to this test: add it";
  return found == values.end() ? ~0u : found->second;
}

// The program flags a libbpf SEC_* cookie implies (SEC_SLEEPABLE, SEC_XDP_FRAGS); the
// other bits (attachable, attach BTF, USDT) only steer libbpf's own attach code.
uint32_t prog_flags_of(const std::string& cookie) {
  uint32_t flags = 0;
  if (cookie.find("SEC_SLEEPABLE") != std::string::npos) flags |= BPF_F_SLEEPABLE;
  if (cookie.find("SEC_XDP_FRAGS") != std::string::npos) flags |= BPF_F_XDP_HAS_FRAGS;
  return flags;
}

TEST(SectionTable, SameEntriesInTheSameOrderAsLibbpf) {
  const std::vector<LibbpfSectionDef> libbpf = read_libbpf_section_defs();
  const std::vector<SectionDefinition> ours = section_definitions();
  ASSERT_GT(libbpf.size(), 100u);
  std::vector<std::string> libbpf_names;
  std::vector<std::string> our_names;
  for (const LibbpfSectionDef& def : libbpf) libbpf_names.push_back(def.name);
  for (const SectionDefinition& def : ours) our_names.push_back(def.name);
  EXPECT_EQ(our_names, libbpf_names);
  for (size_t i = 0; i < std::min(libbpf.size(), ours.size()); ++i) {
    if (ours[i].name != libbpf[i].name) continue;
    SCOPED_TRACE(ours[i].name);
    EXPECT_EQ(ours[i].prog_type, prog_type_value(libbpf[i].prog_type));
    EXPECT_EQ(ours[i].expected_attach_type, attach_type_value(libbpf[i].attach_type));
    EXPECT_EQ(ours[i].prog_flags, prog_flags_of(libbpf[i].flags));
  }
}

TEST(SectionTable, EveryLibbpfNameMatchesItsOwnEntry) {
  for (const LibbpfSectionDef& def : read_libbpf_section_defs()) {
    const bool plus = def.name.back() == '+';
    const std::string bare = plus ? def.name.substr(0, def.name.size() - 1) : def.name;
    std::vector<std::string> spellings = {bare};
    if (plus) spellings.push_back(bare + "/target");
    for (const std::string& section : spellings) {
      SCOPED_TRACE(section);
      const auto kind = section_kind(section);
      ASSERT_TRUE(kind.has_value());
      EXPECT_EQ(kind->prog_type, prog_type_value(def.prog_type));
      EXPECT_EQ(kind->expected_attach_type, attach_type_value(def.attach_type));
      EXPECT_EQ(kind->prog_flags, prog_flags_of(def.flags));
      EXPECT_TRUE(kind->autoload);
      EXPECT_EQ(kind->attach_to, section == bare ? "" : "target");
    }
  }
}

TEST(SectionTable, QuestionMarkStripsAndTurnsAutoloadOff) {
  for (const char* section : {"?socket", "?tc", "?raw_tp/sys_enter", "?kprobe.session/vfs_read", "?1/0"}) {
    SCOPED_TRACE(section);
    const auto kind = section_kind(section);
    const auto plain = section_kind(std::string_view(section).substr(1));
    ASSERT_TRUE(kind.has_value());
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(kind->autoload);
    EXPECT_TRUE(plain->autoload);
    EXPECT_EQ(kind->prog_type, plain->prog_type);
    EXPECT_EQ(kind->expected_attach_type, plain->expected_attach_type);
    EXPECT_EQ(kind->attach_to, plain->attach_to);
  }
  EXPECT_FALSE(section_kind("?").has_value());
  EXPECT_FALSE(section_kind("?nonsense").has_value());
}

TEST(SectionTable, VariantsAreNotSloppyPrefixMatches) {
  // libbpf names a variant after a '.': an unknown one is unknown, not the base kind.
  const auto session = section_kind("kprobe.session/vfs_read");
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->expected_attach_type, 56u);  // BPF_TRACE_KPROBE_SESSION
  EXPECT_EQ(session->attach_to, "vfs_read");
  for (const char* section : {"kprobe.sessionx/f", "kprobe.bogus/f", "xdp.bogus", "socket.x", "tracepoint.s/a/b"}) {
    SCOPED_TRACE(section);
    EXPECT_FALSE(section_kind(section).has_value());
  }
  // The legacy habits stay: "socket1", "kprobe_sys_write", "xdp_prog".
  EXPECT_EQ(section_kind("kprobe_sys_write")->prog_type, uint32_t{BPF_PROG_TYPE_KPROBE});
}

TEST(SectionTable, HexAndOctalIproute2TailCallIds) {
  const auto hex = section_kind("0xabccba/0");
  ASSERT_TRUE(hex.has_value());
  EXPECT_EQ(hex->tail_call_map_id, 0xabccbau);
  EXPECT_EQ(hex->tail_call_key, 0u);
  const auto mixed = section_kind("0X10/0x1f");
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(mixed->tail_call_map_id, 16u);
  EXPECT_EQ(mixed->tail_call_key, 31u);
  const auto octal = section_kind("010/7");  // "%i" reads a leading 0 as octal
  ASSERT_TRUE(octal.has_value());
  EXPECT_EQ(octal->tail_call_map_id, 8u);
  for (const char* section : {"0x/1", "0xg/1", "09/1", "0x1ffffffff/0"}) {
    SCOPED_TRACE(section);
    EXPECT_FALSE(section_kind(section).has_value());
  }
}

}  // namespace
}  // namespace bpfload
