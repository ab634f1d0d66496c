// The section-name table: libbpf's SEC() names, legacy tail-call sections, enum names.
#include <linux/bpf.h>

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

}  // namespace
}  // namespace bpfload
