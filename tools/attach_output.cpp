#include "attach_output.hpp"

#include <fmt/format.h>

namespace bpfload::cli {
namespace {

uint32_t link_id_of(const Attachment& attachment) {
  if (!attachment.is_link()) return 0;
  auto info = system_attach_kernel().link_info(attachment.link_fd());
  return info ? info->id : 0;
}

}  // namespace

std::string removal_hint(const Attachment& attachment, const std::string& device) {
  if (!attachment.pin_path().empty()) return fmt::format("bpfload detach {}", attachment.pin_path());
  if (const auto* filter = std::get_if<TcFilterHandle>(&attachment.handle())) {
    const char* direction = filter->direction == TcDirection::Ingress ? "ingress" : "egress";
    std::string hint = fmt::format("tc filter del dev {} {} pref {} handle {:#x} bpf", device, direction,
                                   filter->filter.priority, filter->filter.handle);
    if (filter->created_qdisc) hint += fmt::format("; tc qdisc del dev {} clsact", device);
    return hint;
  }
  if (const auto* xdp = std::get_if<XdpNetlinkHandle>(&attachment.handle())) {
    const bool generic = (xdp->flags & 2U) != 0;
    return fmt::format("ip link set dev {} {} off", device, generic ? "xdpgeneric" : "xdp");
  }
  return "";
}

Json attachment_json(const Attachment& attachment, const std::string& remove_hint) {
  const uint32_t link_id = link_id_of(attachment);
  return Json{{"program", attachment.program()},
              {"target", attachment.target()},
              {"mechanism", attachment.mechanism()},
              {"link_id", link_id == 0 ? Json(nullptr) : Json(link_id)},
              {"pinned", attachment.pin_path().empty() ? Json(nullptr) : Json(attachment.pin_path())},
              {"remove", remove_hint.empty() ? Json(nullptr) : Json(remove_hint)}};
}

void print_attachment(const Attachment& attachment) {
  const uint32_t link_id = link_id_of(attachment);
  std::string extra = link_id != 0 ? fmt::format(" [link {}", link_id) : std::string(" [") + std::string(attachment.mechanism());
  if (!attachment.pin_path().empty()) extra += fmt::format(", pinned {}", attachment.pin_path());
  extra += "]";
  fmt::print("  {} -> {}{}\n", escape_for_terminal(attachment.program()), escape_for_terminal(attachment.target()),
             escape_for_terminal(extra));
}

}  // namespace bpfload::cli
