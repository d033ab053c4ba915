// SPDX-License-Identifier: MIT
#pragma once
// promptfoo prompt files (https://promptfoo.dev/docs/configuration/prompts): a text file holds one or more prompts
// separated by a line `---`, each sent as one user message; a JSON file holds one chat prompt, an array of
// {role, content} messages. Each prompt is named after the file ("greeting" for greeting.txt); a text file with
// several prompts numbers them from 1 ("greeting-1", "greeting-2").

#include "interchange/catalogentry.h"
#include "util/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// Text form. Lines end with LF or CRLF (read as LF); a separator line is `---` (trailing blanks allowed); parts
/// that are only whitespace are not prompts. Invalid "FILE:LINE: prompts[N]: …" names a part whose template does
/// not parse; a file without any prompt is Invalid too.
Result<std::vector<CatalogEntry>> readPromptfooText(
    std::string_view text, const std::string& fileName, ContentCheck check = nullptr);

/// JSON chat form: one prompt. Invalid "FILE:LINE:COLUMN: [1].role: …" for anything but a non-empty array of
/// {role: system|user|assistant, content: string}.
Result<std::vector<CatalogEntry>> readPromptfooChat(
    std::string_view text, const std::string& fileName, ContentCheck check = nullptr);

/// Text form of the latest versions that are exactly one user message whose text has no separator line, no CR and
/// is not blank; other prompts are added to @p leftOut.
std::string writePromptfooText(const std::vector<CatalogEntry>& entries, std::vector<LeftOut>& leftOut);

} // namespace assay::core
