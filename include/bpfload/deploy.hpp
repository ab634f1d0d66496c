// Deployment: load, map reuse, attach and pin of one or more objects as one transaction,
// idempotent, upgrading in place. The CLI (`load --attach --pin-dir`, `apply`, `status`,
// `delete`, the tc/xdp drop-ins) and the C API call this; they hold no orchestration.
//
// Where the state lives (docs/deploy.md): bpffs holds only pins and directories, so the
// record of what is deployed is the pin directory itself. For a pin directory D:
//   D/[OBJECT/]maps/NAME, progs/NAME   the maps and programs (OBJECT: the object's name
//                                      when the deployment has several objects)
//   D/[OBJECT/]links/PIN               the BPF links (PIN: the program name, "-2", "-3"
//                                      for its further attachments)
//   D/[OBJECT/]netlink/ENTRY           one empty directory per netlink attachment, its
//                                      name saying where: "xdp-IFINDEX-FLAGS-PIN",
//                                      "tc-IFINDEX-ingress|egress-HANDLE-PRIORITY-q|n-PIN"
//   D/bpfload-deployed-DIGEST          the digest of the desired state that was applied
// The journal is the staging directory D-bpfload-new-PID, built beside D and swapped in
// with one RENAME_EXCHANGE: without a "bpfload-switching" directory in it nothing
// running was touched yet (the next run removes it); with one, attachments were being
// switched, and the next run undoes that (the marker still in the staging directory) or
// finishes it (the marker already in D), saying which. No regular file is needed, so the
// record survives in every mount namespace that sees the bpffs (a pod, a unit).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bpfload/attach.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/parse.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// Where one program of an object attaches.
struct AttachmentSpec {
  std::string program;    ///< the program's name in the object
  /// Its section says the kind (xdp, tc, tracepoint/..., cgroup_skb/...); these say where
  /// when the section does not: the device, the cgroup, the tc direction, XDP mode and
  /// whether XDP and tc attach through netlink (a clsact filter; handle and priority
  /// default to 1 and 1 so a re-run replaces it) instead of a link.
  AttachTargets targets;
  /// The `name` (a source line, a flag) that asked for it, for messages.
  std::string origin;
};

/// One object of a deployment and what to do with it.
struct ObjectDeployment {
  /// Names the object's subdirectory of the pin directory; empty: the pin directory itself
  /// (only for a deployment of one object). Letters, digits, '_' and '-'.
  std::string name;
  std::string path;              ///< the object file
  std::string origin;            ///< where it was described ("line 7"), for messages
  ParseOptions parse;            ///< how to read it
  std::vector<std::pair<std::string, std::string>> settings;  ///< const volatile globals, NAME=VALUE
  /// max_entries, flags, inner_map by map name (reuse_path and pinning are the deployment's).
  std::map<std::string, MapOverride> maps;
  std::string object_id;         ///< iproute2 PIN_OBJECT_NS name; empty: SHA-1 of the object when needed
  std::string pin_root = "/sys/fs/bpf";
  std::string btf_path;
  bool require_bpffs = true;
  uint32_t log_level = 0;
  /// Verifier log level and BPF_F_* flags per program (LoadOptions::program_log_levels,
  /// program_flags).
  std::map<std::string, uint32_t> program_log_levels;
  std::map<std::string, uint32_t> program_flags;
  /// Most bytes of verifier log kept per program (LoadOptions::log_limit; 0: all).
  size_t log_limit = size_t{16} << 20;
  /// Threads verifying programs at once (LoadOptions::parallelism); 0: the default.
  unsigned parallelism = 0;
  /// Programs to load; empty: all.
  std::vector<std::string> only_programs;
  /// Program type overrides by program name (the drop-ins give every program the hook's).
  std::map<std::string, uint32_t> program_types;
  /// true: attach every program whose section says where, completed by `targets`
  /// (what `load --attach` does), and register every `.struct_ops` map (`.link` ones
  /// through a link pinned as links/MAP); programs it cannot place are listed, not
  /// attached.
  bool attach_all = false;
  /// Programs attach_all leaves unattached (loaded and pinned, listed as not attached):
  /// of twins such as runqlat's tp_btf and raw_tp handlers, the one not to attach.
  std::set<std::string> no_attach;
  AttachTargets targets;
  std::vector<AttachmentSpec> attachments;
  /// Maps whose pinned definition differs from the object's start empty instead of
  /// refusing the upgrade.
  std::set<std::string> recreate_maps;
};

/// The desired state.
struct Deployment {
  std::string pin_dir;
  std::vector<ObjectDeployment> objects;
};

