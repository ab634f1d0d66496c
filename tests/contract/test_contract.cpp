// The contract between the seam's two worlds: the same scenarios, with the same
// assertions, on the fake world (FakeKernel, no privileges) and on the real kernel (as
// root), so the fake's fidelity is measured, not assumed. A scenario asserts what code
// above the seam relies on: errnos, error kinds, what exists afterwards.
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attach_test_support.hpp"
#include "bpfload/object_file.hpp"
#include "bpfload/attach.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/system.hpp"
#include "bpfload/testing/fake_kernel.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

/// Where a scenario runs: a kernel, an empty directory on bpffs, one on an ordinary
/// filesystem, and (for network scenarios) a device with nothing attached.
class World {
 public:
  virtual ~World() = default;
  virtual Kernel& kernel() = 0;
  [[nodiscard]] virtual std::string bpffs() const = 0;
  [[nodiscard]] virtual std::string files() const = 0;
  virtual void write_file(const std::string& path, const std::string& contents) = 0;
  virtual void make_fifo(const std::string& path) = 0;
  virtual void make_symlink(const std::string& path, const std::string& target) = 0;
  /// A device with nothing attached; "" when it cannot be had (the reason in error()).
  virtual std::string device() = 0;
  [[nodiscard]] virtual std::string error() const { return {}; }
};

class FakeWorld final : public World {
 public:
  FakeWorld() {
    (void)fake_.make_directory(bpffs());
    (void)fake_.make_directory(files());
    fake_.add_tracepoint("syscalls", "sys_enter_getppid", 322);
  }
  Kernel& kernel() override { return fake_; }
  [[nodiscard]] std::string bpffs() const override { return "/sys/fs/bpf/contract"; }
  [[nodiscard]] std::string files() const override { return "/tmp/contract"; }
  void write_file(const std::string& path, const std::string& contents) override { fake_.add_file(path, contents); }
  void make_fifo(const std::string& path) override { fake_.add_fifo(path); }
  void make_symlink(const std::string& path, const std::string& target) override { fake_.add_symlink(path, target); }
  std::string device() override { return "veth0"; }

 private:
  FakeKernel fake_;
};

class RealWorld final : public World {
 public:
  RealWorld() {
    char pattern[] = "/tmp/bpfload-contract-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    files_ = made != nullptr ? made : "";
  }
  ~RealWorld() override {
    std::error_code ignored;
    if (!files_.empty()) std::filesystem::remove_all(files_, ignored);
  }
  Kernel& kernel() override { return system_kernel(); }
  [[nodiscard]] std::string bpffs() const override { return pins_.path(); }
  [[nodiscard]] std::string files() const override { return files_; }
  void write_file(const std::string& path, const std::string& contents) override {
    std::ofstream(path, std::ios::binary) << contents;
  }
  void make_fifo(const std::string& path) override { ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0); }
  void make_symlink(const std::string& path, const std::string& target) override {
    ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
  }
  std::string device() override {
    if (!ns_) ns_ = std::make_unique<test::VethNamespace>();
    return ns_->ok() ? ns_->receiver() : "";
  }
  [[nodiscard]] std::string error() const override { return ns_ ? ns_->error() : ""; }

 private:
  test::TempBpffsDir pins_;
  std::string files_;
  std::unique_ptr<test::VethNamespace> ns_;
};

class Contract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "kernel") {
      BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
      world_ = std::make_unique<RealWorld>();
    } else {
      world_ = std::make_unique<FakeWorld>();
    }
  }
  World& world() { return *world_; }
  Kernel& kernel() { return world_->kernel(); }

 private:
  std::unique_ptr<World> world_;
};

template <typename T>
std::span<const std::byte> bytes_of(const T& value) {
  return std::as_bytes(std::span(&value, 1));
}

template <typename T>
std::span<std::byte> writable(T& value) {
  return std::as_writable_bytes(std::span(&value, 1));
}

Fd make_map(Kernel& kernel, uint32_t type, uint32_t max_entries, uint32_t value_size = 4) {
  MapCreateRequest request;
  request.type = type;
  request.name = "contract";
  request.key_size = 4;
  request.value_size = value_size;
  request.max_entries = max_entries;
  Result<Fd> map = kernel.map_create(request);
  EXPECT_TRUE(map.ok()) << map.error().message;
  return map.ok() ? std::move(*map) : Fd();
}

