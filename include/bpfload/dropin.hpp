// The drop-ins for tc and ip: one section of an object loaded and attached the way
// `tc filter add dev DEV ingress bpf da obj OBJ sec SEC` and `ip link set dev DEV xdp obj
// OBJ sec SEC` did, for objects today's tc and ip refuse. The attachment is the netlink
// one tc and ip make (it outlives the process; tc and ip show and remove it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bpfload/attach.hpp"
#include "bpfload/kernel.hpp"
#include "bpfload/loader.hpp"
#include "bpfload/result.hpp"

BPFLOAD_PUBLIC_BEGIN
namespace bpfload {

/// The tc filter the tc drop-in makes: what tc gives the first filter of a hook. A re-run
/// replaces it (tc filter replace) instead of adding a second one.
inline constexpr TcFilterId kDropinTcFilter{1, 49152};

struct DropinRequest {
  bool tc = true;                        ///< tc ingress/egress; false: XDP
  std::string device;
  TcDirection direction = TcDirection::Ingress;
  std::string object;                    ///< the object file
  std::string section;                   ///< empty: tc's "classifier" / ip's "prog", else the only one
  XdpMode xdp_mode = XdpMode::Auto;
  std::string pin_root = "/sys/fs/bpf";
  MapLayout legacy_layout = MapLayout::Auto;  ///< legacy map definitions, as `load --map-layout`
  Kernel* kernel = nullptr;              ///< nullptr: system_kernel()
};

struct DropinResult {
  std::string section;
  LoadReport report;
  /// The attachments, kept (they stay after the process), for listing.
  std::vector<Attachment> attachments;
  /// What works now but stops working later, one sentence each (an unpinned prog array
  /// with slots: the kernel empties it when the last fd goes).
  std::vector<std::string> warnings;
};

/// Loads `request.section` of the object (with its tail-call sections, every program of
/// the hook's type as tc and ip did) and attaches it. The device is checked before
/// anything is loaded or pinned; a failed attach removes the pins the load made. Running
/// it again replaces what the previous run attached (same filter handle and priority; the
/// XDP program of the device). Fails with NotFound (device, section), InvalidArgument,
/// and what load_object and attach fail with.
[[nodiscard]] Result<DropinResult> attach_dropin(const DropinRequest& request);

}  // namespace bpfload
BPFLOAD_PUBLIC_END
