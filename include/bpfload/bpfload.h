/* bpfload's C API: load a BPF ELF object (legacy `struct bpf_map_def SEC("maps")` or
 * modern), then reach its maps and programs by name. C99, valid C++, usable through cgo
 * and Rust FFI.
 *
 * Handles. A bpfload_object is opaque: open it (the object is parsed, no privileges
 * needed), optionally set per-map options, load it, use it, close it. Everything it
 * loaded (map and program fds) belongs to it and is closed by bpfload_object_close; pins
 * outlive it. Maps and programs are named by strings on every call, so no handle of theirs
 * can dangle.
 *
 * Errors. Every function that can fail returns a bpfload_status: BPFLOAD_OK (0) or the
 * kind of failure. The details (kind, errno, message naming the map/program/section, and
 * the verifier log of a refused program) are read with bpfload_object_error(object); they
 * stay valid until the next call on that object. A call made without an object (an open
 * that failed, or a NULL object passed in) keeps its error per thread, read with
 * bpfload_object_error(NULL) on the same thread. No C++ exception crosses this API: an
 * allocation failure is BPFLOAD_ERR_NO_MEMORY.
 *
 * Threads. One object is used by one thread at a time (its error slot is not shared
 * safely); different objects can be used from different threads at once. A load verifies
 * programs on helper threads of its own and returns when they are done; no thread is left
 * running between calls.
 *
 * Compatibility. Options structs start with `sz`, which the caller sets to sizeof the
 * struct it was compiled with (BPFLOAD_OPTS_INIT): fields added later at the end are then
 * zero for old callers, and a newer caller's non-zero unknown fields are refused with
 * BPFLOAD_ERR_INVALID_ARGUMENT instead of being ignored. Out structs (program results,
 * map info) use `sz` the same way: the library fills only what the caller's struct has. */
#ifndef BPFLOAD_BPFLOAD_H
#define BPFLOAD_BPFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "bpfload/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a call returned. The values are stable. */
typedef enum bpfload_status {
  BPFLOAD_OK = 0,
  BPFLOAD_ERR_MALFORMED = 1,        /* the object's bytes contradict themselves */
  BPFLOAD_ERR_UNSUPPORTED = 2,      /* well-formed, but not something bpfload handles */
  BPFLOAD_ERR_NOT_FOUND = 3,        /* no map, program, file or key of that name */
  BPFLOAD_ERR_INVALID_ARGUMENT = 4, /* NULL where a value is needed, wrong size, bad option */
  BPFLOAD_ERR_LIMIT_EXCEEDED = 5,   /* the object exceeds a sanity bound */
  BPFLOAD_ERR_KERNEL = 6,           /* a bpf() or filesystem call failed; errno is set */
  BPFLOAD_ERR_IO = 7,               /* reading a file failed */
  BPFLOAD_ERR_NO_MEMORY = 8,        /* an allocation failed */
  BPFLOAD_ERR_INTERNAL = 9          /* a bug in bpfload: please report the message */
} bpfload_status;

/* The details of the last failed call. Owned by the library. */
typedef struct bpfload_error {
  bpfload_status kind;      /* BPFLOAD_OK after a successful call */
  int sys_errno;            /* errno of the failing system call, 0 when none */
  const char *message;      /* never NULL; "" after a successful call */
  const char *verifier_log; /* never NULL; the verifier's log when a program was refused */
} bpfload_error;

typedef struct bpfload_object bpfload_object;

/* Sets the `sz` field of an options or out struct and zeroes the rest:
 * `bpfload_load_opts o = BPFLOAD_OPTS_INIT(o);`. Written so that -Wextra stays quiet:
 * designated in C, a value-initialised copy in C++ (where GCC warns about either brace form). */
#ifdef __cplusplus
#define BPFLOAD_OPTS_INIT(var) \
  ([]() { decltype(var) bpfload_opts_{}; bpfload_opts_.sz = sizeof(bpfload_opts_); return bpfload_opts_; }())
#else
#define BPFLOAD_OPTS_INIT(var) {.sz = sizeof(var)}
#endif

/* An error copied into the caller's memory, for callers whose next call may run on
 * another OS thread (a goroutine, a Rust async task) and so cannot read the per-thread
 * error of bpfload_object_error(NULL). Every call that can fail without an object (opening
 * an object, creating or opening a map on its own, deployments) takes one through the
 * `error` field of its options: on return it holds that call's outcome (kind BPFLOAD_OK
 * and "" on success). The per-thread error is set as well. */
typedef struct bpfload_error_buf {
  size_t sz;              /* sizeof(bpfload_error_buf), set by the caller (bpfload_error_buf_init) */
  bpfload_status kind;
  int sys_errno;          /* errno of the failing system call, 0 when none */
  char message[1024];     /* NUL-terminated; a longer message is cut and ends with "..." */
} bpfload_error_buf;

/* Functions doing what BPFLOAD_OPTS_INIT does, for callers that cannot use a macro (cgo,
 * Rust FFI): zero *opts and set its sz to the size of the struct this header declares.
 * NULL is a no-op. Never fail. */
struct bpfload_open_opts;
struct bpfload_load_opts;
struct bpfload_attach_opts;
struct bpfload_deploy_opts;
struct bpfload_map_create_opts;
struct bpfload_map_open_opts;
struct bpfload_map_info;
struct bpfload_program_result;
BPFLOAD_API void bpfload_open_opts_init(struct bpfload_open_opts *opts);
BPFLOAD_API void bpfload_load_opts_init(struct bpfload_load_opts *opts);
BPFLOAD_API void bpfload_attach_opts_init(struct bpfload_attach_opts *opts);
BPFLOAD_API void bpfload_deploy_opts_init(struct bpfload_deploy_opts *opts);
BPFLOAD_API void bpfload_map_create_opts_init(struct bpfload_map_create_opts *opts);
BPFLOAD_API void bpfload_map_open_opts_init(struct bpfload_map_open_opts *opts);
BPFLOAD_API void bpfload_map_info_init(struct bpfload_map_info *info);
BPFLOAD_API void bpfload_program_result_init(struct bpfload_program_result *result);
BPFLOAD_API void bpfload_error_buf_init(bpfload_error_buf *error);

