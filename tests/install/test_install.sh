#!/bin/sh
# Packaging test: installs the build into a temporary root, checks what was installed
# (soname, a real static archive, headers, bpfload.pc, no foreign symbols exported), then
# builds the example agents from that root with nothing but pkg-config and runs them.
#
#   test_install.sh BUILD_DIR SOURCE_DIR SAMPLE_OBJECT [SANITIZE [BUILDTYPE]]
#
# SANITIZE is the build's b_sanitize ("none", "address,undefined"): a sanitized library
# needs agents compiled with the same -fsanitize. The exported symbols are compared with
# loader/libbpfload.symbols in the configuration that file records (debugoptimized, no
# sanitizer); other configurations may inline differently and only get the rules checked.
#
# Exit 77 (skipped) when the agents cannot run for lack of privileges, unless
# BPFLOAD_REQUIRE_KERNEL=1.
set -eu
build=$1
source=$2
sample=$3
sanitize=${4:-none}
buildtype=${5:-debugoptimized}
san_flags=
[ "$sanitize" = none ] || san_flags="-fsanitize=$sanitize"

fail() { echo "FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d "/tmp/bpfload-install-test-$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

DESTDIR=$root meson install -C "$build" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "meson install into $root failed"; }

pc=$(find "$root" -name bpfload.pc | head -n 1)
[ -n "$pc" ] || fail "no bpfload.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for header in bpfload.h export.h loader.hpp map.hpp parse.hpp result.hpp; do
  [ -n "$(find "$root" -path "*/include/bpfload/$header")" ] || fail "header bpfload/$header not installed"
done

