// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// One CSV record and the line it starts on (a quoted field may span lines).
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// RFC 4180: fields separated by ',', records by CRLF or LF, a field in double quotes may hold ',', quotes (doubled)
/// and line breaks. A UTF-8 byte-order mark is skipped and empty lines are ignored. Invalid
/// "FILE:LINE:COLUMN: …" for a quote inside an unquoted field, text after a closing quote, or a quoted field that
/// never closes (named by the line it opens on), or a NUL byte (named by its column: the first record's field).
Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& fileName);

/// @p value as one CSV field: quoted (quotes doubled) when it holds ',', '"', CR or LF or starts or ends with a
/// space; as it is otherwise.
std::string csvField(std::string_view value);
/// The fields joined by ',' and ended by CRLF.
std::string csvRecord(const std::vector<std::string>& fields);

} // namespace assay::core