/* The library's version, "MAJOR.MINOR.PATCH". Never fails. */
BPFLOAD_API const char *bpfload_version(void);

/* Stable lower-case name of a status ("ok", "not_found", "kernel", ...); "unknown" for a
 * value that is not one. Never fails. */
BPFLOAD_API const char *bpfload_status_name(bpfload_status status);

/* The error of the last call on `object` (kind BPFLOAD_OK when it succeeded), or, with
 * `object` NULL, of the calling thread's last call made without an object. Valid until
 * the next call on the same object (or, for NULL, the next such call on the thread).
 * Never fails, never NULL. */
BPFLOAD_API const bpfload_error *bpfload_object_error(const bpfload_object *object);

/* ---- Opening ---------------------------------------------------------------------- */

/* A program type chosen by the caller: `name` is a section or program name, `type` a
 * program type as libbpf spells it ("xdp", "sched_cls", "socket_filter", ...). */
typedef struct bpfload_program_type {
  const char *name;
  const char *type;
} bpfload_program_type;

/* How an object is read. All fields zero (besides sz) means the defaults. */
typedef struct bpfload_open_opts {
  size_t sz;              /* sizeof(bpfload_open_opts) */
  const char *map_layout; /* legacy map layout: "libbpf", "samples", "iproute2"; NULL: detect */
  const bpfload_program_type *program_types; /* overrides of the section table, or NULL */
  size_t program_type_count;
  bpfload_error_buf *error; /* when set, receives the open's outcome (see bpfload_error_buf) */
} bpfload_open_opts;

/* Reads and parses the object at `path` (no privileges, no bpf() call) and stores a new
 * object in *object. `opts` may be NULL. On failure *object is NULL and the error is read
 * with bpfload_object_error(NULL): BPFLOAD_ERR_IO (unreadable), MALFORMED (with the
 * section, symbol or offset), UNSUPPORTED, LIMIT_EXCEEDED, INVALID_ARGUMENT (NULL path or
 * object, bad opts, an unknown layout or program type). */
BPFLOAD_API bpfload_status bpfload_object_open_file(const char *path, const bpfload_open_opts *opts,
                                                    bpfload_object **object);

/* As bpfload_object_open_file, for an object of `size` bytes at `data`; the bytes are
 * copied, they need not outlive the call. Fails as bpfload_object_open_file (never IO). */
BPFLOAD_API bpfload_status bpfload_object_open_mem(const void *data, size_t size, const bpfload_open_opts *opts,
                                                   bpfload_object **object);

/* Closes every fd the object owns and frees it. Pins stay. NULL is a no-op; closing an
 * object twice is undefined, as free() twice is. */
BPFLOAD_API void bpfload_object_close(bpfload_object *object);

/* ---- Before loading: per-map options ---------------------------------------------- */

/* Where a map is pinned (iproute2's and libbpf's conventions). */
typedef enum bpfload_pinning {
  BPFLOAD_PIN_NONE = 0,
  BPFLOAD_PIN_OBJECT_NS = 1, /* <pin root>/tc/<object id>/<name> (iproute2 PIN_OBJECT_NS) */
  BPFLOAD_PIN_GLOBAL_NS = 2, /* <pin root>/tc/globals/<name> (iproute2 PIN_GLOBAL_NS) */
  BPFLOAD_PIN_BY_NAME = 3,   /* <pin root>/<name> (libbpf LIBBPF_PIN_BY_NAME) */
  /* Not a value: gives the enum an int's range in C++, so an unknown value a caller passes
   * is refused with INVALID_ARGUMENT instead of being undefined behaviour. */
  BPFLOAD_PIN_RANGE_ = 0x7fffffff
} bpfload_pinning;

/* Creates map `map` with `max_entries` instead of the object's value. Fails with NOT_FOUND
 * (no such map), INVALID_ARGUMENT (NULL object or name, zero, or already loaded). */
BPFLOAD_API bpfload_status bpfload_object_set_map_max_entries(bpfload_object *object, const char *map,
                                                              uint32_t max_entries);

/* Creates map `map` with values of `value_size` bytes instead of the object's size, as
 * libbpf's bpf_map__set_value_size (a stack-trace map sized by its tool). The load checks
 * the size against the map's type (a stack trace's value is whole 8-byte frames, fd maps
 * hold 4 bytes) and creates a map whose BTF value type no longer fits without BTF
 * key/value types. Fails as bpfload_object_set_map_max_entries. */
BPFLOAD_API bpfload_status bpfload_object_set_map_value_size(bpfload_object *object, const char *map,
                                                             uint32_t value_size);

/* Loads program `program` (autoload non-zero) or leaves it out (0), instead of what its
 * section says (a SEC("?...") program is left out by default), as libbpf's
 * bpf_program__set_autoload: of twins such as a tp_btf and a raw_tp handler, load one.
 * bpfload_program_attach attaches only loaded programs. Fails with NOT_FOUND (no such
 * program), INVALID_ARGUMENT (NULL object or name, already loaded); the load fails with
 * INVALID_ARGUMENT when no program is left to load. */
BPFLOAD_API bpfload_status bpfload_object_set_program_autoload(bpfload_object *object, const char *program,
                                                               int autoload);

/* Pins map `map` as `pinning` says instead of as the object says. Fails as
 * bpfload_object_set_map_max_entries, and with INVALID_ARGUMENT for an unknown value. */
BPFLOAD_API bpfload_status bpfload_object_set_map_pinning(bpfload_object *object, const char *map,
                                                          bpfload_pinning pinning);

/* Uses the map pinned at `pin_path` for `map` instead of creating one; the load refuses it,
 * naming both, when its type or sizes differ. Fails as bpfload_object_set_map_max_entries
 * (also for a NULL path). */
BPFLOAD_API bpfload_status bpfload_object_reuse_map(bpfload_object *object, const char *map, const char *pin_path);

/* Sets the `const volatile` global `name` of .rodata to `value`, given as text and checked
 * against the variable's BTF type (integers in range, decimal or 0x; true/false; enumerator
 * names; char arrays as text), before the load freezes it. Fails with NOT_FOUND (no such
 * global, or a writable one), INVALID_ARGUMENT (NULL argument, a value that does not fit its
 * type, or already loaded), UNSUPPORTED (the object has no BTF). */
