// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// One run of a word diff. Concatenating the Equal and Removed texts gives the old text; Equal and Added, the new.
struct DiffSegment {
    enum class Kind { Equal, Added, Removed };
    Kind kind = Kind::Equal;
    std::string text;
    bool operator==(const DiffSegment&) const = default;
};

/// Splits text into diff tokens: runs of letters/digits (non-ASCII bytes count as letters), runs of whitespace,
/// and single punctuation characters. Concatenating the tokens gives the text back.
std::vector<std::string> diffTokens(std::string_view text);

/// Word-level diff (Myers' O(ND) algorithm over diffTokens). Adjacent segments of a kind are merged; within a
/// changed stretch the removed text comes before the added text, and whitespace between two changes is folded into
/// them, so a rewritten phrase reads as one removal and one addition.
std::vector<DiffSegment> wordDiff(std::string_view before, std::string_view after);

/// A text of a prompt version (a message, a few-shot example or a chain step's message) compared with the other.
struct TextDiff {
    std::string where; ///< e.g. "messages[0] (system)", "few_shot[1] (assistant)", "steps.pm.messages[0] (user)"
    std::vector<DiffSegment> segments;
    bool changed = false;
};

/// A field that differs, e.g. parameters.temperature 0.2 -> 0.7; nullopt = unset on that side.
struct FieldChange {
    std::string field;
    std::optional<std::string> before;
    std::optional<std::string> after;
    bool operator==(const FieldChange&) const = default;
};

struct VersionDiff {
    std::vector<TextDiff> texts; ///< every text of either version, in order, changed or not
    std::vector<FieldChange> fields; ///< roles, parameters, defaults, output format and step names that differ
    [[nodiscard]] bool identical() const;
};

/// Compares two versions' content: texts are paired by position (messages, few-shot examples, then chain steps),
/// fields by name.
VersionDiff diffVersions(const PromptContent& before, const PromptContent& after);

} // namespace assay::core
