// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// One chat message of a template. Text may contain {{variables}} (see catalog/template.h).
struct ChatMessage {
    std::string role; ///< "system" | "user" | "assistant"
    std::string content;
    bool operator==(const ChatMessage&) const = default;
};

/// Model parameters stored with a prompt version; unset = provider default.
struct ModelParameters {
    std::optional<double> temperature;
    std::optional<double> topP;
    std::optional<std::int64_t> maxTokens;
    std::vector<std::string> stop;
    std::optional<std::int64_t> seed;
    bool operator==(const ModelParameters&) const = default;
};

/// What the output should look like; used by validation and by classification metrics.
struct OutputFormat {
    enum class Kind { Plain, Json, Label }; // persisted as text: "plain" | "json" | "label"
    Kind kind = Kind::Plain;
    std::string jsonSchema; ///< for Json: a JSON Schema document (text)
    std::vector<std::string> labels; ///< for Label: the allowed labels
    bool operator==(const OutputFormat&) const = default;
};

/// A variable's declared default (variables themselves are detected from the template text).
struct VariableDefault {
    std::string name;
    std::string value;
    bool operator==(const VariableDefault&) const = default;
};

/// One step of a chain: a template whose variables may reference {{steps.<name>.output}} of earlier steps.
struct ChainStep {
    std::string name;
    std::vector<ChatMessage> messages;
    ModelParameters parameters;
    bool operator==(const ChainStep&) const = default;
};

/// The content of one immutable prompt version. Its canonical JSON is what content_hash is taken over.
struct PromptContent {
    std::vector<ChatMessage> messages; ///< system + user (+ few-shot user/assistant pairs) for a template
    std::vector<ChatMessage> fewShot; ///< optional few-shot examples (user/assistant pairs), placed before the user message
    std::vector<VariableDefault> defaults;
    ModelParameters parameters;
    OutputFormat output;
    std::vector<ChainStep> steps; ///< non-empty for a chain prompt
    bool operator==(const PromptContent&) const = default;
};

struct Prompt {
    std::string id; ///< UUID
    std::string name; ///< unique in the workspace
    std::string folder; ///< "/"-separated path, "" = root
    std::string description;
    std::vector<std::string> tags;
    bool isChain = false;
    std::int64_t createdAt = 0;
    std::int64_t updatedAt = 0;
};

struct PromptVersion {
    std::string id; ///< UUID
    std::string promptId;
    int number = 0; ///< 1, 2, 3 … per prompt
    PromptContent content;
    std::string contentHash; ///< SHA-256 hex of the canonical content JSON
    std::string author;
    std::string message;
    std::int64_t createdAt = 0;
};

/// A label (dev, preprod, prod, custom) pointing at one version of a prompt.
struct PromptLabel {
    std::string promptId;
    std::string label;
    std::string versionId;
    int versionNumber = 0;
    std::int64_t updatedAt = 0;
};

} // namespace assay::core