BPFLOAD_API bpfload_status bpfload_object_set_constant(bpfload_object *object, const char *name, const char *value);

/* ---- Loading ---------------------------------------------------------------------- */

#define BPFLOAD_LOG_LEVEL1 1u /* the verifier's log of the path it took */
#define BPFLOAD_LOG_LEVEL2 2u /* every instruction's state */
#define BPFLOAD_LOG_STATS 4u  /* the closing statistics */

/* How an object is loaded. All fields zero (besides sz) means the defaults. */
typedef struct bpfload_load_opts {
  size_t sz;              /* sizeof(bpfload_load_opts) */
  const char *pin_root;   /* bpffs for the object's own pins; NULL: "/sys/fs/bpf" */
  const char *pin_dir;    /* when set, maps pinned at <pin_dir>/maps/<name>, programs at <pin_dir>/progs/<name> */
  const char *object_id;  /* iproute2 PIN_OBJECT_NS directory; NULL: the SHA-1 of the object, as tc */
  uint32_t log_level;     /* BPFLOAD_LOG_* bits; a refused program's log is fetched at level 1 anyway */
  int keep_going;         /* non-zero: load what can load instead of all or nothing */
  int no_bpffs_check;     /* non-zero: do not require pin roots to be on bpffs */
  unsigned parallelism;   /* threads verifying at once; 0: the CPUs, at most 8 */
} bpfload_load_opts;

/* Creates the maps, loads the programs, fills prog arrays and pins. `opts` may be NULL.
 * All or nothing unless keep_going: on failure nothing the call created is left (no fd,
 * no pin, no directory), and the error names the map or program and carries the
 * verifier's log. Per-program results (bpfload_object_program_result) are filled either
 * way. Fails with KERNEL (errno kept, with a hint for EPERM), NOT_FOUND (a reuse path that
 * names nothing), INVALID_ARGUMENT (NULL object, bad opts, a program of unknown type, a
 * mismatched pinned map, already loaded), UNSUPPORTED (foreign byte order). */
BPFLOAD_API bpfload_status bpfload_object_load(bpfload_object *object, const bpfload_load_opts *opts);

/* What happened to one program. Strings are owned by the object and valid until it is
 * closed or loaded again; never NULL. */
typedef struct bpfload_program_result {
  size_t sz;                 /* sizeof(bpfload_program_result), set by the caller */
  const char *name;
  const char *section;
  uint32_t type;             /* enum bpf_prog_type */
  int loaded;                /* non-zero when the kernel accepted it */
  uint32_t id;               /* kernel program id, 0 when not loaded */
  int sys_errno;             /* errno of the refusal, 0 when loaded */
  const char *error;         /* "" when loaded */
  const char *verifier_log;  /* as asked for by log_level, or fetched for a refusal */
  const char *pin_path;      /* "" when not pinned */
  uint32_t insns_processed;  /* from the verifier's statistics, 0 when unknown */
} bpfload_program_result;

/* Number of programs: those the object declares before a load, those the load reported
 * after it. 0 for a NULL object. Never fails. */
BPFLOAD_API size_t bpfload_object_program_count(const bpfload_object *object);

/* Fills *result (whose sz the caller set) for program `index` (< program_count). Before a
 * load, only name, section and type are set. Fails with INVALID_ARGUMENT (NULL object or
 * result, sz 0) and NOT_FOUND (index out of range). */
BPFLOAD_API bpfload_status bpfload_object_program_result(bpfload_object *object, size_t index,
                                                         bpfload_program_result *result);

/* Stores the fd of the loaded program `program` in *fd; the object keeps owning it.
 * Fails with NOT_FOUND (no such program, or it did not load: the message says which)
 * and INVALID_ARGUMENT (NULL object, name or fd; object not loaded). */
BPFLOAD_API bpfload_status bpfload_object_program_fd(bpfload_object *object, const char *program, int *fd);

/* Runs the loaded program `program` `repeat` times (0 counts as 1) on the packet
 * `data`/`size` with BPF_PROG_TEST_RUN and stores its return value in *retval (may be
 * NULL). For packet programs (XDP, tc, socket filters). Fails as bpfload_object_program_fd,
 * with INVALID_ARGUMENT when `repeat` is more than 1,000,000 (one call stays short: run
 * again for more), and with KERNEL when the kernel refuses the run (EINVAL: a type it
 * cannot test-run). */
BPFLOAD_API bpfload_status bpfload_program_test_run(bpfload_object *object, const char *program, const void *data,
                                                    size_t size, uint32_t repeat, uint32_t *retval);

/* ---- Maps, by name ---------------------------------------------------------------- */

/* What a loaded map is. */
typedef struct bpfload_map_info {
  size_t sz;                /* sizeof(bpfload_map_info), set by the caller */
  uint32_t type;            /* enum bpf_map_type */
  uint32_t key_size;
  uint32_t value_size;      /* of one value (one CPU's, for a per-CPU map) */
  uint32_t max_entries;
  uint32_t id;              /* kernel map id */
  int fd;                   /* owned by the object */
  int per_cpu;              /* non-zero: a lookup returns one value per possible CPU */
  uint32_t value_count;     /* values per key: the possible CPUs for a per-CPU map, else 1 */
  size_t value_stride;      /* bytes from one CPU's value to the next (value_size rounded up to 8) */
  size_t value_buffer_size; /* bytes a value buffer needs: value_stride * value_count */
} bpfload_map_info;

/* Fills *info (whose sz the caller set) for map `map` (a map or a global-data section,
 * ".bss", ".data", ".rodata"). Fails with NOT_FOUND (no such map; the message lists the
 * object's maps), INVALID_ARGUMENT (NULL object, name or info; sz 0; not loaded), KERNEL. */
BPFLOAD_API bpfload_status bpfload_map_get_info(bpfload_object *object, const char *map,
                                                    bpfload_map_info *info);

/* Stores the fd of map `map` in *fd; the object keeps owning it. Fails as
 * bpfload_map_get_info. */
BPFLOAD_API bpfload_status bpfload_object_map_fd(bpfload_object *object, const char *map, int *fd);

