// The two ends of switching attachments from one pin set to another, shared by a run
// that fails, a run that succeeds, the recovery of a crashed run and delete: undoing a
// switch (the staging set still beside the pin directory) and finishing one (the new set
// in place, the old one beside it). Both read what to do from the pins alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bpfload/kernel.hpp"
#include "bpfload/result.hpp"
#include "deploy_layout.hpp"

namespace bpfload::deploy {

/// Puts every attachment of `pin_dir` back on its old program and detaches the ones only
/// `staging` has, then removes `staging`. `log` gets one line per action.
[[nodiscard]] Status undo_switch(Kernel& kernel, const std::string& staging, const std::string& pin_dir,
                                 std::vector<std::string>& log);

/// Detaches every attachment of set `old` that `current` (the set in place; nullopt when
/// everything goes) does not hold too, removes `old`, then the switching marker in
/// `current`. `log` gets one line per action.
[[nodiscard]] Status finish_switch(Kernel& kernel, const std::optional<std::string>& current, const std::string& old,
                                   std::vector<std::string>& log);

/// Detaches netlink attachment `entry` if program `prog_fd` (-1: whichever) is on it.
[[nodiscard]] Status detach_netlink(Kernel& kernel, const NetlinkEntry& entry, int prog_fd);

}  // namespace bpfload::deploy
