// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "util/result.h"

#include <nlohmann/json.hpp>

#include <string>

namespace assay::core {

/// PromptContent <-> JSON. The canonical form (keys sorted, unset fields omitted, compact) is what a
/// version's content_hash is taken over, so the same content always hashes the same on every machine.
nlohmann::json promptContentToJson(const PromptContent& content);
/// Strict parse: unknown keys and wrong types are errors naming the field (e.g. "messages[1].role").
Result<PromptContent> promptContentFromJson(const nlohmann::json& j);
std::string canonicalContentJson(const PromptContent& content);
std::string contentHash(const PromptContent& content);

/// The text that search indexes and near-duplicate checks read: every message of the template and of each step.
std::string promptSearchText(const PromptContent& content);

} // namespace assay::core
