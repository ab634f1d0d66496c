// libFuzzer target over the whole pure path: bytes -> ObjectSpec -> CO-RE relocation and
// extern resolution (against the object's own BTF as the target, so candidates exist and
// the matching code runs) -> linked instructions for every program, with placeholder map
// handles. The BTF sanitiser runs on the input itself (as raw BTF) and on the object's
// BTF, for a feature set taken from the input's first byte. The parsed object also goes
// through `gen skeleton`'s generator, C and C++ (its BTF types become C declarations). Any crash, hang, leak or UB here is a bug:
// the parser and linker must turn every input into a value or an Error.
#include <cstddef>
#include <cstdint>
#include <span>

#include <bpf/btf.h>

#include "bpfload/btf_sanitize.hpp"
#include "bpfload/core_relocate.hpp"
#include "bpfload/externs.hpp"
#include "bpfload/link.hpp"
#include "bpfload/parse.hpp"
#include "skeleton.hpp"

namespace {

constexpr int kPlaceholderFd = 1000;

/// The features whose bits are set in `bits`.
bpfload::BtfFeatures features_from(uint8_t bits) {
  bpfload::BtfFeatures features;
  for (size_t i = 0; i < bpfload::kBtfFeatureCount; ++i)
    features.set(bpfload::btf_feature_at(i), (bits >> i) & 1);
  return features;
}

}  // namespace

// The production limits (ParseOptions{}), not smaller ones: a memory bomb the defaults
// admit, such as a huge SHT_NOBITS section, must be a finding. tools/fuzz runs this with
// -rss_limit_mb and -malloc_limit_mb, so an input that makes the parser allocate far
// more than its own size fails the run.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bpfload::ParseOptions options;
  const auto bytes = std::as_bytes(std::span<const uint8_t>(data, size));
  (void)bpfload::sanitize_btf(bytes, bpfload::BtfFeatures::none());
  auto spec = bpfload::parse_object(bytes, options);
  if (!spec.ok()) return 0;
  if (spec->btf != nullptr) (void)bpfload::sanitize_btf(spec->btf->kernel_bytes(), features_from(size > 0 ? data[0] : 0));
  for (const auto language : {bpfload::gen::SkeletonLanguage::C, bpfload::gen::SkeletonLanguage::Cpp}) {
    bpfload::gen::SkeletonOptions skeleton;
    skeleton.name = "fuzz";
    skeleton.language = language;
    (void)bpfload::gen::generate_skeleton(*spec, bytes, skeleton);
  }

  size_t handles_for_modules = 0;
  if (spec->btf != nullptr) {
    bpfload::TargetBtf target;
    const auto kernel = spec->btf->kernel_bytes();
    target.vmlinux.reset(btf__new(kernel.data(), static_cast<uint32_t>(kernel.size())));
    if (target.vmlinux != nullptr) {
      auto relocated = bpfload::relocate_core(*spec, target);
      if (relocated.ok()) {
        bpfload::KernelFacts facts;
        facts.version_code = 0x061200;
        facts.config = {{"CONFIG_HZ", "250"}, {"CONFIG_BPF", "y"}, {"CONFIG_DEFAULT_HOSTNAME", "\"x\""}};
        bpfload::KernelSymbols symbols;
        symbols.origin = "fuzz";
        for (const std::string& name : bpfload::untyped_ksyms(relocated->spec)) symbols.addresses[name] = 0xffffffff81000000ull;
        std::vector<std::string> notes;
        if (bpfload::resolve_externs(relocated->spec, &target, &facts, notes, &symbols).ok()) {
          *spec = std::move(relocated->spec);
          handles_for_modules = spec->kernel_btf_modules.size();
        }
      }
    }
  }

  bpfload::MapHandles handles;
  handles.maps.assign(spec->maps.size(), kPlaceholderFd);
  handles.module_btf.assign(handles_for_modules, kPlaceholderFd);
  handles.data_sections.assign(spec->data_sections.size(), kPlaceholderFd);
  for (size_t program = 0; program < spec->programs.size(); ++program) {
    auto linked = bpfload::link_program(*spec, program, handles);
    (void)linked;  // errors are fine; crashes are not
  }
  return 0;
}
