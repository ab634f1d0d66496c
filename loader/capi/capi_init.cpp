// The options initializers as functions, for callers that cannot expand
// BPFLOAD_OPTS_INIT (cgo, Rust FFI).
#include <cstring>

#include "capi_object.hpp"

namespace {

template <typename Struct>
void init_sized(Struct* value) noexcept {
  if (value == nullptr) return;
  std::memset(static_cast<void*>(value), 0, sizeof(Struct));
  value->sz = sizeof(Struct);
}

}  // namespace

extern "C" {

void bpfload_open_opts_init(bpfload_open_opts* opts) { init_sized(opts); }
void bpfload_load_opts_init(bpfload_load_opts* opts) { init_sized(opts); }
void bpfload_attach_opts_init(bpfload_attach_opts* opts) { init_sized(opts); }
void bpfload_deploy_opts_init(bpfload_deploy_opts* opts) { init_sized(opts); }
void bpfload_map_create_opts_init(bpfload_map_create_opts* opts) { init_sized(opts); }
void bpfload_map_open_opts_init(bpfload_map_open_opts* opts) { init_sized(opts); }
void bpfload_map_info_init(bpfload_map_info* info) { init_sized(info); }
void bpfload_program_result_init(bpfload_program_result* result) { init_sized(result); }
void bpfload_error_buf_init(bpfload_error_buf* error) { init_sized(error); }

}  // extern "C"