struct DeployOptions {
  Kernel* kernel = nullptr;   ///< nullptr: system_kernel()
  /// Print nothing, change nothing: the report says what would change.
  bool dry_run = false;
  /// Refuse to replace a set of pins that is not a deployment's (an older `load --pin-dir`)
  /// or another deployment; true replaces it (the old programs go, maps are kept).
  bool replace = false;
  /// true: what the applied state asks for attaching nothing is an error (`--attach`).
  bool require_attachment = false;
  /// How long to wait for another bpfload applying or removing a deployment beside this
  /// one (the lock is the pin directory's parent, so two runs on one pin directory take
  /// turns, and the second finds what the first left: "unchanged" when both asked for the
  /// same). Still busy then: Kernel with EWOULDBLOCK.
  unsigned lock_wait_ms = 60'000;
};

/// One attachment as deployed.
struct DeployedAttachment {
  std::string object;        ///< the object's name ("" for a one-object deployment)
  std::string program;
  std::string pin;           ///< links/PIN or netlink/ENTRY path
  std::string mechanism;     ///< "link", "netlink", "tc-filter"
  std::string target;        ///< "xdp veth0 (native)", "tcx veth0 ingress", ...
  uint32_t link_id = 0;      ///< links
  uint32_t prog_id = 0;
  /// "created", "updated in place", "kept", "replaced (new attached, then old detached)".
  std::string change;
};

enum class DeployOutcome { Created, Upgraded, Unchanged, Removed };

/// What apply_deployment did (or, dry-run, would do).
struct DeployReport {
  DeployOutcome outcome = DeployOutcome::Unchanged;
  /// What an interrupted earlier run left and what this run did about it, one line each.
  std::vector<std::string> recovered;
  /// Every change, one line each ("program 'count' 41 -> 57 behind link 12 (in place)").
  std::vector<std::string> changes;
  std::vector<LoadReport> loads;  ///< per object loaded
  std::vector<DeployedAttachment> attachments;
  /// Programs attach_all could not place: "name: reason".
  std::vector<std::string> not_attached;
  std::string digest;
};

/// Applies `deployment` as one transaction. First an interrupted earlier run on the same
/// pin directory is finished or undone (report.recovered says which); then when the
/// directory holds exactly this deployment (same digest, every pin there) nothing is
/// touched and the outcome is Unchanged. Otherwise the objects are loaded with every map
/// of the current set kept (same definition), pinned into a staging directory, the
/// attachments switched (in place where the kernel can: BPF_LINK_UPDATE, XDP_FLAGS_REPLACE,
/// tc filter replace; attach-then-detach where not), the staging directory swapped in,
/// and the old set removed. Any failure before the swap puts every attachment back and
/// removes the staging set: the previous state exactly. Fails with InvalidArgument (bad
/// description, a changed map definition naming the map and both definitions, pins that
/// are not this deployment's without `replace`, another bpfload deploying there),
/// NotFound (object, device, cgroup), and whatever load and attach fail with.
[[nodiscard]] Result<DeployReport> apply_deployment(const Deployment& deployment, const DeployOptions& options = {});

/// Removes what a deployment made in `pin_dir`: every attachment (links detached,
/// netlink entries removed with their program as the expected one), every pin, every
/// directory; an interrupted run is undone first. Pins the objects asked for themselves
/// (tc/globals, by-name) are shared and stay. NotFound when nothing is there;
/// InvalidArgument when `pin_dir` holds something that is not a pin or a deployment's
/// directory (nothing is touched then).
[[nodiscard]] Result<DeployReport> remove_deployment(const std::string& pin_dir, const DeployOptions& options = {});

/// What is deployed in a pin directory, read back from the pins.
struct DeploymentStatus {
  bool present = false;
  std::string digest;              ///< "" when no deployment record (a plain `load --pin-dir`)
  std::vector<std::string> staging;  ///< interrupted runs' staging directories
  std::vector<std::string> maps;     ///< "OBJECT/NAME id N"
  std::vector<std::string> programs; ///< "OBJECT/NAME id N"
  std::vector<DeployedAttachment> attachments;
};

/// Reads the state of `pin_dir` through the seam without changing it.
[[nodiscard]] Result<DeploymentStatus> deployment_status(const std::string& pin_dir, Kernel* kernel = nullptr);

/// The digest applying `deployment` would record (SHA-1 of the objects' bytes and the
/// description), without touching the kernel beyond reading the object files.
[[nodiscard]] Result<std::string> deployment_digest(const Deployment& deployment, Kernel* kernel = nullptr);

/// "created", "upgraded", "unchanged", "removed".
[[nodiscard]] std::string_view to_string(DeployOutcome outcome) noexcept;

}  // namespace bpfload
BPFLOAD_PUBLIC_END