int errno_of(const Status& status) { return status.ok() ? 0 : status.error().sys_errno; }

TEST_P(Contract, MapsKeepTheKernelsSizeAndUpdateRules) {
  Fd array = make_map(kernel(), BPF_MAP_TYPE_ARRAY, 2);
  const uint32_t zero = 0, one = 1, two = 2, value = 7;
  EXPECT_EQ(errno_of(kernel().map_update(array.get(), bytes_of(two), bytes_of(value), BPF_ANY)), E2BIG);
  EXPECT_EQ(errno_of(kernel().map_update(array.get(), bytes_of(one), bytes_of(value), BPF_NOEXIST)), EEXIST);
  uint32_t read = 99;
  ASSERT_TRUE(kernel().map_lookup(array.get(), bytes_of(one), writable(read)).ok());
  EXPECT_EQ(read, 0u) << "array slots exist, zeroed, from creation";
  EXPECT_EQ(errno_of(kernel().map_delete(array.get(), bytes_of(one))), EINVAL);
  const uint8_t short_value = 1;
  Status short_update = kernel().map_update(array.get(), bytes_of(one), bytes_of(short_value), BPF_ANY);
  ASSERT_FALSE(short_update.ok());
  EXPECT_EQ(short_update.error().kind, ErrorKind::InvalidArgument);
  ASSERT_TRUE(kernel().map_freeze(array.get()).ok());
  EXPECT_EQ(errno_of(kernel().map_update(array.get(), bytes_of(zero), bytes_of(value), BPF_ANY)), EPERM);

  Fd hash = make_map(kernel(), BPF_MAP_TYPE_HASH, 1);
  EXPECT_EQ(errno_of(kernel().map_update(hash.get(), bytes_of(one), bytes_of(value), BPF_EXIST)), ENOENT);
  ASSERT_TRUE(kernel().map_update(hash.get(), bytes_of(one), bytes_of(value), BPF_NOEXIST).ok());
  EXPECT_EQ(errno_of(kernel().map_update(hash.get(), bytes_of(two), bytes_of(value), BPF_ANY)), E2BIG) << "full";
  EXPECT_EQ(errno_of(kernel().map_lookup(hash.get(), bytes_of(two), writable(read))), ENOENT);
  uint32_t key = 0;
  Result<bool> first = kernel().map_next_key(hash.get(), {}, writable(key));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_EQ(key, one);
  Result<bool> end = kernel().map_next_key(hash.get(), bytes_of(one), writable(key));
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);

  Result<MapInfo> info = kernel().map_info(hash.get());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->type, static_cast<uint32_t>(BPF_MAP_TYPE_HASH));
  EXPECT_EQ(info->max_entries, 1u);
  EXPECT_EQ(info->name, "contract");
}

TEST_P(Contract, PinsLiveInBpffsDirectoriesWithTheKernelsErrors) {
  const std::string dir = world().bpffs() + "/set";
  Fd map = make_map(kernel(), BPF_MAP_TYPE_ARRAY, 1);
  EXPECT_EQ(errno_of(kernel().obj_pin(map.get(), dir + "/m")), ENOENT) << "the directory is missing";
  ASSERT_TRUE(kernel().make_directory(dir).ok());
  EXPECT_EQ(errno_of(kernel().make_directory(dir)), EEXIST);
  ASSERT_TRUE(kernel().obj_pin(map.get(), dir + "/m").ok());
  EXPECT_EQ(errno_of(kernel().obj_pin(map.get(), dir + "/m")), EEXIST);
  Result<Fd> again = kernel().obj_get(dir + "/m");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(kernel().map_info(again->get())->id, kernel().map_info(map.get())->id);
  EXPECT_EQ(*kernel().file_kind(dir + "/m", false), FileKind::Regular);
  EXPECT_EQ(*kernel().file_kind(dir, false), FileKind::Directory);
  EXPECT_EQ(*kernel().file_kind(dir + "/nothing", false), FileKind::Missing);
  Result<std::vector<DirectoryEntry>> listed = kernel().list_directory(dir);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "m");
  EXPECT_EQ((*listed)[0].kind, FileKind::Regular);
  EXPECT_EQ(errno_of(kernel().remove_directory(dir)), ENOTEMPTY);
  EXPECT_TRUE(check_bpffs(kernel(), dir).ok());
  EXPECT_EQ(check_bpffs(kernel(), world().files()).error().kind, ErrorKind::InvalidArgument);
  ASSERT_TRUE(kernel().unpin(dir + "/m").ok());
  EXPECT_EQ(errno_of(kernel().unpin(dir + "/m")), ENOENT);
  EXPECT_TRUE(kernel().remove_directory(dir).ok());
  EXPECT_EQ(kernel().list_directory(dir).error().kind, ErrorKind::NotFound);
}

