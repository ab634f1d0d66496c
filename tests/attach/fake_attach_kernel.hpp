// An AttachKernel that keeps its world in memory: interfaces, qdiscs, filters, links, pins.
// Links are pipe write ends whose read ends the fake keeps, so it sees when every fd and pin
// of a link is gone. Any call can be scripted to fail.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bpfload/attach_kernel.hpp"

namespace bpfload::test {

class FakeAttachKernel final : public AttachKernel {
 public:
  FakeAttachKernel();
  ~FakeAttachKernel() override;

  // The world.
  std::map<std::string, uint32_t> interfaces{{"veth0", 7}, {"veth1", 8}};
  std::set<std::string> tracepoints{"syscalls:sys_enter_getpid"};
  bool tcx = true;
  bool kprobe_pmu = false;
  bool perf_links = true;
  bool sockmap_links = true;  ///< false: link_create refuses sk_msg/sk_skb (before 6.10)
  int prog_attached = 0;      ///< BPF_PROG_ATTACHes not detached
  std::set<uint32_t> qdiscs;                 ///< ifindexes with a clsact qdisc
  std::map<uint32_t, uint32_t> xdp_netlink;  ///< ifindex -> attached program fd
  struct Filter {
    uint32_t ifindex;
    TcDirection direction;
    TcFilterId id;
  };
  std::vector<Filter> filters;
  std::map<std::string, int> pins;  ///< path -> our dup of the pinned fd
  std::set<std::string> directories;  ///< made through make_directory
  std::vector<std::string> calls;   ///< one line per call, "link_create type=46 target=7"
  std::vector<PerfEventRequest> perf_requests;
  std::vector<std::string> perf_names;  ///< config1 strings of kprobe/uprobe events
  int socket_filters = 0;  ///< socket filters attached and not detached

  /// The `n`th call from now on (1-based, counting every method) fails with `err`.
  void fail_call(int n, int err) { fail_at_ = static_cast<int>(calls.size()) + n; fail_errno_ = err; }
  /// Every call to `method` fails with `err`.
  void fail_method(const std::string& method, int err) { failing_methods_[method] = err; }
  /// Links whose every fd and pin is still open and that were not BPF_LINK_DETACHed.
  [[nodiscard]] int live_links();

  Result<Fd> link_create(const LinkCreateRequest& request) override;
  Status link_detach(int link_fd) override;
  Result<LinkInfo> link_info(int link_fd) override;
  Result<std::vector<uint32_t>> link_ids() override;
  Result<Fd> link_by_id(uint32_t id) override;
  Result<uint32_t> prog_id(int prog_fd) override;
  Result<Fd> duplicate(int fd) override;
  Status pin(int fd, const std::string& path) override;
  Result<Fd> pinned(const std::string& path) override;
  Status unpin(const std::string& path) override;
  Result<bool> make_directory(const std::string& path) override;
  Status remove_directory(const std::string& path) override;
  Status prog_attach(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags) override;
  Status prog_detach(int prog_fd, int target_fd, uint32_t attach_type) override;
  Result<std::vector<uint32_t>> query_prog_ids(int target, uint32_t attach_type) override;
  Result<uint32_t> interface_index(const std::string& name) override;
  Status xdp_attach(uint32_t ifindex, int prog_fd, uint32_t flags) override;
  Status xdp_detach(uint32_t ifindex, int expected_prog_fd, uint32_t flags) override;
  Result<uint32_t> xdp_attached_id(uint32_t ifindex, uint32_t flags) override;
  Result<bool> clsact_create(uint32_t ifindex) override;
  Status clsact_destroy(uint32_t ifindex) override;
  Result<TcFilterId> tc_filter_attach(uint32_t ifindex, TcDirection direction, int prog_fd,
                                      TcFilterId wanted, bool replace) override;
  Status tc_filter_detach(uint32_t ifindex, TcDirection direction, TcFilterId filter) override;
  Status tc_filters_flush(uint32_t ifindex, TcDirection direction) override;
  bool has_tcx() override { return tcx; }
  Result<uint32_t> tracepoint_id(const std::string& category, const std::string& name) override;
  Result<uint32_t> pmu_type(const std::string& name) override;
  Result<uint32_t> pmu_retprobe_bit(const std::string& name) override;
  Result<Fd> perf_event_open(const PerfEventRequest& request) override;
  Status perf_event_set_bpf(int perf_fd, int prog_fd) override;
  Result<Fd> raw_tracepoint_open(const std::string& name, int prog_fd) override;
  Result<Fd> open_cgroup(const std::string& path) override;
  Status socket_attach_filter(int socket_fd, int prog_fd) override;
  Status socket_detach_filter(int socket_fd) override;

  struct Link {
    uint32_t id;
    LinkInfo info;
    int read_end;
    bool detached = false;
  };
  std::vector<Link> links;

 private:
  std::optional<Error> enter(const std::string& call);
  Result<Fd> new_link(LinkInfo info);
  Link* link_of(int fd);
  int fail_at_ = -1;
  int fail_errno_ = 0;
  std::map<std::string, int> failing_methods_;
  uint32_t next_link_id_ = 100;
};

}  // namespace bpfload::test
