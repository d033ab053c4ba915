// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace assay::core {

/// A chain's steps run in order; a step may use {{steps.<earlier>.output}}. Checked at save time:
/// names unique and valid, every reference names an earlier step (so there can be no cycle), and
/// every template parses. The error names the step and the reference.
Status validateChain(const PromptContent& content);

/// For each step, the earlier steps it reads (in the order they are referenced).
std::map<std::string, std::vector<std::string>> chainDependencies(const PromptContent& content);

/// Renders step @p index given the chain's variables and the outputs of the steps run so far.
Result<std::vector<ChatMessage>> renderChainStep(const PromptContent& content, std::size_t index,
    const nlohmann::json& values, const std::map<std::string, std::string>& stepOutputs);

} // namespace assay::core