/* Copies the value of `key` (key_size bytes exactly) into `value`, which must hold at least
 * value_buffer_size bytes (one value per possible CPU for a per-CPU map, at value_stride
 * apart). *found (may be NULL) is set to 1, or to 0 when the key is absent; with found NULL,
 * an absent key is NOT_FOUND with errno ENOENT. Fails with INVALID_ARGUMENT (NULL
 * arguments, a wrong key size, a buffer too small: nothing is written), NOT_FOUND (no
 * such map), KERNEL. */
BPFLOAD_API bpfload_status bpfload_map_lookup(bpfload_object *object, const char *map, const void *key,
                                              size_t key_size, void *value, size_t value_size, int *found);

/* Sets `key` to `value` (value_buffer_size bytes exactly). `flags`: 0 (BPF_ANY), 1
 * (BPF_NOEXIST), 2 (BPF_EXIST). Fails with INVALID_ARGUMENT (NULL arguments, wrong sizes),
 * NOT_FOUND (no such map), KERNEL (EEXIST, E2BIG for a full map, ...). */
BPFLOAD_API bpfload_status bpfload_map_update(bpfload_object *object, const char *map, const void *key,
                                              size_t key_size, const void *value, size_t value_size,
                                              uint64_t flags);

/* Deletes `key`. *found (may be NULL) is set to 0 when it was absent, else 1; with found
 * NULL an absent key is NOT_FOUND (errno ENOENT). Fails as bpfload_map_update (arrays
 * refuse deletes: KERNEL with EINVAL). */
BPFLOAD_API bpfload_status bpfload_map_delete(bpfload_object *object, const char *map, const void *key,
                                              size_t key_size, int *found);

/* Iteration: writes the key after `key` (the first key when `key` is NULL) into
 * `next_key`; both are key_size bytes. *has_next is set to 0 after the last key, else 1.
 * A walk starts with key NULL and passes each next_key back as key.
 * Fails with INVALID_ARGUMENT (NULL object, name, next_key or has_next; wrong size),
 * NOT_FOUND (no such map), KERNEL. */
BPFLOAD_API bpfload_status bpfload_map_next_key(bpfload_object *object, const char *map, const void *key,
                                                void *next_key, size_t key_size, int *has_next);

/* Global variables by name, as libbpf's skeletons give them (skel->bss->x), after the load.
 * bpfload_object_read_global copies the current bytes of global `name` (in .data, .bss,
 * .rodata or a custom data section) into `value`, which must be exactly the variable's
 * size. bpfload_object_write_global writes them; only those bytes change, so what the
 * programs write meanwhile to the section's other variables is kept. .rodata is frozen
 * at load: set it before with bpfload_object_set_constant. Both fail with NOT_FOUND (no
 * such global), INVALID_ARGUMENT (NULL arguments, a size that is not the variable's, not
 * loaded, a read-only section for a write), UNSUPPORTED (no BTF), KERNEL. */
BPFLOAD_API bpfload_status bpfload_object_read_global(bpfload_object *object, const char *name, void *value,
                                                      size_t size);
BPFLOAD_API bpfload_status bpfload_object_write_global(bpfload_object *object, const char *name,
                                                       const void *value, size_t size);
/* As bpfload_object_write_global, with the value as text parsed by the variable's BTF type
 * as bpfload_object_set_constant parses it. */
BPFLOAD_API bpfload_status bpfload_object_write_global_text(bpfload_object *object, const char *name,
                                                            const char *value);

/* The bytes of global-data section `section` (".data", ".rodata", ".bss", ".data.NAME",
 * ".rodata.NAME"), as libbpf's bpf_map__initial_value and what generated skeletons map
 * their `bss`/`data`/`rodata` structs over. Before the load: *data points at the section's
 * initial contents, owned by the object, which the caller may change until
 * bpfload_object_load creates the section's map with them (`.rodata` included: this is
 * how a skeleton sets constants). After a successful load: *data points at the map's value
 * itself, mapped shared (the programs see every write at once, and the caller every write
 * of theirs); `.rodata` and `.rodata.*` are frozen and mapped read-only, so a write there
 * faults. *size receives the section's size in bytes. The pointer stays valid until the
 * object is closed. Fails with NOT_FOUND (no such section; the message lists them),
 * INVALID_ARGUMENT (NULL arguments; the load failed), KERNEL (mmap). */
BPFLOAD_API bpfload_status bpfload_object_section_data(bpfload_object *object, const char *section, void **data,
                                                       size_t *size);

/* ---- Maps on their own ------------------------------------------------------------ *
 * A bpfload_map is a map that belongs to no object: created from a definition, or opened
 * from a pin. It owns its fd (closed by bpfload_map_close; pins stay). Errors of the calls
 * on a map are read with bpfload_map_error(map); those of the calls that make one, from
 * their options' `error` buffer or bpfload_object_error(NULL). One map is used by one
 * thread at a time (its error slot is not shared safely). */

typedef struct bpfload_map bpfload_map;

/* The definition of a map created on its own. */
typedef struct bpfload_map_create_opts {
  size_t sz;            /* sizeof(bpfload_map_create_opts) */
  uint32_t type;        /* enum bpf_map_type */
  uint32_t key_size;
  uint32_t value_size;
  uint32_t max_entries; /* 0 for a perf event array: one per possible CPU */
  uint32_t flags;       /* BPF_F_* map flags */
  const char *name;     /* may be NULL; the kernel keeps 15 characters */
  bpfload_error_buf *error; /* when set, receives the call's outcome */
} bpfload_map_create_opts;

/* How a map is opened. All fields zero (besides sz) means the defaults. */
typedef struct bpfload_map_open_opts {
  size_t sz;                /* sizeof(bpfload_map_open_opts) */
  bpfload_error_buf *error; /* when set, receives the call's outcome */
} bpfload_map_open_opts;

/* Creates a map as *opts defines it and stores it in *map, after the size checks an
 * object's maps pass (array keys are 4 bytes, ring buffers have no key or value, fd maps
 * hold 4-byte values, a stack trace's value is whole 8-byte frames). On failure *map is
 * NULL. Fails with INVALID_ARGUMENT (NULL opts or map, bad sz, a size the type cannot
 * have: the message names it; a map-in-map or struct_ops type, which need an object),
 * KERNEL (errno kept: EPERM without privileges, EINVAL for a type this kernel lacks). */
