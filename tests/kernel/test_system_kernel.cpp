// The system kernel against the real bpf(): maps, pins, program loads and logs, BTF.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "bpfload/object_file.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/system.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "kernel_errors.hpp"
#include "kernel_guard.hpp"
#include "test_util.hpp"

namespace bpfload {
namespace {

template <typename T>
std::span<const std::byte> bytes_of(const T& value) {
  return std::as_bytes(std::span<const T, 1>(&value, 1));
}
template <typename T>
std::span<std::byte> writable_bytes_of(T& value) {
  return std::as_writable_bytes(std::span<T, 1>(&value, 1));
}

Fd make_map(uint32_t type, uint32_t max_entries, const std::string& name = "test_map") {
  MapCreateRequest request;
  request.type = type;
  request.name = name;
  request.key_size = 4;
  request.value_size = 8;
  request.max_entries = max_entries;
  auto fd = system_kernel().map_create(request);
  EXPECT_TRUE(fd.ok()) << fd.error().message;
  return fd.ok() ? std::move(fd).value() : Fd();
}

// r0 = <retval>; exit
std::vector<bpf_insn> return_program(int32_t retval) {
  bpf_insn mov{};
  mov.code = BPF_ALU64 | BPF_MOV | BPF_K;
  mov.dst_reg = BPF_REG_0;
  mov.imm = retval;
  bpf_insn exit{};
  exit.code = BPF_JMP | BPF_EXIT;
  return {mov, exit};
}

ProgLoadRequest socket_filter(std::span<const bpf_insn> insns) {
  ProgLoadRequest request;
  request.type = BPF_PROG_TYPE_SOCKET_FILTER;
  request.name = "test_prog";
  request.license = "GPL";
  request.insns = insns;
  return request;
}

TEST(SystemKernel, ArrayMapRoundTrip) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 4, "rt_array");
  ASSERT_TRUE(map.valid());

  const uint32_t key = 2;
  const uint64_t value = 0x1122334455667788;
  ASSERT_TRUE(kernel.map_update(map.get(), bytes_of(key), bytes_of(value), BPF_ANY).ok());
  uint64_t read_back = 0;
  ASSERT_TRUE(kernel.map_lookup(map.get(), bytes_of(key), writable_bytes_of(read_back)).ok());
  EXPECT_EQ(read_back, value);

  // Array slots past max_entries do not exist.
  const uint32_t past = 4;
  Status out_of_range = kernel.map_update(map.get(), bytes_of(past), bytes_of(value), BPF_ANY);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(out_of_range.error().sys_errno, E2BIG);
  EXPECT_NE(out_of_range.error().message.find("bpf(MAP_UPDATE_ELEM)"), std::string::npos);

  auto info = kernel.map_info(map.get());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->type, BPF_MAP_TYPE_ARRAY);
  EXPECT_EQ(info->key_size, 4u);
  EXPECT_EQ(info->value_size, 8u);
  EXPECT_EQ(info->max_entries, 4u);
  EXPECT_EQ(info->name, "rt_array");
  EXPECT_NE(info->id, 0u);
}

TEST(SystemKernel, HashMapUpdateLookupDeleteNextKey) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  Fd map = make_map(BPF_MAP_TYPE_HASH, 8, "rt_hash");
  ASSERT_TRUE(map.valid());

  for (uint32_t key : {10u, 20u, 30u}) {
    const uint64_t value = key * 100ull;
    ASSERT_TRUE(kernel.map_update(map.get(), bytes_of(key), bytes_of(value), BPF_NOEXIST).ok());
  }
  const uint32_t dup = 20;
  const uint64_t any = 1;
  Status duplicate = kernel.map_update(map.get(), bytes_of(dup), bytes_of(any), BPF_NOEXIST);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().sys_errno, EEXIST);

  // Iterate: every key exactly once, values as written.
  std::vector<uint32_t> seen;
  uint32_t current = 0;
  std::span<const std::byte> previous;
  for (;;) {
    uint32_t next = 0;
    auto more = kernel.map_next_key(map.get(), previous, writable_bytes_of(next));
    ASSERT_TRUE(more.ok()) << more.error().message;
    if (!*more) break;
    uint64_t value = 0;
    ASSERT_TRUE(kernel.map_lookup(map.get(), bytes_of(next), writable_bytes_of(value)).ok());
    EXPECT_EQ(value, next * 100ull);
    seen.push_back(next);
    current = next;
    previous = bytes_of(current);
    ASSERT_LE(seen.size(), 3u);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<uint32_t>{10, 20, 30}));

  const uint32_t gone = 20;
  ASSERT_TRUE(kernel.map_delete(map.get(), bytes_of(gone)).ok());
  uint64_t value = 0;
  Status missing = kernel.map_lookup(map.get(), bytes_of(gone), writable_bytes_of(value));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  Status delete_again = kernel.map_delete(map.get(), bytes_of(gone));
  ASSERT_FALSE(delete_again.ok());
  EXPECT_EQ(delete_again.error().sys_errno, ENOENT);
  EXPECT_NE(delete_again.error().message.find("no such key"), std::string::npos);
}

