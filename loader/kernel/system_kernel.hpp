// The real operating system behind the Kernel seam: one function per op, defined in the
// sys_*.cpp file of its subject, and the SystemKernel that dispatches KernelOp to them.
#pragma once

#include <string_view>

#include "bpfload/kernel.hpp"

namespace bpfload::sys {

/// ErrorKind::Kernel "<call> <subject>: <strerror>", errno kept (EPERM with a privilege hint).
[[nodiscard]] Error os_error(std::string_view call, std::string_view subject, int err);

// sys_maps.cpp
[[nodiscard]] Status run(op::MapCreate& op);
[[nodiscard]] Status run(op::MapUpdate& op);
[[nodiscard]] Status run(op::MapLookup& op);
[[nodiscard]] Status run(op::MapDelete& op);
[[nodiscard]] Status run(op::MapNextKey& op);
[[nodiscard]] Status run(op::MapFreeze& op);
[[nodiscard]] Status run(op::MapWriteValue& op);
[[nodiscard]] Status run(op::MapGetInfo& op);
[[nodiscard]] Status run(op::MapById& op);
[[nodiscard]] Status run(op::ProgGetInfo& op);
[[nodiscard]] Status run(op::ProgTestRun& op);
[[nodiscard]] Status run(op::BtfLoad& op);

// sys_prog_load.cpp
[[nodiscard]] Status run(op::ProgLoad& op);

// sys_btf.cpp
[[nodiscard]] Status run(op::KernelBtf& op);
[[nodiscard]] Status run(op::ModuleBtf& op);

// sys_pins.cpp
[[nodiscard]] Status run(op::ObjPin& op);
[[nodiscard]] Status run(op::ObjGet& op);
[[nodiscard]] Status run(op::Unpin& op);

// sys_links.cpp
[[nodiscard]] Status run(op::LinkCreate& op);
[[nodiscard]] Status run(op::LinkDetach& op);
[[nodiscard]] Status run(op::LinkGetInfo& op);
[[nodiscard]] Status run(op::LinkIds& op);
[[nodiscard]] Status run(op::LinkById& op);
[[nodiscard]] Status run(op::ProgAttach& op);
[[nodiscard]] Status run(op::ProgDetach& op);
[[nodiscard]] Status run(op::ProgQuery& op);
[[nodiscard]] Status run(op::RawTracepointOpen& op);
[[nodiscard]] Status run(op::DuplicateFd& op);

// sys_netlink.cpp
[[nodiscard]] Status run(op::InterfaceIndex& op);
[[nodiscard]] Status run(op::XdpAttach& op);
[[nodiscard]] Status run(op::XdpDetach& op);
[[nodiscard]] Status run(op::XdpQuery& op);
[[nodiscard]] Status run(op::ClsactCreate& op);
[[nodiscard]] Status run(op::ClsactDestroy& op);
[[nodiscard]] Status run(op::TcFilterAttach& op);
[[nodiscard]] Status run(op::TcFilterDetach& op);
[[nodiscard]] Status run(op::TcFiltersFlush& op);
[[nodiscard]] Status run(op::ProbeTcx& op);

// sys_perf.cpp
[[nodiscard]] Status run(op::TracepointId& op);
[[nodiscard]] Status run(op::PmuType& op);
[[nodiscard]] Status run(op::PmuRetprobeBit& op);
[[nodiscard]] Status run(op::PerfEventOpen& op);
[[nodiscard]] Status run(op::PerfEventSetBpf& op);
[[nodiscard]] Status run(op::OpenCgroup& op);
[[nodiscard]] Status run(op::PerfEventEnable& op);

// sys_events.cpp
[[nodiscard]] Status run(op::MemoryMap& op);
[[nodiscard]] Status run(op::EpollCreate& op);
[[nodiscard]] Status run(op::EpollAdd& op);
[[nodiscard]] Status run(op::EpollWait& op);

// sys_socket.cpp
[[nodiscard]] Status run(op::SocketAttachFilter& op);
[[nodiscard]] Status run(op::SocketDetachFilter& op);

// sys_files.cpp
[[nodiscard]] Status run(op::MakeDirectory& op);
[[nodiscard]] Status run(op::RemoveDirectory& op);
[[nodiscard]] Status run(op::PathKind& op);
[[nodiscard]] Status run(op::FilesystemMagic& op);
[[nodiscard]] Status run(op::ListDirectory& op);
[[nodiscard]] Status run(op::Rename& op);
[[nodiscard]] Status run(op::ReadFile& op);
[[nodiscard]] Status run(op::KernelRelease& op);
[[nodiscard]] Status run(op::PossibleCpus& op);
[[nodiscard]] Status run(op::ProcessId& op);
[[nodiscard]] Status run(op::RaiseMemlockLimit& op);
[[nodiscard]] Status run(op::PageSize& op);
[[nodiscard]] Status run(op::LockDirectory& op);
[[nodiscard]] Status run(op::InterfaceName& op);
[[nodiscard]] Status run(op::LinkUpdate& op);

}  // namespace bpfload::sys