BPFLOAD_API bpfload_status bpfload_map_create(const bpfload_map_create_opts *opts, bpfload_map **map);

/* Opens the map pinned at `path` and stores it in *map. `opts` may be NULL. Fails with
 * INVALID_ARGUMENT (NULL path or map, bad opts, a pin that is not a map), KERNEL (ENOENT:
 * nothing pinned there; EACCES). */
BPFLOAD_API bpfload_status bpfload_map_open_pinned(const char *path, const bpfload_map_open_opts *opts,
                                                   bpfload_map **map);

/* Opens the map with kernel id `id` (as `bpftool map show id N` names it) and stores it in
 * *map. `opts` may be NULL. Fails with INVALID_ARGUMENT (NULL map, bad opts), KERNEL
 * (ENOENT: no map has that id; EPERM without CAP_SYS_ADMIN). */
BPFLOAD_API bpfload_status bpfload_map_open_id(uint32_t id, const bpfload_map_open_opts *opts, bpfload_map **map);

/* Pins `map` at `path` on bpffs: it outlives the process until the pin is removed. Fails
 * with INVALID_ARGUMENT (NULL map or path), KERNEL (EEXIST: a pin is there; EPERM: not
 * on bpffs; ENOENT: no such directory). */
BPFLOAD_API bpfload_status bpfload_map_pin(bpfload_map *map, const char *path);

/* The map's fd, owned by the map; -1 for NULL. Never fails. */
BPFLOAD_API int bpfload_map_fd(const bpfload_map *map);

/* Closes the map's fd and frees it; the map lives on while a pin or a program holds it.
 * NULL is a no-op. */
BPFLOAD_API void bpfload_map_close(bpfload_map *map);

/* The error of the last call on `map` (kind BPFLOAD_OK when it succeeded); for NULL,
 * the thread's error, as bpfload_object_error(NULL). Valid until the next call on the
 * map. Never fails, never NULL. */
BPFLOAD_API const bpfload_error *bpfload_map_error(const bpfload_map *map);

/* Fills *info (whose sz the caller set) for `map`; info->fd is the map's. Fails with
 * INVALID_ARGUMENT (NULL map or info, sz 0). */
BPFLOAD_API bpfload_status bpfload_map_query_info(bpfload_map *map, bpfload_map_info *info);

/* Element access on a map of its own, with the arguments and checks of bpfload_map_lookup,
 * bpfload_map_update, bpfload_map_delete and bpfload_map_next_key (per-CPU values one per
 * possible CPU at value_stride apart). Fail with INVALID_ARGUMENT (NULL map, key, value or
 * out pointer; a key or value of the wrong size: nothing is written), NOT_FOUND (an absent
 * key when `found` is NULL, errno ENOENT), KERNEL (EEXIST, E2BIG for a full map, EINVAL for
 * a delete from an array or an access the map's type does not have). */
BPFLOAD_API bpfload_status bpfload_map_lookup_elem(bpfload_map *map, const void *key, size_t key_size, void *value,
                                                   size_t value_size, int *found);
BPFLOAD_API bpfload_status bpfload_map_update_elem(bpfload_map *map, const void *key, size_t key_size,
                                                   const void *value, size_t value_size, uint64_t flags);
BPFLOAD_API bpfload_status bpfload_map_delete_elem(bpfload_map *map, const void *key, size_t key_size, int *found);
BPFLOAD_API bpfload_status bpfload_map_get_next_key(bpfload_map *map, const void *key, void *next_key,
                                                    size_t key_size, int *has_next);

/* ---- Attaching -------------------------------------------------------------------- *
 * An attachment is a bpfload_link, owned by its object like the object's fds: it is
 * undone by bpfload_link_detach or, at the latest, by bpfload_object_close, unless it was
 * pinned (a BPF link pinned on bpffs stays until the pin is removed) or kept. Errors of
 * the attach and link calls are read from the object, as for every other call. A
 * bpfload_link pointer is valid until bpfload_link_detach or bpfload_object_close. */

typedef struct bpfload_link bpfload_link;

/* XDP attach modes. */
typedef enum bpfload_xdp_mode {
  BPFLOAD_XDP_AUTO = 0,    /* native where the driver has it, else generic */
  BPFLOAD_XDP_NATIVE = 1,
  BPFLOAD_XDP_GENERIC = 2,
  BPFLOAD_XDP_OFFLOAD = 3,
  BPFLOAD_XDP_MODE_RANGE_ = 0x7fffffff /* not a value: an int's range, as bpfload_pinning */
} bpfload_xdp_mode;

/* Which tc hook. */
typedef enum bpfload_tc_direction {
  BPFLOAD_TC_FROM_SECTION = 0, /* the section's last word: "tc/ingress", "egress", ... */
  BPFLOAD_TC_INGRESS = 1,
  BPFLOAD_TC_EGRESS = 2,
  BPFLOAD_TC_DIRECTION_RANGE_ = 0x7fffffff
} bpfload_tc_direction;

/* Where bpfload_program_attach attaches what the section does not place by itself. All
 * fields zero (besides sz) means the defaults. */
typedef struct bpfload_attach_opts {
  size_t sz;                          /* sizeof(bpfload_attach_opts) */
  const char *device;                 /* network interface for XDP and tc programs */
  const char *cgroup;                 /* cgroup v2 directory for cgroup programs */
  bpfload_xdp_mode xdp_mode;
  bpfload_tc_direction tc_direction;
  int netlink;  /* non-zero: XDP through netlink and tc as a clsact `bpf da` filter, which
                 * persist by themselves as with ip and tc (kept with bpfload_link_keep),
                 * instead of BPF links */
  int replace;  /* non-zero: replace a program already attached there */
  uint32_t tc_priority; /* netlink tc filter priority; 0: the kernel chooses */
  uint32_t tc_handle;   /* netlink tc filter handle; 0: the kernel chooses */
} bpfload_attach_opts;