TEST(SystemKernel, MapCreateErrorNamesMapAndErrno) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "bad_map";
  request.key_size = 3;  // arrays need 4-byte keys
  request.value_size = 8;
  request.max_entries = 1;
  auto fd = system_kernel().map_create(request);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().kind, ErrorKind::Kernel);
  EXPECT_EQ(fd.error().sys_errno, EINVAL);
  EXPECT_NE(fd.error().message.find("bpf(MAP_CREATE) for map 'bad_map'"), std::string::npos)
      << fd.error().message;
}

TEST(SystemKernel, FrozenMapRefusesUpdates) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1, "frozen");
  ASSERT_TRUE(map.valid());
  const uint32_t key = 0;
  const uint64_t value = 7;
  ASSERT_TRUE(kernel.map_update(map.get(), bytes_of(key), bytes_of(value), BPF_ANY).ok());
  ASSERT_TRUE(kernel.map_freeze(map.get()).ok());
  Status update = kernel.map_update(map.get(), bytes_of(key), bytes_of(value), BPF_ANY);
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().sys_errno, EPERM);
  EXPECT_NE(update.error().message.find("frozen"), std::string::npos) << update.error().message;
  uint64_t read_back = 0;
  ASSERT_TRUE(kernel.map_lookup(map.get(), bytes_of(key), writable_bytes_of(read_back)).ok());
  EXPECT_EQ(read_back, 7u);
}

TEST(SystemKernel, PinGetUnpin) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  test::TempBpffsDir dir;
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1, "pinned");
  ASSERT_TRUE(map.valid());
  auto info = kernel.map_info(map.get());
  ASSERT_TRUE(info.ok());

  const std::string path = dir.path() + "/pinned";
  ASSERT_TRUE(kernel.obj_pin(map.get(), path).ok());
  Status again = kernel.obj_pin(map.get(), path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().sys_errno, EEXIST);

  auto reopened = kernel.obj_get(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_NE(reopened->get(), map.get());
  auto reopened_info = kernel.map_info(reopened->get());
  ASSERT_TRUE(reopened_info.ok());
  EXPECT_EQ(reopened_info->id, info->id);

  ASSERT_TRUE(kernel.unpin(path).ok());
  struct stat st {};
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  auto gone = kernel.obj_get(path);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().sys_errno, ENOENT);
  Status unpin_again = kernel.unpin(path);
  ASSERT_FALSE(unpin_again.ok());
  EXPECT_EQ(unpin_again.error().sys_errno, ENOENT);
}

TEST(SystemKernel, PinErrorsCarryHints) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  test::TempBpffsDir dir;
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1, "hints");
  ASSERT_TRUE(map.valid());

  Status no_parent = kernel.obj_pin(map.get(), dir.path() + "/missing/pin");
  ASSERT_FALSE(no_parent.ok());
  EXPECT_EQ(no_parent.error().sys_errno, ENOENT);
  EXPECT_NE(no_parent.error().message.find("parent directory"), std::string::npos)
      << no_parent.error().message;

  char tmp_template[] = "/tmp/bpfload-pin-XXXXXX";
  ASSERT_NE(::mkdtemp(tmp_template), nullptr);
  const std::string not_bpffs = std::string(tmp_template) + "/pin";
  Status wrong_fs = kernel.obj_pin(map.get(), not_bpffs);
  ::rmdir(tmp_template);
  ASSERT_FALSE(wrong_fs.ok());
  EXPECT_EQ(wrong_fs.error().kind, ErrorKind::Kernel);
  EXPECT_NE(wrong_fs.error().message.find("not on a bpf filesystem"), std::string::npos)
      << wrong_fs.error().message;
}

