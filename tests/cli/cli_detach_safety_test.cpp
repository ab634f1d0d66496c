// `bpfload detach` and `unpin` delete, so they must refuse anything that is not a pin before touching
// it (issue 25): ordinary files and directories, symlinks, other filesystems mounted inside
// bpffs, and a bpffs mount point itself. Each test checks every byte and pin survives.
#include <bpf/bpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_util.hpp"
#include "kernel_guard.hpp"

namespace bpfload::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Every file below `root` (symlinks as their target text) with its bytes.
std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string relative = fs::relative(entry.path(), root).string();
    if (entry.is_symlink()) {
      files[relative] = "symlink -> " + fs::read_symlink(entry.path()).string();
    } else if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      files[relative].assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
      files[relative] = "<directory>";
    }
  }
  return files;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A scratch tree of ordinary files, removed at the end whatever happens.
class OrdinaryTree {
 public:
  OrdinaryTree() : root_(fmt::format("/tmp/bpfload-detach-safety-{}-{}", ::getpid(), counter_++)) {
    fs::remove_all(root_);
    fs::create_directories(root_ + "/docs/drafts");
    write_file(root_ + "/docs/thesis.txt", "x\n");
    write_file(root_ + "/docs/drafts/chapter1.txt", std::string(10000, 'c'));
    write_file(root_ + "/links", "a file named like a pin directory\n");
    write_file(root_ + "/binary", std::string("\0\x01\xff\x7f", 4));
  }
  ~OrdinaryTree() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  const std::string& root() const { return root_; }

 private:
  static inline int counter_ = 0;
  std::string root_;
};

TEST(DetachSafety, OrdinaryDirectoryIsRefusedAndEveryByteSurvives) {
  OrdinaryTree tree;
  const auto before = snapshot(tree.root());
  const CommandResult result = run_bpfload("detach " + quoted(tree.root()));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("is not on a bpf filesystem"));
  EXPECT_THAT(result.err, HasSubstr("nothing was removed"));
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(snapshot(tree.root()), before);
}

TEST(DetachSafety, OrdinaryFileIsRefusedAndSurvives) {
  OrdinaryTree tree;
  const auto before = snapshot(tree.root());
  const CommandResult result = run_bpfload("detach " + quoted(tree.root() + "/docs/thesis.txt") + " --json");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.out + result.err, HasSubstr("not on a bpf filesystem"));
  EXPECT_EQ(snapshot(tree.root()), before);
}

TEST(DetachSafety, SymlinkToAnOrdinaryDirectoryIsRefused) {
  OrdinaryTree tree;
  const std::string link = tree.root() + "/docs/shortcut";
  fs::create_directory_symlink(tree.root() + "/docs/drafts", link);
  const auto before = snapshot(tree.root());
  const CommandResult result = run_bpfload("detach " + quoted(link));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("symbolic link"));
  EXPECT_EQ(snapshot(tree.root()), before);
}

// A map pinned at `path`; the pin is the map's only reference once the fd closes.
void pin_array_map(const std::string& path) {
  const int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "detach_safety", 4, 4, 1, nullptr);
  ASSERT_GE(fd, 0) << "bpf_map_create: " << errno;
  EXPECT_EQ(bpf_obj_pin(fd, path.c_str()), 0) << "pin " << path << ": " << errno;
  ::close(fd);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(DetachSafety, BpffsDirectoryWithASymlinkIsRefusedWholeAndItsPinsStay) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  ASSERT_EQ(::mkdir((dir.path() + "/maps").c_str(), 0700), 0);
  pin_array_map(dir.path() + "/maps/counts");
  OrdinaryTree tree;
  ASSERT_EQ(::symlink(tree.root().c_str(), (dir.path() + "/maps/elsewhere").c_str()), 0);
  const auto before = snapshot(tree.root());
  const CommandResult result = run_bpfload("detach " + dir.path());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("symbolic link"));
  EXPECT_TRUE(exists(dir.path() + "/maps/counts")) << "checked before anything is removed";
  EXPECT_EQ(snapshot(tree.root()), before);
}

// Unmounts on destruction, so a failing test leaves no mount behind.
struct ScopedMount {
  std::string target;
  ~ScopedMount() {
    if (!target.empty()) ::umount2(target.c_str(), MNT_DETACH);
  }
};

TEST(DetachSafety, OtherFilesystemMountedInsideBpffsIsRefusedAndItsFilesSurvive) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  pin_array_map(dir.path() + "/counts");
  const std::string mountpoint = dir.path() + "/data";
  ASSERT_EQ(::mkdir(mountpoint.c_str(), 0700), 0);
  ASSERT_EQ(::mount("bpfload-test", mountpoint.c_str(), "tmpfs", 0, "size=1m"), 0) << errno;
  ScopedMount mounted{mountpoint};
  write_file(mountpoint + "/precious.txt", "keep me\n");
  const CommandResult result = run_bpfload("detach " + dir.path());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("precious.txt' below it is not a pinned BPF object"));
  EXPECT_TRUE(exists(mountpoint + "/precious.txt"));
  EXPECT_TRUE(exists(dir.path() + "/counts"));
}

TEST(DetachSafety, BpffsMountPointItselfIsRefusedAndItsPinsStay) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  // A private bpffs instance, so the refusal is tested without risking the machine's pins.
  const std::string mountpoint = fmt::format("/tmp/bpfload-detach-bpffs-{}", ::getpid());
  ASSERT_EQ(::mkdir(mountpoint.c_str(), 0700), 0);
  ASSERT_EQ(::mount("bpf", mountpoint.c_str(), "bpf", 0, nullptr), 0) << errno;
  {
    ScopedMount mounted{mountpoint};
    pin_array_map(mountpoint + "/counts");
    const CommandResult result = run_bpfload("detach " + mountpoint);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr("mount point of a bpf filesystem"));
    EXPECT_TRUE(exists(mountpoint + "/counts"));
  }
  ::rmdir(mountpoint.c_str());
}

TEST(DetachSafety, UnpinRefusesAnotherFilesystemMountedOverMapsAndItsFilesSurvive) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  const std::string maps = dir.path() + "/maps";
  ASSERT_EQ(::mkdir(maps.c_str(), 0700), 0);
  ASSERT_EQ(::mount("bpfload-test", maps.c_str(), "tmpfs", 0, "size=1m"), 0) << errno;
  ScopedMount mounted{maps};
  write_file(maps + "/precious.txt", "keep me\n");
  const CommandResult result = run_bpfload("unpin " + dir.path());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("is not on a bpf filesystem"));
  EXPECT_TRUE(exists(maps + "/precious.txt"));
}

TEST(DetachSafety, PinnedMapIsStillRemoved) {
  BPFLOAD_REQUIRE_KERNEL_OR_SKIP();
  TempBpffsDir dir;
  ASSERT_EQ(::mkdir((dir.path() + "/maps").c_str(), 0700), 0);
  pin_array_map(dir.path() + "/maps/counts");
  const CommandResult result = run_bpfload("detach " + dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("removed (3)"));
  EXPECT_FALSE(exists(dir.path()));
}

}  // namespace
}  // namespace bpfload::test