/* Attaches the loaded program `program` where its section says: xdp and tc on
 * opts->device, tracepoint/CAT/NAME, raw_tp/NAME, cgroup programs on opts->cgroup,
 * kprobe/FUNC, uprobe/BINARY:SYMBOL, fentry/fexit/lsm/tp_btf/iter. `opts` may be NULL.
 * Stores the new attachment in *link. Fails with NOT_FOUND (no such program, interface,
 * tracepoint, cgroup, function), INVALID_ARGUMENT (NULL object, program or link; bad opts;
 * a section that does not say where and no option that would: the message names the
 * option; already attached there without replace), KERNEL, UNSUPPORTED. */
BPFLOAD_API bpfload_status bpfload_program_attach(bpfload_object *object, const char *program,
                                                  const bpfload_attach_opts *opts, bpfload_link **link);

/* Registers the struct_ops map `map` (a SEC(".struct_ops.link") variable, such as a TCP
 * congestion control) with BPF_LINK_CREATE: it is live until *link is detached or
 * destroyed (or pinned and unpinned). Fails with NOT_FOUND (no such map), INVALID_ARGUMENT
 * (NULL object, map or link; not a .struct_ops.link map; not loaded), KERNEL. */
BPFLOAD_API bpfload_status bpfload_map_attach_struct_ops(bpfload_object *object, const char *map,
                                                         bpfload_link **link);

/* Attaches the uprobe (uretprobe when `retprobe` is non-zero) program `program` to
 * `binary` at function `symbol`, or at file offset `offset` when `symbol` is NULL, in
 * process `pid` (-1: every process). Fails as bpfload_program_attach, with NOT_FOUND
 * naming the binary or the symbol. */
BPFLOAD_API bpfload_status bpfload_program_attach_uprobe(bpfload_object *object, const char *program,
                                                         const char *binary, const char *symbol, uint64_t offset,
                                                         int retprobe, int pid, bpfload_link **link);

/* Attaches the sk_msg or sk_skb program `program` (its section says which hook:
 * sk_msg, sk_skb/stream_parser, sk_skb/stream_verdict, sk_skb/verdict) to the object's
 * sockmap or sockhash `map`. Sockets added to the map afterwards run it. Fails with
 * NOT_FOUND (no such program or map), INVALID_ARGUMENT (NULL arguments; not a sockmap;
 * not an sk_msg/sk_skb program), KERNEL. */
BPFLOAD_API bpfload_status bpfload_program_attach_sockmap(bpfload_object *object, const char *program,
                                                          const char *map, bpfload_link **link);

/* Attaches the socket filter program `program` to the socket `socket_fd`, which the caller
 * owns (SO_ATTACH_BPF). The link keeps its own reference to the socket until it is
 * detached. Fails with INVALID_ARGUMENT (not a socket; not a socket filter program; NULL
 * arguments), NOT_FOUND, KERNEL. */
BPFLOAD_API bpfload_status bpfload_program_attach_socket_filter(bpfload_object *object, const char *program,
                                                                int socket_fd, bpfload_link **link);

/* Attaches the perf_event program `program` to the perf event `perf_fd` the caller opened
 * with perf_event_open(2); the link takes a duplicate of the fd, the caller keeps theirs.
 * Fails with INVALID_ARGUMENT (negative fd, NULL arguments), NOT_FOUND, KERNEL. */
BPFLOAD_API bpfload_status bpfload_program_attach_perf_event(bpfload_object *object, const char *program,
                                                             int perf_fd, bpfload_link **link);

/* Undoes the attachment now (and removes its pin, if any) and frees `link`, which is
 * invalid afterwards, also when this fails. Fails with INVALID_ARGUMENT (NULL link, on the
 * thread's error) and KERNEL (on the link's object). */
BPFLOAD_API bpfload_status bpfload_link_detach(bpfload_link *link);

/* Pins the BPF link at `path` on bpffs, so it stays attached after the object is closed
 * and the process exits (`bpfload detach PATH` undoes it). Fails with UNSUPPORTED for
 * attachments that are not BPF links (netlink, socket filters, PROG_ATTACH: use
 * bpfload_link_keep), INVALID_ARGUMENT (NULL arguments, already pinned), KERNEL. */
BPFLOAD_API bpfload_status bpfload_link_pin(bpfload_link *link, const char *path);

/* Leaves the attachment in place when the object is closed (netlink XDP and tc persist
 * by themselves; a BPF link that is neither pinned nor held ends with the process). Never
 * fails; NULL is a no-op. */
BPFLOAD_API void bpfload_link_keep(bpfload_link *link);

/* The BPF link's fd (owned by the link), or -1 when the attachment is not a BPF link or
 * `link` is NULL. Never fails. */
BPFLOAD_API int bpfload_link_fd(const bpfload_link *link);

/* What the attachment is on ("xdp on veth0 (native)", "socket fd 5", ...) and how ("link",
 * "netlink", "tc-filter", "perf-event", "prog-attach", "socket-filter"). Owned by the
 * link; "" for NULL. Never fail. */
BPFLOAD_API const char *bpfload_link_target(const bpfload_link *link);
BPFLOAD_API const char *bpfload_link_mechanism(const bpfload_link *link);

/* ---- Deployment ------------------------------------------------------------------- */

/* What applying a deployment did. */
typedef enum bpfload_deploy_outcome {
  BPFLOAD_DEPLOY_CREATED = 1,   /* nothing was deployed there before */
  BPFLOAD_DEPLOY_UPGRADED = 2,  /* the previous deployment was replaced: maps kept, programs swapped in place */
  BPFLOAD_DEPLOY_UNCHANGED = 3, /* it was deployed already: nothing was touched */
  BPFLOAD_DEPLOY_REMOVED = 4
} bpfload_deploy_outcome;

/* How a deployment is applied. All fields zero (besides sz) means the defaults. */
typedef struct bpfload_deploy_opts {
  size_t sz;    /* sizeof(bpfload_deploy_opts) */
  int dry_run;  /* nonzero: change nothing (the outcome says what would happen) */
  bpfload_error_buf *error; /* when set, receives the call's outcome (see bpfload_error_buf) */
} bpfload_deploy_opts;