TEST_P(Contract, APinThroughASymlinkPlantedInBpffsIsRefusedAndLandsNowhere) {
  const std::string elsewhere = world().bpffs() + "/elsewhere";
  ASSERT_TRUE(kernel().make_directory(elsewhere).ok());
  world().make_symlink(world().bpffs() + "/planted", elsewhere);
  Fd map = make_map(kernel(), BPF_MAP_TYPE_ARRAY, 1);
  Status pinned = kernel().obj_pin(map.get(), world().bpffs() + "/planted/m");
  ASSERT_FALSE(pinned.ok());
  EXPECT_EQ(pinned.error().kind, ErrorKind::InvalidArgument) << pinned.error().message;
  EXPECT_THAT(pinned.error().message, HasSubstr("symbolic link"));
  EXPECT_THAT(*kernel().list_directory(elsewhere), IsEmpty());
  EXPECT_EQ(*kernel().file_kind(world().bpffs() + "/planted", false), FileKind::Symlink);
  EXPECT_EQ(*kernel().file_kind(world().bpffs() + "/planted", true), FileKind::Directory);
}

TEST_P(Contract, DirectoriesSwapAtomicallyAndRenameRefusesAFullTarget) {
  const std::string a = world().bpffs() + "/a";
  const std::string b = world().bpffs() + "/b";
  ASSERT_TRUE(kernel().make_directory(a).ok());
  ASSERT_TRUE(kernel().make_directory(b).ok());
  Fd first = make_map(kernel(), BPF_MAP_TYPE_ARRAY, 1);
  Fd second = make_map(kernel(), BPF_MAP_TYPE_ARRAY, 1);
  ASSERT_TRUE(kernel().obj_pin(first.get(), a + "/m").ok());
  ASSERT_TRUE(kernel().obj_pin(second.get(), b + "/m").ok());
  ASSERT_TRUE(exchange_directories(kernel(), a, b).ok());
  EXPECT_EQ(kernel().map_info(kernel().obj_get(a + "/m")->get())->id, kernel().map_info(second.get())->id);
  EXPECT_EQ(kernel().map_info(kernel().obj_get(b + "/m")->get())->id, kernel().map_info(first.get())->id);
  EXPECT_EQ(errno_of(kernel().rename(a, b)), ENOTEMPTY);
  EXPECT_EQ(errno_of(kernel().exchange(a, world().bpffs() + "/missing")), ENOENT);
  ASSERT_TRUE(kernel().unpin(b + "/m").ok());
  ASSERT_TRUE(kernel().rename(a, world().bpffs() + "/c").ok());
  EXPECT_EQ(*kernel().file_kind(a, false), FileKind::Missing);
  EXPECT_EQ(*kernel().file_kind(world().bpffs() + "/c/m", false), FileKind::Regular);
}

TEST_P(Contract, TheOneFileReaderReadsRegularFilesOnlyAndBounded) {
  const std::string file = world().files() + "/text";
  world().write_file(file, "hello\n");
  Result<std::vector<std::byte>> read = kernel().read_file(file, 64);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(read->data()), read->size()), "hello\n");
  EXPECT_EQ(kernel().read_file(file, 3).error().kind, ErrorKind::LimitExceeded);
  EXPECT_EQ(kernel().read_file(file, 64, "\x7f" "ELF").error().kind, ErrorKind::Malformed);
  Result<std::vector<std::byte>> missing = kernel().read_file(file + ".absent", 64);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::Io);
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  const std::string fifo = world().files() + "/fifo";
  world().make_fifo(fifo);
  Result<std::vector<std::byte>> from_fifo = kernel().read_file(fifo, 64);  // must not block
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_EQ(from_fifo.error().kind, ErrorKind::InvalidArgument);
  EXPECT_THAT(from_fifo.error().message, HasSubstr("FIFO"));
  EXPECT_EQ(kernel().read_file(world().files(), 64).error().kind, ErrorKind::InvalidArgument);
  size_t chunks_bytes = 0;
  ASSERT_TRUE(kernel()
                  .read_file_chunks(file, 64,
                                    [&](std::span<const std::byte> chunk) -> Status {
                                      chunks_bytes += chunk.size();
                                      return {};
                                    })
                  .ok());
  EXPECT_EQ(chunks_bytes, 6u);
}

