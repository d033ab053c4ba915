// SPDX-License-Identifier: MIT
#pragma once
// Reading and writing the files of catalog import/export: size limit, UTF-8 check, positions for messages.

#include "util/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace assay::core {

/// Where a byte lies in a text: 1-based line and column (columns count bytes).
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};

/// The import size limit per file unless the caller sets another: 64 MiB. An import reads a file whole and keeps
/// what it read until it is stored, so its peak memory is several times the file's size (up to ~10× for one huge
/// string; tests/bench/catalog_import_memory.sh measures it): the limit keeps that bounded.
inline constexpr std::uint64_t kDefaultImportLimit = 64ull << 20;

TextPosition positionAt(std::string_view text, std::size_t offset);

/// Invalid "FILE:LINE:COLUMN: invalid UTF-8 (byte 0xNN)" at the first malformed sequence (overlong forms,
/// surrogates and code points above U+10FFFF are malformed too); a UTF-16 or UTF-32 text (by its byte-order mark,
/// or NUL bytes beside nearly every byte) is Invalid "FILE: the file is UTF-16, …" with an iconv line to convert it.
Status checkUtf8(std::string_view text, const std::string& fileName);

/// Reads @p path whole. Io when it is missing or unreadable; Invalid when it is larger than @p maxBytes or is not
/// valid UTF-8 (the message names the file, and for UTF-8 the line and column).
Result<std::string> readTextFile(const std::string& path, std::uint64_t maxBytes);

/// Writes @p bytes to a temporary file beside @p path and renames it into place. Io names the file.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

/// "prompts" for "/a/b/prompts.txt": the file name without its folder and its last extension.
std::string fileStem(const std::string& path);

} // namespace assay::core