/* Applies every deployment the file `path` describes (YAML or JSON; docs/deploy.md), each
 * as one transaction, as `bpfload apply` does: an interrupted earlier run is finished or
 * undone first; a deployment already in place is left untouched; otherwise its objects
 * are loaded with the maps of the previous set kept and its attachments switched in
 * place, and on any failure the previous state is left exactly as it was. `outcome`
 * (may be NULL) receives the last deployment's outcome. `opts` may be NULL. Errors (with
 * the file's line for a bad file) are in bpfload_object_error(NULL). */
BPFLOAD_API bpfload_status bpfload_deploy_apply_file(const char *path, const bpfload_deploy_opts *opts,
                                                     bpfload_deploy_outcome *outcome);

/* Removes the deployment in pin directory `pin_dir`, as `bpfload delete DIR`: every
 * attachment detached, every pin and directory it made removed. `opts` may be NULL.
 * BPFLOAD_ERR_NOT_FOUND when nothing is there. Errors in bpfload_object_error(NULL). */
BPFLOAD_API bpfload_status bpfload_deploy_remove(const char *pin_dir, const bpfload_deploy_opts *opts);

/* ---- Events: ring buffers ---------------------------------------------------------- */

/* A reader of BPF ring buffers (BPF_MAP_TYPE_RINGBUF): the records programs write with
 * bpf_ringbuf_output or bpf_ringbuf_reserve/submit, read in place as they come, in the
 * order they were committed; discarded records are skipped. One reader waits on any number
 * of rings with one epoll fd. It holds its own references to the rings, so it keeps
 * working after the object it was made from is closed. Errors of calls on a reader are
 * read with bpfload_ringbuf_error(reader). One thread at a time per reader. */
typedef struct bpfload_ringbuf bpfload_ringbuf;

/* Called with one record: `data` points into the ring and is valid only during the call.
 * Return 0 to go on; any other value stops the poll or consume in progress after this
 * record (which counts as read); the next call resumes after it. */
typedef int (*bpfload_ringbuf_callback)(void *ctx, const void *data, size_t size);

/* Makes a reader of the ring buffer `map` of the loaded `object`, handing its records to
 * `callback` with `ctx`, and stores it in *reader. Fails with NOT_FOUND (no such map),
 * INVALID_ARGUMENT (NULL object, map, callback or reader; the object is not loaded; the
 * map is not a BPF_MAP_TYPE_RINGBUF: the message names it and its type), KERNEL. Errors
 * are read from the object. */
BPFLOAD_API bpfload_status bpfload_ringbuf_new(bpfload_object *object, const char *map,
                                               bpfload_ringbuf_callback callback, void *ctx,
                                               bpfload_ringbuf **reader);

/* As bpfload_ringbuf_new, for the ring buffer pinned at `path` on bpffs. Fails as it does,
 * and with KERNEL (ENOENT: nothing pinned there). Errors are in bpfload_object_error(NULL). */
BPFLOAD_API bpfload_status bpfload_ringbuf_new_pinned(const char *path, bpfload_ringbuf_callback callback,
                                                      void *ctx, bpfload_ringbuf **reader);

/* Adds the ring buffer `map` of the loaded `object` to `reader`, with its own callback.
 * Fails as bpfload_ringbuf_new; the reader is unchanged then. Errors on the reader. */
BPFLOAD_API bpfload_status bpfload_ringbuf_add(bpfload_ringbuf *reader, bpfload_object *object, const char *map,
                                               bpfload_ringbuf_callback callback, void *ctx);

/* Adds the ring buffer pinned at `path` to `reader`. Fails as bpfload_ringbuf_new_pinned;
 * errors on the reader. */
BPFLOAD_API bpfload_status bpfload_ringbuf_add_pinned(bpfload_ringbuf *reader, const char *path,
                                                      bpfload_ringbuf_callback callback, void *ctx);

/* Waits up to `timeout_ms` milliseconds (-1: until a ring has records; 0: not at all),
 * then hands every ready record to its ring's callback. *records (may be NULL) receives
 * how many: 0 when the time ran out or a signal interrupted the wait. Fails with
 * INVALID_ARGUMENT (NULL reader), KERNEL (epoll_wait), MALFORMED (a ring holds an
 * impossible record length). */
BPFLOAD_API bpfload_status bpfload_ringbuf_poll(bpfload_ringbuf *reader, int timeout_ms, size_t *records);

/* Hands every record ready now in every ring to its callback, without waiting. *records
 * (may be NULL) receives how many. Fails as bpfload_ringbuf_poll. */
BPFLOAD_API bpfload_status bpfload_ringbuf_consume(bpfload_ringbuf *reader, size_t *records);

/* The epoll fd (owned by the reader) that is readable when a ring has records, for the
 * caller's own event loop; then call bpfload_ringbuf_consume. -1 for NULL. Never fails. */
BPFLOAD_API int bpfload_ringbuf_epoll_fd(const bpfload_ringbuf *reader);

/* The error of the last call on `reader` (kind BPFLOAD_OK when it succeeded); with NULL,
 * the thread's, as bpfload_object_error(NULL). Never fails, never NULL. */
BPFLOAD_API const bpfload_error *bpfload_ringbuf_error(const bpfload_ringbuf *reader);

/* Unmaps the rings and frees `reader`. NULL is a no-op. */
BPFLOAD_API void bpfload_ringbuf_free(bpfload_ringbuf *reader);

/* ---- Events: perf buffers ---------------------------------------------------------- */

/* A reader of a BPF_MAP_TYPE_PERF_EVENT_ARRAY, for programs that send with
 * bpf_perf_event_output (older tools and kernels without ring buffers): one perf ring per
 * CPU, each CPU's samples in the order they were written. Samples that did not fit in a
 * CPU's ring are counted and reported, never waited for. The reader holds its own
 * references, so it keeps working after the object is closed. Errors of calls on a reader
 * are read with bpfload_perfbuf_error(reader). One thread at a time per reader. */
typedef struct bpfload_perfbuf bpfload_perfbuf;

/* Called with one sample and the CPU it was written on. `data` is what the program passed,
 * padded by the kernel by up to 7 bytes; valid only during the call. Return 0 to go on;
 * another value stops the poll or consume in progress after this sample. */
typedef int (*bpfload_perfbuf_sample_fn)(void *ctx, int cpu, const void *data, size_t size);