# The libraries: a versioned soname, and a static archive that is not a thin one (a thin
# archive only points at object files in the build tree).
[ -e "$libdir/libbpfload.so" ] || fail "no libbpfload.so in $libdir"
soname=$(readelf -d "$libdir/libbpfload.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case $soname in libbpfload.so.[0-9]*) ;; *) fail "soname is '$soname', not libbpfload.so.N" ;; esac
[ -e "$libdir/$soname" ] || fail "$soname not installed"
[ "$(head -c 8 "$libdir/libbpfload.a")" = "!<arch>" ] || fail "libbpfload.a is not a regular ar archive"

# Only bpfload's own API is exported: nothing of libbpf, libelf or fmt (an agent linking its
# own copies must not get ours), and the dependencies stay dynamic.
foreign=$(nm -D --defined-only "$libdir/libbpfload.so" | awk '{print $3}' |
  grep -E '^(bpf_|btf_|btf__|libbpf_|bpf_object__|elf_|elf32_|elf64_|gelf_|_ZN3fmt|_ZNK3fmt)' || true)
[ -z "$foreign" ] || fail "libbpfload.so exports foreign symbols: $(echo "$foreign" | head -n 5 | tr '\n' ' ')"
c_api=$(nm -D --defined-only "$libdir/libbpfload.so" | awk '$2 == "T" {print $3}' | grep -c '^bpfload_' || true)
[ "$c_api" -gt 10 ] || fail "the C API is not exported ($c_api bpfload_* functions)"
readelf -d "$libdir/libbpfload.so" | grep -q 'NEEDED.*libbpf\.so' || fail "libbpf is not a dynamic dependency"

# The ABI is what the symbol file says. Every C function of bpfload.h is exported in the
# release's version node; no test double is (they live in libbpfload_testing); and the
# whole exported list matches loader/libbpfload.symbols, so adding or removing an exported
# symbol without recording it (and, for a C function, naming it in libbpfload.map) fails.
exported=$tmp/exported.symbols
nm -D --defined-only --with-symbol-versions "$libdir/libbpfload.so" | awk '{print $2, $3}' | LC_ALL=C sort >"$exported"
for function in $(grep -o 'bpfload_[a-z_0-9]*(' "$source/include/bpfload/bpfload.h" | tr -d '(' | sort -u); do
  grep -q "^T $function@@BPFLOAD_0\.1\$" "$exported" ||
    fail "$function (bpfload.h) is not exported at version BPFLOAD_0.1 (name it in loader/libbpfload.map)"
done
doubles=$(c++filt <"$exported" | grep -E 'FakeKernel|FaultInjectingKernel' || true)
[ -z "$doubles" ] || fail "libbpfload.so exports test doubles: $(echo "$doubles" | head -n 3 | tr '\n' ' ')"
if [ "$sanitize" = none ] && [ "$buildtype" = debugoptimized ]; then
  if ! diff -u "$source/loader/libbpfload.symbols" "$exported" >"$tmp/symbols.diff"; then
    cat "$tmp/symbols.diff" >&2
    fail "the exported symbols changed (diff above, - recorded, + exported): if intended, record them with
  nm -D --defined-only --with-symbol-versions BUILD/loader/libbpfload.so.0 | awk '{print \$2, \$3}' | LC_ALL=C sort >loader/libbpfload.symbols
and name a new C function in loader/libbpfload.map (a new release gets a new version node)"
  fi
  echo "exported symbols: $(wc -l <"$exported"), as recorded in loader/libbpfload.symbols"
else
  echo "exported symbols: $(wc -l <"$exported") (not compared: the record is of debugoptimized without sanitizers)"
fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$root"
pkg-config --exists bpfload || fail "pkg-config does not find bpfload"
pkg-config --print-requires-private bpfload | grep -q '^libbpf' || fail "libbpf is not in Requires.private"
pkg-config --print-requires-private bpfload | grep -q '^libelf' || fail "libelf is not in Requires.private"
pkg-config --exists bpfload_testing || fail "pkg-config does not find bpfload_testing"
[ -e "$libdir/libbpfload_testing.so" ] || fail "no libbpfload_testing.so in $libdir"
[ -n "$(find "$root" -path "*/include/bpfload/testing/fake_kernel.hpp")" ] || fail "bpfload/testing/ headers not installed"

cc $san_flags -std=c99 -Wall -Wextra -pedantic -Werror "$source/examples/agent.c" -o "$tmp/agent" \
  $(pkg-config --cflags --libs bpfload) || fail "the C example does not build from pkg-config"
c++ $san_flags -std=c++20 -Wall -Wextra "$source/examples/agent.cpp" -o "$tmp/agent++" \
  $(pkg-config --cflags --libs bpfload) || fail "the C++ example does not build from pkg-config"
cc $san_flags -std=c99 -Wall -Wextra -pedantic -Werror "$source/examples/perf_agent.c" -o "$tmp/perf_agent" \
  $(pkg-config --cflags --libs bpfload) || fail "the perf buffer example does not build from pkg-config"

# The static archive, through `pkg-config --static` (its Libs.private must be complete).
# -l:libbpfload.a picks the archive although the .so sits next to it.
static_libs=
for word in $(pkg-config --static --libs bpfload); do
  [ "$word" = "-lbpfload" ] && word="-l:libbpfload.a"
  static_libs="$static_libs $word"
done
cc $san_flags -std=c99 -Wall -Werror "$source/examples/agent.c" -o "$tmp/agent-static" $(pkg-config --cflags bpfload) \
  $static_libs || fail "the C example does not link against libbpfload.a with pkg-config --static"
if readelf -d "$tmp/agent-static" | grep -q 'NEEDED.*libbpfload'; then fail "agent-static still needs libbpfload.so"; fi
c++ $san_flags -std=c++20 -Wall -Wextra "$source/examples/agent_test.cpp" -o "$tmp/agent_test" \
  $(pkg-config --cflags --libs bpfload_testing) || fail "the agent's test does not build from pkg-config bpfload_testing"
# An agent's own test against the fake kernel needs no privileges: it runs here.
LD_LIBRARY_PATH="$libdir" "$tmp/agent_test" "$sample" >"$tmp/agent_test.out" 2>&1 ||
  { cat "$tmp/agent_test.out" >&2; fail "agent_test (libbpfload_testing) failed"; }
grep -q 'refused map creation handled' "$tmp/agent_test.out" || fail "agent_test did not see the injected failure"
# The exec tracer (issue 22): its header generated by the installed bpfload from the
# exec_events.o built beside the sample, the agent built with nothing but pkg-config.
installed_bpfload=$(find "$root" -path '*/bin/bpfload' -type f | head -n 1)
[ -n "$installed_bpfload" ] || fail "no bpfload binary installed"
LD_LIBRARY_PATH="$libdir" "$installed_bpfload" gen skeleton "$(dirname "$sample")/exec_events.o" \
  -o "$tmp/exec_events.skel.h" || fail "the installed bpfload cannot generate exec_events.skel.h"
cc $san_flags -std=c99 -Wall -Wextra -pedantic -Werror -I "$tmp" "$source/examples/exec_agent.c" -o "$tmp/exec_agent" \
  $(pkg-config --cflags --libs bpfload) || fail "exec_agent does not build from its generated header and pkg-config"
echo "installed into $root; examples built: agent, agent++, agent-static, agent_test (ran it), exec_agent"

if [ "$(id -u)" != 0 ] && [ "${BPFLOAD_REQUIRE_KERNEL:-0}" != 1 ]; then
  echo "SKIP: running the agents needs root (bpf()); set BPFLOAD_REQUIRE_KERNEL=1 to fail instead"
  exit 77
fi

check_agent() {
  name=$1
  shift
  rc=0
  LD_LIBRARY_PATH="$libdir" "$@" "$sample" >"$tmp/$name.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$tmp/$name.out" >&2; fail "$name exited with $rc"; }
  cat "$tmp/$name.out"
  grep -q 'returned 2 (XDP_PASS' "$tmp/$name.out" || fail "$name: the XDP program did not run"
  grep -q 'rxcnt\[17\] (UDP) = 3 packets' "$tmp/$name.out" || fail "$name: the counter read back is not 3"
  grep -q "map 'nosuch': not_found: no map named 'nosuch'" "$tmp/$name.out" ||
    fail "$name: no clear error for a map that does not exist"
}
check_agent agent "$tmp/agent"
check_agent agent++ "$tmp/agent++"
check_agent agent-static "$tmp/agent-static"
# exec_agent runs /bin/true itself once attached and exits 0 only when that exec's record,
# with the constant it set before the load, came through the ring buffer.
LD_LIBRARY_PATH="$libdir" "$tmp/exec_agent" --run /bin/true >"$tmp/exec_agent.out" 2>&1 ||
  { cat "$tmp/exec_agent.out" >&2; fail "exec_agent --run /bin/true failed"; }
