// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace assay::core {

/// The prompt template language, shared by the GUI, assay-cli and runs. Deterministic: the same text and
/// values always render the same bytes.
///
///   {{name}}                  the variable's value ({{ name }} with spaces is the same)
///   {{steps.pm.output}}       in a chain, the output of the earlier step "pm"
///   {{name | upper}}          filters, applied left to right: upper, lower, trim, json (a JSON string
///                             literal with quotes), default("text") (used when the value is missing or empty)
///   \{{                       a literal "{{"
///
/// Variable names: a letter or '_' first, then letters, digits, '_', '-' and '.', where a letter is any Unicode
/// letter (XID_Start: {{變數}}, {{имя}}, {{όνομα}}, {{café}}) and what may follow also takes combining marks and
/// digits of any script (XID_Continue). Emoji, punctuation, symbols and spaces are not part of a name, nor is a
/// digit first. Names are compared byte for byte (no Unicode normalisation): a dataset column must be spelled the
/// same way.
struct TemplatePlaceholder {
    std::string name;
    std::vector<std::string> filters; ///< as written, e.g. "upper", "default(\"x\")"
    bool hasDefault = false; ///< a default(...) filter makes the variable optional
    std::size_t offset = 0; ///< byte offset of "{{" in the text
    std::size_t length = 0; ///< up to and including "}}"
};

/// Parses every placeholder; an Invalid error names line and column of the first malformed one.
Result<std::vector<TemplatePlaceholder>> parseTemplate(std::string_view text);

/// Names of the variables used, in order of first appearance, without duplicates.
Result<std::vector<std::string>> templateVariables(std::string_view text);

/// Renders @p text; every variable without a value (and without a default filter) is reported in one error.
Result<std::string> renderTemplate(std::string_view text, const std::map<std::string, std::string>& values);

/// Variables of a prompt (all messages and few-shot examples; for a chain, all steps, without steps.*).
Result<std::vector<std::string>> promptVariables(const PromptContent& content);

/// Values for rendering: the prompt's declared defaults, overridden by @p values (a JSON object whose
/// strings are used as they are and other values as compact JSON).
std::map<std::string, std::string> templateValues(const PromptContent& content, const nlohmann::json& values);

/// Renders the chat messages of a (non-chain) prompt: system messages, then few-shot examples, then the rest.
/// Missing variables are named together in one error.
Result<std::vector<ChatMessage>> renderMessages(const PromptContent& content, const nlohmann::json& values);

} // namespace assay::core
