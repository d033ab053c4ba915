// SPDX-License-Identifier: MIT
#pragma once
// Fixtures shared by the prompt catalog tests.

#include "domain/prompt.h"
#include "storage/promptrepository.h"

#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace assay::test {

inline core::PromptContent templ(const std::string& user, const std::string& system = {})
{
    core::PromptContent c;
    if (!system.empty())
        c.messages.push_back({ "system", system });
    c.messages.push_back({ "user", user });
    return c;
}

inline core::Prompt meta(const std::string& name, const std::string& folder = {}, std::vector<std::string> tags = {},
    const std::string& description = {})
{
    core::Prompt p;
    p.name = name;
    p.folder = folder;
    p.tags = std::move(tags);
    p.description = description;
    return p;
}

inline std::vector<std::string> names(const std::vector<core::PromptSummary>& list)
{
    std::vector<std::string> out;
    for (const auto& s : list)
        out.push_back(s.prompt.name);
    return out;
}

/// Deterministic pseudo-English text of @p words words.
inline std::string randomText(std::mt19937& rng, int words)
{
    static const char* const vocab[] = { "the", "prime", "minister", "answer", "question", "review", "story", "model",
        "label", "token", "london", "canal", "child", "rating", "score", "judge", "context", "output", "format", "json",
        "brief", "formal", "kind", "user", "system", "assistant", "example", "detail", "summary", "translate", "french",
        "german", "code", "website", "retail", "product", "customer", "sentence", "list", "number", "year", "history",
        "science", "explain", "simple", "words", "step", "reason", "check", "fact" };
    std::uniform_int_distribution<int> pick(0, int(std::size(vocab)) - 1);
    std::string out;
    for (int i = 0; i < words; ++i)
        out += std::string(i ? " " : "") + vocab[pick(rng)] + std::to_string(pick(rng) % 7);
    return out;
}

inline const char* const kLongText
    = "You are a careful assistant for a history quiz. Read the question, think about the "
      "period it names, and answer with the full name of the person only. If the question "
      "is ambiguous, answer with the most commonly accepted person. Never add commentary, "
      "sources or apologies. Question: {{question}}";

} // namespace assay::test