/// Ids of the links in the system that run one of `programs`.
std::set<uint32_t> links_of(Kernel& kernel, const std::set<uint32_t>& programs) {
  std::set<uint32_t> out;
  Result<std::vector<LinkEntry>> links = list_links(kernel);
  EXPECT_TRUE(links.ok()) << links.error().message;
  if (!links.ok()) return out;
  for (const LinkEntry& link : *links)
    if (programs.contains(link.info.prog_id)) out.insert(link.info.id);
  return out;
}

TEST_P(Contract, LoadAttachAndPinThenDetachThePinnedSetLeavesNothing) {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("attach_trace_legacy.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const std::string dir = world().bpffs() + "/app";
  std::set<uint32_t> programs;
  {
    LoadOptions options;
    options.kernel = &kernel();
    options.pin_dir = dir;
    Result<LoadedObject> loaded = load_object(*spec, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    for (const ProgramResult& program : loaded->report().programs) programs.insert(program.id);
    Result<AttachSet> set = attach_all(kernel(), attachable_programs(*spec, *loaded, {}), {});
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->attachments().size(), 2u);
    ASSERT_TRUE(set->pin_all(kernel(), dir).ok());
    EXPECT_EQ(links_of(kernel(), programs).size(), 2u);
  }
  // Every fd is closed: the pins hold the links, the maps and the programs.
  EXPECT_EQ(links_of(kernel(), programs).size(), 2u) << "the pins keep the links attached";
  Result<std::vector<DirectoryEntry>> links = kernel().list_directory(dir + "/links");
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(links->size(), 2u);
  EXPECT_FALSE(kernel().list_directory(dir + "/maps")->empty());
  EXPECT_FALSE(kernel().list_directory(dir + "/progs")->empty());
  Result<std::vector<std::string>> removed = detach_pinned(kernel(), dir);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_THAT(*removed, Contains(dir));
  EXPECT_EQ(*kernel().file_kind(dir, false), FileKind::Missing);
  EXPECT_THAT(links_of(kernel(), programs), IsEmpty()) << "a link outlived its pin";
}

// A symlink planted where the link pins go (<dir>/links, pointing elsewhere in bpffs):
// pin_all refuses it, nothing lands where it points, and the attachments are undone.
TEST_P(Contract, ASymlinkPlantedWhereLinkPinsGoSendsNothingOutsideThePinDirectory) {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("attach_trace_legacy.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const std::string dir = world().bpffs() + "/app";
  const std::string elsewhere = world().bpffs() + "/elsewhere";
  ASSERT_TRUE(kernel().make_directory(dir).ok());
  ASSERT_TRUE(kernel().make_directory(elsewhere).ok());
  world().make_symlink(dir + "/links", elsewhere);
  std::set<uint32_t> programs;
  {
    LoadOptions options;
    options.kernel = &kernel();
    Result<LoadedObject> loaded = load_object(*spec, options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    for (const ProgramResult& program : loaded->report().programs) programs.insert(program.id);
    Result<AttachSet> set = attach_all(kernel(), attachable_programs(*spec, *loaded, {}), {});
    ASSERT_TRUE(set.ok()) << set.error().message;
    Status pinned = set->pin_all(kernel(), dir);
    ASSERT_FALSE(pinned.ok()) << "pinned through a planted symlink";
    EXPECT_EQ(pinned.error().kind, ErrorKind::InvalidArgument) << pinned.error().message;
    EXPECT_THAT(pinned.error().message, HasSubstr(dir + "/links"));
  }
  EXPECT_THAT(*kernel().list_directory(elsewhere), IsEmpty()) << "a pin landed outside the pin directory";
  Result<std::vector<DirectoryEntry>> left = kernel().list_directory(dir);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].kind, FileKind::Symlink) << "only the planted symlink is there";
  EXPECT_THAT(links_of(kernel(), programs), IsEmpty()) << "an attachment outlived the failed pin_all";
}

TEST_P(Contract, ALinkEndsWithItsLastFdAndBpfLinkDetachEndsItAtOnce) {
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("attach_trace_legacy.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  LoadOptions options;
  options.kernel = &kernel();
  Result<LoadedObject> loaded = load_object(*spec, options);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  std::set<uint32_t> programs;
  for (const ProgramResult& program : loaded->report().programs) programs.insert(program.id);
  const std::vector<ProgramToAttach> attachable = attachable_programs(*spec, *loaded, {});
  ASSERT_FALSE(attachable.empty());
  const ProgramToAttach& program = attachable.front();
  {
    Result<Attachment> attached =
        attach_program(kernel(), program.fd, program.name, program.section, program.type,
                       program.expected_attach_type, {});
    ASSERT_TRUE(attached.ok()) << attached.error().message;
    EXPECT_EQ(links_of(kernel(), programs).size(), 1u);
    Result<Fd> second = kernel().duplicate(attached->link_fd());
    ASSERT_TRUE(second.ok());
    attached->keep();
  }
  EXPECT_THAT(links_of(kernel(), programs), IsEmpty()) << "kept, but its last fd is closed";
}

TEST_P(Contract, NetlinkXdpIsOnePerDeviceAndModeAndGoesWhenDetached) {
  const std::string device = world().device();
  ASSERT_FALSE(device.empty()) << world().error();
  Result<ObjectSpec> spec = parse_object_file(test::bpf_object("attach_net_legacy.o"), test::tc_sections());
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  LoadOptions options;
  options.kernel = &kernel();
  Result<LoadedObject> loaded = load_object(*spec, options);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const int xdp = loaded->program_fd("count_xdp");
  ASSERT_GE(xdp, 0);
  Result<uint32_t> ifindex = kernel().interface_index(device);
  ASSERT_TRUE(ifindex.ok()) << ifindex.error().message;
  EXPECT_EQ(kernel().interface_index("bpfl-no-such0").error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(kernel().xdp_attach(*ifindex, xdp, XDP_FLAGS_SKB_MODE).ok());
  EXPECT_EQ(*kernel().xdp_attached_id(*ifindex, XDP_FLAGS_SKB_MODE), *kernel().prog_id(xdp));
  EXPECT_EQ(errno_of(kernel().xdp_attach(*ifindex, xdp, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST)), EBUSY);
  ASSERT_TRUE(kernel().xdp_detach(*ifindex, xdp, XDP_FLAGS_SKB_MODE).ok());
  EXPECT_EQ(*kernel().xdp_attached_id(*ifindex, XDP_FLAGS_SKB_MODE), 0u);

  const int tc = loaded->program_fd("count_ingress");
  ASSERT_GE(tc, 0);
  EXPECT_EQ(kernel().clsact_destroy(*ifindex).error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(*kernel().clsact_create(*ifindex)) << "made here";
  EXPECT_FALSE(*kernel().clsact_create(*ifindex)) << "already there";
  Result<TcFilterId> filter = kernel().tc_filter_attach(*ifindex, TcDirection::Ingress, tc, {1, 1}, false);
  ASSERT_TRUE(filter.ok()) << filter.error().message;
  EXPECT_EQ(filter->handle, 1u);
  EXPECT_EQ(filter->priority, 1u);
  Result<TcFilterId> twice = kernel().tc_filter_attach(*ifindex, TcDirection::Ingress, tc, {1, 1}, false);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().sys_errno, EEXIST);
  EXPECT_TRUE(kernel().tc_filter_attach(*ifindex, TcDirection::Ingress, tc, {1, 1}, true).ok()) << "replace";
  ASSERT_TRUE(kernel().tc_filter_detach(*ifindex, TcDirection::Ingress, *filter).ok());
  ASSERT_TRUE(kernel().clsact_destroy(*ifindex).ok());
  EXPECT_EQ(kernel().tc_filters_flush(*ifindex, TcDirection::Ingress).error().kind, ErrorKind::NotFound);
}

INSTANTIATE_TEST_SUITE_P(Worlds, Contract, ::testing::Values("fake", "kernel"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace bpfload