// bpffs directories are often mode 0700: a user who may not enter one gets EACCES, and
// the message says so instead of calling the pin "not a pinned BPF object".
TEST(SystemKernel, PinBehindAClosedDirectoryIsPermissionDeniedForAnotherUser) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  test::TempBpffsDir dir;
  const std::string closed = dir.path() + "/closed";
  ASSERT_EQ(::mkdir(closed.c_str(), 0700), 0) << std::strerror(errno);
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1, "closed");
  ASSERT_TRUE(map.valid());
  const std::string pin = closed + "/map";
  ASSERT_TRUE(kernel.obj_pin(map.get(), pin).ok());

  int report[2] = {-1, -1};
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // nobody: not the directory's owner, no capabilities.
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    Result<Fd> opened = kernel.obj_get(pin);
    std::string text = opened.ok() ? std::string("opened") : fmt::format("{}|{}", opened.error().sys_errno,
                                                                             opened.error().message);
    (void)!::write(report[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string text(4096, '\0');
  const ssize_t got = ::read(report[0], text.data(), text.size());
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::unlink(pin.c_str());
  ::rmdir(closed.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child could not become nobody";
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  EXPECT_EQ(text.rfind(std::to_string(EACCES) + "|", 0), 0u) << text;
  EXPECT_NE(text.find("permission denied"), std::string::npos) << text;
  EXPECT_EQ(text.find("not a pinned BPF object"), std::string::npos) << text;
}

TEST(SystemKernel, ProgLoadReturnsFdAndLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  const std::vector<bpf_insn> insns = return_program(1);
  std::vector<char> log(64 * 1024);
  ProgLoadRequest request = socket_filter(insns);
  request.log_level = 1;
  request.log_buf = log;
  ProgLoadOutcome outcome = kernel.prog_load(request);
  ASSERT_TRUE(outcome.fd.valid()) << "errno " << outcome.sys_errno << ": " << log.data();
  EXPECT_EQ(outcome.sys_errno, 0);
  const std::string text(log.data());
  EXPECT_NE(text.find("processed 2 insns"), std::string::npos) << text;
  // Linux 6.4+ reports the log's size including the NUL.
  EXPECT_EQ(outcome.log_true_size, text.size() + 1);

  auto info = kernel.prog_info(outcome.fd.get());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->type, BPF_PROG_TYPE_SOCKET_FILTER);
  EXPECT_EQ(info->name, "test_prog");
  EXPECT_EQ(info->xlated_size, 2 * sizeof(bpf_insn));
  EXPECT_EQ(info->verified_insns, 2u);
  EXPECT_NE(info->id, 0u);
}

TEST(SystemKernel, ProgLoadRefusalHasErrnoAndLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  std::vector<bpf_insn> insns = return_program(0);
  insns[0].code = 0xff;  // no such opcode
  std::vector<char> log(64 * 1024);
  ProgLoadRequest request = socket_filter(insns);
  request.log_level = 1;
  request.log_buf = log;
  ProgLoadOutcome outcome = system_kernel().prog_load(request);
  EXPECT_FALSE(outcome.fd.valid());
  EXPECT_TRUE(outcome.sys_errno == EINVAL || outcome.sys_errno == EACCES) << outcome.sys_errno;
  EXPECT_GT(std::strlen(log.data()), 0u);
}

TEST(SystemKernel, ProgLoadUninitializedRegisterIsEacces) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // r0 = r2; exit: r2 is never written.
  std::vector<bpf_insn> insns = return_program(0);
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_X;
  insns[0].src_reg = BPF_REG_2;
  std::vector<char> log(64 * 1024);
  ProgLoadRequest request = socket_filter(insns);
  request.log_level = 1;
  request.log_buf = log;
  ProgLoadOutcome outcome = system_kernel().prog_load(request);
  EXPECT_FALSE(outcome.fd.valid());
  EXPECT_EQ(outcome.sys_errno, EACCES);
  EXPECT_NE(std::string(log.data()).find("R2 !read_ok"), std::string::npos) << log.data();
}