grep -q '^pid [0-9][0-9]* comm true$' "$tmp/exec_agent.out" || fail "exec_agent printed no 'pid N comm true' line"
grep -q '^execs counted: [1-9]' "$tmp/exec_agent.out" || fail "exec_agent read no exec count from the mapped .bss"

# The perf buffer agent traces its own child's exec: it exits 0 once it read that pid.
perf_object=$(dirname "$sample")/exec_perf_events.o
rc=0
LD_LIBRARY_PATH="$libdir" "$tmp/perf_agent" "$perf_object" --timeout 20 --run /bin/true >"$tmp/perf_agent.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$tmp/perf_agent.out" >&2; fail "perf_agent exited with $rc"; }
child=$(sed -n 's/^read the exec of pid \([0-9]*\) .*/\1/p' "$tmp/perf_agent.out")
[ -n "$child" ] || { cat "$tmp/perf_agent.out" >&2; fail "perf_agent did not say which exec it read"; }
grep -q "^pid $child comm true\$" "$tmp/perf_agent.out" ||
  { cat "$tmp/perf_agent.out" >&2; fail "perf_agent: no 'pid $child comm true' line for its child"; }
grep -q 'samples lost$' "$tmp/perf_agent.out" || fail "perf_agent did not report its lost count"
echo "perf_agent: read the exec of its child $child through the perf buffer"
echo "PASS"
