// SPDX-License-Identifier: MIT
#include "catalog/chain.h"

#include "catalog/template.h"

#include <algorithm>
#include <set>

namespace assay::core {

namespace {
/// "steps.pm.output" -> "pm"; "" when the name is not a step reference at all.
std::string referencedStep(const std::string& name, bool& wellFormed)
{
    wellFormed = true;
    if (name.rfind("steps.", 0) != 0)
        return {};
    const std::string rest = name.substr(6);
    const auto dot = rest.rfind('.');
    if (dot == std::string::npos || rest.substr(dot + 1) != "output" || dot == 0) {
        wellFormed = false;
        return rest;
    }
    return rest.substr(0, dot);
}
} // namespace

Status validateChain(const PromptContent& content)
{
    if (content.steps.empty())
        return makeError(ErrorCode::Invalid, "A chain needs at least one step");
    std::set<std::string> names;
    for (const auto& s : content.steps) {
        if (s.name.empty() || s.name.find('.') != std::string::npos || s.name.find(' ') != std::string::npos)
            return makeError(ErrorCode::Invalid,
                "Step name '" + s.name + "' is not valid: use letters, digits, '_' or '-' without dots or spaces");
        if (!names.insert(s.name).second)
            return makeError(ErrorCode::Invalid, "Two steps are named '" + s.name + "'; step names must be unique");
    }
    std::set<std::string> earlier;
    for (const auto& s : content.steps) {
        if (s.messages.empty())
            return makeError(ErrorCode::Invalid, "Step '" + s.name + "' has no messages");
        for (const auto& m : s.messages) {
            auto placeholders = parseTemplate(m.content);
            if (!placeholders)
                return makeError(ErrorCode::Invalid, "Step '" + s.name + "': " + placeholders.error().message);
            for (const auto& p : *placeholders) {
                bool wellFormed = true;
                const std::string ref = referencedStep(p.name, wellFormed);
                if (!wellFormed)
                    return makeError(ErrorCode::Invalid,
                        "Step '" + s.name + "' uses {{" + p.name + "}}: write {{steps.<step>.output}}");
                if (ref.empty())
                    continue;
                if (ref == s.name)
                    return makeError(ErrorCode::Invalid, "Step '" + s.name + "' refers to its own output (a cycle)");
                if (!names.count(ref))
                    return makeError(
                        ErrorCode::Invalid, "Step '" + s.name + "' refers to an unknown step '" + ref + "'");
                if (!earlier.count(ref))
                    return makeError(ErrorCode::Invalid,
                        "Step '" + s.name + "' refers to '" + ref
                            + "', which runs later; move it before, or the chain would have a cycle");
            }
        }
        earlier.insert(s.name);
    }
    return {};
}

std::map<std::string, std::vector<std::string>> chainDependencies(const PromptContent& content)
{
    std::map<std::string, std::vector<std::string>> deps;
    for (const auto& s : content.steps) {
        auto& list = deps[s.name];
        for (const auto& m : s.messages) {
            auto placeholders = parseTemplate(m.content);
            if (!placeholders)
                continue;
            for (const auto& p : *placeholders) {
                bool wellFormed = true;
                const std::string ref = referencedStep(p.name, wellFormed);
                if (!ref.empty() && wellFormed && std::find(list.begin(), list.end(), ref) == list.end())
                    list.push_back(ref);
            }
        }
    }
    return deps;
}

Result<std::vector<ChatMessage>> renderChainStep(const PromptContent& content, std::size_t index,
    const nlohmann::json& values, const std::map<std::string, std::string>& stepOutputs)
{
    if (index >= content.steps.size())
        return makeError(ErrorCode::Invalid, "The chain has no step " + std::to_string(index + 1));
    const ChainStep& step = content.steps[index];
    PromptContent single;
    single.messages = step.messages;
    single.defaults = content.defaults;
    nlohmann::json merged = values.is_object() ? values : nlohmann::json::object();
    for (const auto& [name, output] : stepOutputs)
        merged["steps." + name + ".output"] = output;
    auto rendered = renderMessages(single, merged);
    if (!rendered)
        return makeError(ErrorCode::Invalid, "Step '" + step.name + "': " + rendered.error().message);
    return rendered;
}

} // namespace assay::core