TEST(SystemKernel, TinyLogReportsTrueSize) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::vector<bpf_insn> insns = return_program(1);
  std::vector<char> log(16);
  ProgLoadRequest request = socket_filter(insns);
  request.log_level = 2;
  request.log_buf = log;
  ProgLoadOutcome outcome = system_kernel().prog_load(request);
  EXPECT_FALSE(outcome.fd.valid());
  EXPECT_EQ(outcome.sys_errno, ENOSPC);
  EXPECT_GT(outcome.log_true_size, log.size());

  // A buffer of exactly the reported size holds the whole log.
  std::vector<char> full(outcome.log_true_size);
  request.log_buf = full;
  ProgLoadOutcome retry = system_kernel().prog_load(request);
  EXPECT_TRUE(retry.fd.valid()) << retry.sys_errno;
  EXPECT_EQ(std::strlen(full.data()) + 1, outcome.log_true_size);
}

TEST(SystemKernel, ProgLoadWithoutLog) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const std::vector<bpf_insn> insns = return_program(3);
  ProgLoadOutcome outcome = system_kernel().prog_load(socket_filter(insns));
  EXPECT_TRUE(outcome.fd.valid()) << outcome.sys_errno;
}

TEST(SystemKernel, TestRunReturnsProgramRetval) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  const std::vector<bpf_insn> insns = return_program(42);
  ProgLoadOutcome loaded = kernel.prog_load(socket_filter(insns));
  ASSERT_TRUE(loaded.fd.valid()) << loaded.sys_errno;
  std::array<std::byte, 64> packet{};  // at least an Ethernet header
  TestRunRequest request;
  request.prog_fd = loaded.fd.get();
  request.data_in = packet;
  auto run = kernel.prog_test_run(request);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->retval, 42u);
  EXPECT_EQ(run->data_out.size(), packet.size());
}

TEST(SystemKernel, BtfLoadMinimalBlob) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  btf* built = btf__new_empty();
  ASSERT_NE(built, nullptr);
  ASSERT_GT(btf__add_int(built, "int", 4, BTF_INT_SIGNED), 0);
  uint32_t size = 0;
  const void* raw = btf__raw_data(built, &size);
  ASSERT_NE(raw, nullptr);
  const std::vector<std::byte> blob(static_cast<const std::byte*>(raw),
                                    static_cast<const std::byte*>(raw) + size);
  btf__free(built);

  std::vector<char> log(4096);
  auto fd = system_kernel().btf_load(blob, log);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  EXPECT_TRUE(fd->valid());

  std::vector<std::byte> broken = blob;
  broken[0] = std::byte{0};  // bad magic
  auto refused = system_kernel().btf_load(broken, log);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().sys_errno, EINVAL);
  EXPECT_NE(refused.error().message.find("bpf(BTF_LOAD)"), std::string::npos);
  EXPECT_GT(std::strlen(log.data()), 0u);
}