/* Called when the kernel reports that `lost` samples of CPU `cpu` did not fit. */
typedef void (*bpfload_perfbuf_lost_fn)(void *ctx, int cpu, uint64_t lost);

/* Makes a reader of the perf event array `map` of the loaded `object` with
 * `pages_per_cpu` data pages per CPU (a power of two; 0: 8), handing samples to `sample`
 * and lost counts to `lost` (may be NULL) with `ctx`, and stores it in *reader. Fails with
 * NOT_FOUND (no such map), INVALID_ARGUMENT (NULL object, map, sample or reader; not
 * loaded; pages not a power of two; the map is not a PERF_EVENT_ARRAY: the message names
 * it and its type), KERNEL (perf_event_open, mmap). Errors are read from the object. */
BPFLOAD_API bpfload_status bpfload_perfbuf_new(bpfload_object *object, const char *map, size_t pages_per_cpu,
                                               bpfload_perfbuf_sample_fn sample, bpfload_perfbuf_lost_fn lost,
                                               void *ctx, bpfload_perfbuf **reader);

/* As bpfload_perfbuf_new, for the perf event array pinned at `path`. Fails as it does,
 * and with KERNEL (ENOENT: nothing pinned there). Errors in bpfload_object_error(NULL). */
BPFLOAD_API bpfload_status bpfload_perfbuf_new_pinned(const char *path, size_t pages_per_cpu,
                                                      bpfload_perfbuf_sample_fn sample, bpfload_perfbuf_lost_fn lost,
                                                      void *ctx, bpfload_perfbuf **reader);

/* Waits up to `timeout_ms` (-1: until a ring has records; 0: not at all), then hands the
 * ready samples to the callbacks. *samples (may be NULL) receives how many. Fails with
 * INVALID_ARGUMENT (NULL reader), KERNEL (epoll_wait), MALFORMED (impossible record). */
BPFLOAD_API bpfload_status bpfload_perfbuf_poll(bpfload_perfbuf *reader, int timeout_ms, size_t *samples);

/* Hands what is ready in every CPU's ring to the callbacks now, without waiting. */
BPFLOAD_API bpfload_status bpfload_perfbuf_consume(bpfload_perfbuf *reader, size_t *samples);

/* Samples lost since the reader was made, over all CPUs; 0 for NULL. Never fails. */
BPFLOAD_API uint64_t bpfload_perfbuf_lost(const bpfload_perfbuf *reader);

/* The epoll fd (owned by the reader) readable when a ring has records; -1 for NULL. */
BPFLOAD_API int bpfload_perfbuf_epoll_fd(const bpfload_perfbuf *reader);

/* The error of the last call on `reader`; with NULL, the thread's. Never NULL. */
BPFLOAD_API const bpfload_error *bpfload_perfbuf_error(const bpfload_perfbuf *reader);

/* Closes the CPUs' events, unmaps their rings and frees `reader`. NULL is a no-op. */
BPFLOAD_API void bpfload_perfbuf_free(bpfload_perfbuf *reader);

/* ---- Events: user ring buffers ---------------------------------------------------- */

/* A writer of a BPF_MAP_TYPE_USER_RINGBUF: records user space sends to programs, which
 * take them with bpf_user_ringbuf_drain in the order they were reserved. A record is
 * reserved, filled in place, then submitted or discarded; a program stops at the first
 * record still reserved, so submit or discard each. The writer holds its own reference to
 * the map, so it keeps working after the object is closed. Errors of calls on a writer are
 * read with bpfload_user_ringbuf_error(writer). One thread at a time per writer (the ring
 * has one producer). */
typedef struct bpfload_user_ringbuf bpfload_user_ringbuf;

/* Makes a writer of the user ring buffer `map` of the loaded `object` and stores it in
 * *writer. Fails with NOT_FOUND (no such map), INVALID_ARGUMENT (NULL object, map or
 * writer; the object is not loaded; the map is not a BPF_MAP_TYPE_USER_RINGBUF: the message
 * names it and its type), KERNEL (mmap). Errors are read from the object. */
BPFLOAD_API bpfload_status bpfload_user_ringbuf_new(bpfload_object *object, const char *map,
                                                    bpfload_user_ringbuf **writer);

/* As bpfload_user_ringbuf_new, for the user ring buffer pinned at `path` on bpffs. Fails
 * as it does, and with KERNEL (ENOENT: nothing pinned there). Errors are in
 * bpfload_object_error(NULL). */
BPFLOAD_API bpfload_status bpfload_user_ringbuf_new_pinned(const char *path, bpfload_user_ringbuf **writer);

/* Reserves a record of `size` bytes and stores where to write it in *record (NULL on
 * failure). Never waits. Fails with INVALID_ARGUMENT (NULL writer or record; size 0 or
 * larger than bpfload_user_ringbuf_max_record_size: errno E2BIG, the message names the
 * map and the sizes), LIMIT_EXCEEDED (errno ENOSPC: the ring is full until a program
 * drains it). */
BPFLOAD_API bpfload_status bpfload_user_ringbuf_reserve(bpfload_user_ringbuf *writer, size_t size, void **record);

/* Hands the reserved `record` to the programs. Fails with INVALID_ARGUMENT (NULL, or not
 * a record reserved in this ring and not yet submitted or discarded). */
BPFLOAD_API bpfload_status bpfload_user_ringbuf_submit(bpfload_user_ringbuf *writer, void *record);

/* Gives the reserved `record` back unread: programs skip it. Fails as submit. */
BPFLOAD_API bpfload_status bpfload_user_ringbuf_discard(bpfload_user_ringbuf *writer, void *record);

/* The largest record the ring takes (its size less the 8-byte header); 0 for NULL. */
BPFLOAD_API size_t bpfload_user_ringbuf_max_record_size(const bpfload_user_ringbuf *writer);

/* The error of the last call on `writer`; with NULL, the thread's. Never NULL. */
BPFLOAD_API const bpfload_error *bpfload_user_ringbuf_error(const bpfload_user_ringbuf *writer);

/* Unmaps the ring and frees `writer`. Records still reserved stay busy (programs stop at
 * them). NULL is a no-op. */
BPFLOAD_API void bpfload_user_ringbuf_free(bpfload_user_ringbuf *writer);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BPFLOAD_BPFLOAD_H */
