// What attach verbs print: one line (or JSON object) per attachment, and how to undo it.
#pragma once

#include <string>

#include "bpfload/attach.hpp"
#include "cli_output.hpp"

namespace bpfload::cli {

/// `{"program", "target", "mechanism", "link_id", "pinned", "remove"}` for one attachment.
[[nodiscard]] Json attachment_json(const Attachment& attachment, const std::string& remove_hint);

/// "  PROGRAM -> TARGET [link N, pinned PATH]" on stdout.
void print_attachment(const Attachment& attachment);

/// The command that undoes `attachment` once bpfload has exited ("" when nothing remains
/// after exit because it was neither pinned nor kept).
[[nodiscard]] std::string removal_hint(const Attachment& attachment, const std::string& device);

}  // namespace bpfload::cli