// The linker's output, BTF func/line info included, is what the kernel accepts: a
// program with two .text subprograms loads and computes the expected values.
TEST(SystemKernel, LinkedSubprogramsLoadAndRun) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  auto spec = parse_object_file(test::bpf_object("subprog_text.o"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  const auto program = spec->find_program("call_text");
  ASSERT_TRUE(program.has_value());

  ASSERT_NE(spec->btf, nullptr);
  std::vector<char> btf_log(64 * 1024);
  auto btf = kernel.btf_load(spec->btf->kernel_bytes(), btf_log);
  ASSERT_TRUE(btf.ok()) << btf.error().message << "\n" << btf_log.data();

  std::vector<Fd> maps;
  MapHandles handles;
  for (const MapSpec& map : spec->maps) {
    MapCreateRequest request;
    request.type = map.type;
    request.name = map.name;
    request.key_size = map.key_size;
    request.value_size = map.value_size;
    request.max_entries = map.max_entries;
    auto fd = kernel.map_create(request);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    handles.maps.push_back(fd->get());
    maps.push_back(std::move(fd).value());
  }
  auto linked = link_program(*spec, *program, handles);
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  ASSERT_EQ(linked->func_info.size(), 3u);
  ASSERT_FALSE(linked->line_info.empty());

  std::vector<char> log(1 << 20);
  ProgLoadRequest request;
  request.type = spec->programs[*program].type;
  request.name = "call_text";
  request.license = spec->license;
  request.insns = linked->insns;
  request.prog_btf_fd = btf->get();
  request.func_info = linked->func_info;
  request.line_info = linked->line_info;
  request.log_level = 1;
  request.log_buf = log;
  ProgLoadOutcome loaded = kernel.prog_load(request);
  ASSERT_TRUE(loaded.fd.valid()) << "errno " << loaded.sys_errno << "\n" << log.data();

  std::array<std::byte, 64> packet{};
  TestRunRequest run;
  run.prog_fd = loaded.fd.get();
  run.data_in = packet;
  ASSERT_TRUE(kernel.prog_test_run(run).ok());
  const auto results = spec->find_map("text_results");
  ASSERT_TRUE(results.has_value());
  uint32_t tripled = 0;
  uint32_t added = 0;
  const uint32_t key0 = 0;
  const uint32_t key1 = 1;
  ASSERT_TRUE(kernel.map_lookup(maps[*results].get(), bytes_of(key0), writable_bytes_of(tripled)).ok());
  ASSERT_TRUE(kernel.map_lookup(maps[*results].get(), bytes_of(key1), writable_bytes_of(added)).ok());
  EXPECT_EQ(tripled, 14u * 3);  // skb->len 64 <= 1000: seed 14
  EXPECT_EQ(added, 114u);
}

TEST(SystemKernel, ConcurrentLoadsAndRuns) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  std::vector<std::thread> threads;
  std::array<int, 4> correct{};
  for (size_t t = 0; t < correct.size(); ++t) {
    threads.emplace_back([t, &correct] {
      for (int i = 0; i < 8; ++i) {
        const std::vector<bpf_insn> insns = return_program(static_cast<int32_t>(t * 100 + i));
        ProgLoadOutcome loaded = system_kernel().prog_load(socket_filter(insns));
        if (!loaded.fd.valid()) continue;
        std::array<std::byte, 64> packet{};
        TestRunRequest run;
        run.prog_fd = loaded.fd.get();
        run.data_in = packet;
        auto outcome = system_kernel().prog_test_run(run);
        if (outcome.ok() && outcome->retval == t * 100 + i) ++correct[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(correct, (std::array<int, 4>{8, 8, 8, 8}));
}

TEST(KernelErrors, MessageNamesCommandSubjectErrnoAndHint) {
  const Error error = kernel_error(KernelCommand::MapCreate, "for map 'counters'", EPERM);
  EXPECT_EQ(error.kind, ErrorKind::Kernel);
  EXPECT_EQ(error.sys_errno, EPERM);
  // The hint names CAP_BPF whether or not this process has it (then: what else it can be).
  EXPECT_EQ(error.message.rfind("bpf(MAP_CREATE) for map 'counters': Operation not permitted (", 0), 0u)
      << error.message;
  EXPECT_NE(error.message.find("CAP_BPF"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("RLIMIT_MEMLOCK"), std::string::npos);
  EXPECT_NE(errno_hint(KernelCommand::ProgLoad, EPERM).find("CAP_BPF"), std::string::npos);
  EXPECT_NE(errno_hint(KernelCommand::ObjPin, ENOENT, "/sys/fs/bpf/nodir/x").find("'/sys/fs/bpf/nodir'"),
            std::string::npos);
  EXPECT_NE(errno_hint(KernelCommand::MapUpdate, E2BIG).find("full"), std::string::npos);
  EXPECT_TRUE(errno_hint(KernelCommand::MapCreate, EBUSY).empty());
  EXPECT_NE(errno_text(524).find("ENOTSUPP"), std::string::npos);
}

TEST(SystemKernel, NoFdLeaks) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  Kernel& kernel = system_kernel();
  const size_t before = test::open_fd_count();
  {
    test::TempBpffsDir dir;
    Fd map = make_map(BPF_MAP_TYPE_HASH, 4, "leak_check");
    ASSERT_TRUE(map.valid());
    ASSERT_TRUE(kernel.obj_pin(map.get(), dir.path() + "/m").ok());
    auto again = kernel.obj_get(dir.path() + "/m");
    ASSERT_TRUE(again.ok());
    const std::vector<bpf_insn> insns = return_program(0);
    ProgLoadOutcome ok = kernel.prog_load(socket_filter(insns));
    EXPECT_TRUE(ok.fd.valid());
    std::vector<bpf_insn> bad = insns;
    bad[0].code = 0xff;
    ProgLoadOutcome refused = kernel.prog_load(socket_filter(bad));
    EXPECT_FALSE(refused.fd.valid());
    ASSERT_TRUE(kernel.unpin(dir.path() + "/m").ok());
  }
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST(SystemKernel, FdReleaseAndMove) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  const size_t before = test::open_fd_count();
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1);
  ASSERT_TRUE(map.valid());
  Fd moved = std::move(map);
  EXPECT_FALSE(map.valid());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(test::open_fd_count(), before + 1);
  const int raw = moved.release();
  EXPECT_FALSE(moved.valid());
  EXPECT_EQ(test::open_fd_count(), before + 1);
  Fd adopted(raw);
  adopted.reset();
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST(Filesystem, MakeDirectoriesRecordsOnlyCreated) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::TempBpffsDir dir;
  std::vector<std::string> created;
  ASSERT_TRUE(make_directories(system_kernel(), dir.path() + "/a/b/c", created).ok());
  EXPECT_EQ(created, (std::vector<std::string>{dir.path() + "/a", dir.path() + "/a/b",
                                               dir.path() + "/a/b/c"}));
  std::vector<std::string> again;
  ASSERT_TRUE(make_directories(system_kernel(), dir.path() + "/a/b/d/", again).ok());
  EXPECT_EQ(again, (std::vector<std::string>{dir.path() + "/a/b/d"}));
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/a/b/d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(Filesystem, MakeDirectoriesThroughAFileFails) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  test::TempBpffsDir dir;
  Fd map = make_map(BPF_MAP_TYPE_ARRAY, 1);
  ASSERT_TRUE(system_kernel().obj_pin(map.get(), dir.path() + "/file").ok());
  std::vector<std::string> created;
  Status status = make_directories(system_kernel(), dir.path() + "/file/sub", created);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Kernel);
  EXPECT_NE(status.error().sys_errno, 0);
  EXPECT_TRUE(created.empty());
}

TEST(Filesystem, CheckBpffs) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  EXPECT_TRUE(check_bpffs(system_kernel(), "/sys/fs/bpf").ok());
  Status proc = check_bpffs(system_kernel(), "/proc");
  ASSERT_FALSE(proc.ok());
  EXPECT_EQ(proc.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(proc.error().message.find("mount -t bpf"), std::string::npos);
  Status missing = check_bpffs(system_kernel(), "/sys/fs/bpf/definitely/not/here");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
}

}  // namespace
}  // namespace bpfload

namespace bpfload {
namespace {

TEST(SystemKernelSpans, ShortSpansAreRefusedBeforeTheKernelWritesPastThem) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  MapCreateRequest request;
  request.type = BPF_MAP_TYPE_ARRAY;
  request.name = "span_check";
  request.key_size = 4;
  request.value_size = 8;
  request.max_entries = 2;
  Result<Fd> map = system_kernel().map_create(request);
  ASSERT_TRUE(map.ok()) << map.error().message;
  const uint32_t key = 0;
  std::array<std::byte, 9> guard{};
  guard.fill(std::byte{0x5a});
  Status lookup = system_kernel().map_lookup(map->get(), std::as_bytes(std::span(&key, 1)), std::span(guard).first(1));
  ASSERT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(lookup.error().message.find("the value is 1 bytes but the map's value_size is 8"), std::string::npos)
      << lookup.error().message;
  for (std::byte b : guard) EXPECT_EQ(b, std::byte{0x5a}) << "the kernel wrote into the span";
  const uint16_t short_key = 0;
  uint64_t value = 0;
  Status update = system_kernel().map_update(map->get(), std::as_bytes(std::span(&short_key, 1)),
                                             std::as_bytes(std::span(&value, 1)), BPF_ANY);
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("the key is 2 bytes but the map's key_size is 4"), std::string::npos)
      << update.error().message;

  request.type = BPF_MAP_TYPE_PERCPU_ARRAY;
  request.value_size = 4;
  Result<Fd> per_cpu = system_kernel().map_create(request);
  ASSERT_TRUE(per_cpu.ok()) << per_cpu.error().message;
  Result<unsigned> cpus = system_kernel().possible_cpus();
  ASSERT_TRUE(cpus.ok());
  std::vector<std::byte> one(4);
  EXPECT_FALSE(system_kernel().map_lookup(per_cpu->get(), std::as_bytes(std::span(&key, 1)), one).ok());
  std::vector<std::byte> all(size_t{8} * *cpus);
  EXPECT_TRUE(system_kernel().map_lookup(per_cpu->get(), std::as_bytes(std::span(&key, 1)), all).ok());
}

}  // namespace
}  // namespace bpfload
