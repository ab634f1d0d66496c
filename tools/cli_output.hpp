// Output plumbing shared by every verb: exit codes, the one error path, JSON printing, colour.
#pragma once

#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bpfload/result.hpp"

namespace bpfload::cli {

using Json = nlohmann::ordered_json;

/// Process exit codes, the same for every verb.
inline constexpr int kExitOk = 0;
/// The kernel refused something: a program failed to load or verify, a map operation failed.
inline constexpr int kExitRefused = 1;
/// Bad usage, or an object that cannot be read or parsed.
inline constexpr int kExitUsage = 2;

/// Exit code for a library error: Kernel (and LimitExceeded from the kernel's
/// limits) means the kernel refused (1); everything else is the user's input (2).
[[nodiscard]] int exit_code_for(const Error& error) noexcept;

/// `{"kind": ..., "message": ..., "errno": ...}` for an error; errno is null when 0.
[[nodiscard]] Json error_json(std::string_view kind, std::string_view message, int sys_errno);
[[nodiscard]] Json error_json(const Error& error);

/// `text` safe to print on a terminal: every control character (C0 including newline,
/// carriage return and tab; DEL; C1 encoded in UTF-8), which an object's names or a
/// compare file could use to move the cursor, retitle the window or forge a line, becomes
/// a visible escape ("\n", "\r", "\t", "\e", "\xNN"). Other bytes are kept.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

/// Prints "bpfload: <message>" on stderr, the message escaped (escape_for_terminal): an
/// error is one line.
void print_error_line(std::string_view message);

/// The one error path: prints "bpfload: <message>" on stderr and, when `json`, the
/// document {"error": {...}} on stdout. Returns `exit_code` for the caller to return.
int report_error(std::string_view kind, std::string_view message, int sys_errno, bool json,
                 int exit_code);
/// As above for a library error; the exit code comes from exit_code_for().
int report_error(const Error& error, bool json);

/// The one JSON writer: one line (compact, like `bpftool -j`) unless set_pretty_json(true)
/// (`--pretty`, like `bpftool -p`), with a trailing newline, on stdout.
void print_json(const Json& document);
/// The same for documents the library builds (unordered keys).
void print_json(const nlohmann::json& document);

/// Placeholder for the `index`th array that print_json_streaming writes element by element.
[[nodiscard]] Json streamed_array_placeholder(size_t index);

/// print_json for a document whose values under `key` are streamed_array_placeholder(0),
/// (1), ... in document order: each is written as the array whose elements
/// `elements(index, emit)` passes to `emit`, one at a time, so an array of a million
/// entries never exists in memory. A placeholder can only be matched as the value of
/// `key` (quotes inside names are escaped), so input cannot forge one.
void print_json_streaming(const Json& document, std::string_view key, size_t count,
                          const std::function<void(size_t, const std::function<void(const Json&)>&)>& elements);
/// The same with placeholders under any of `keys`, numbered in document order across them.
void print_json_streaming(const Json& document, std::span<const std::string_view> keys, size_t count,
                          const std::function<void(size_t, const std::function<void(const Json&)>&)>& elements);

/// Makes print_json indent its output; set by every verb's --pretty.
void set_pretty_json(bool pretty) noexcept;

/// Adds --json and --pretty (which implies --json) to `command`.
void add_json_flags(CLI::App& command, bool& json);

/// When to colour plain output.
enum class ColorMode { Auto, Always, Never };

/// Whether to colour output written to `stream` under `mode`. Auto colours only a
/// terminal, and not when NO_COLOR is set (https://no-color.org) or TERM is "dumb";
/// Always and Never are the user's explicit choice and win over both.
[[nodiscard]] bool use_color(ColorMode mode, FILE* stream);

/// Adds --color WHEN (auto, always, never) to `command`.
void add_color_option(CLI::App& command, ColorMode& mode);

/// Columns of the terminal `stream` is, 0 when it is not a terminal. COLUMNS, when set
/// to a number, wins (as in coreutils), so scripts and tests can choose a width.
[[nodiscard]] size_t terminal_columns(FILE* stream);

/// ANSI-coloured `text` when `enabled`, else `text` unchanged. `code` is an SGR code ("31").
[[nodiscard]] std::string colored(std::string_view text, std::string_view code, bool enabled);

}  // namespace bpfload::cli
