// SPDX-License-Identifier: MIT
#include "catalog/promptjson.h"

#include "util/ids.h"

#include <set>

namespace assay::core {

using nlohmann::json;

namespace {

json messagesToJson(const std::vector<ChatMessage>& messages)
{
    json a = json::array();
    for (const auto& m : messages)
        a.push_back(json { { "content", m.content }, { "role", m.role } });
    return a;
}

json parametersToJson(const ModelParameters& p)
{
    json j = json::object();
    if (p.temperature)
        j["temperature"] = *p.temperature;
    if (p.topP)
        j["top_p"] = *p.topP;
    if (p.maxTokens)
        j["max_tokens"] = *p.maxTokens;
    if (!p.stop.empty())
        j["stop"] = p.stop;
    if (p.seed)
        j["seed"] = *p.seed;
    return j;
}

const char* outputKindName(OutputFormat::Kind k)
{
    switch (k) {
    case OutputFormat::Kind::Plain:
        return "plain";
    case OutputFormat::Kind::Json:
        return "json";
    case OutputFormat::Kind::Label:
        return "label";
    }
    return "plain";
}

Error fieldError(const std::string& field, const std::string& what)
{
    return makeError(ErrorCode::Invalid, "Field '" + field + "' " + what);
}

Status checkKeys(const json& j, const std::string& where, std::initializer_list<const char*> allowed)
{
    if (!j.is_object())
        return fieldError(where.empty() ? "(root)" : where, "must be an object");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& [key, value] : j.items()) {
        (void)value;
        if (!ok.count(key))
            return fieldError(where.empty() ? key : where + "." + key, "is not a known field");
    }
    return {};
}

Result<std::vector<ChatMessage>> parseMessages(const json& j, const std::string& where)
{
    if (!j.is_array())
        return fieldError(where, "must be an array of {role, content} messages");
    std::vector<ChatMessage> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string at = where + "[" + std::to_string(i) + "]";
        ASSAY_TRY(checkKeys(j[i], at, { "role", "content" }));
        if (!j[i].contains("role") || !j[i]["role"].is_string())
            return fieldError(at + ".role", "must be a string");
        const std::string role = j[i]["role"].get<std::string>();
        if (role != "system" && role != "user" && role != "assistant")
            return fieldError(at + ".role", "must be system, user or assistant (got '" + role + "')");
        if (!j[i].contains("content") || !j[i]["content"].is_string())
            return fieldError(at + ".content", "must be a string");
        out.push_back(ChatMessage { role, j[i]["content"].get<std::string>() });
    }
    return out;
}

Result<ModelParameters> parseParameters(const json& j, const std::string& where)
{
    ASSAY_TRY(checkKeys(j, where, { "temperature", "top_p", "max_tokens", "stop", "seed" }));
    ModelParameters p;
    auto number = [&](const char* key) -> Result<std::optional<double>> {
        if (!j.contains(key) || j[key].is_null())
            return std::optional<double> {};
        if (!j[key].is_number())
            return fieldError(where + "." + key, "must be a number");
        return std::optional<double>(j[key].get<double>());
    };
    auto integer = [&](const char* key) -> Result<std::optional<std::int64_t>> {
        if (!j.contains(key) || j[key].is_null())
            return std::optional<std::int64_t> {};
        if (!j[key].is_number_integer())
            return fieldError(where + "." + key, "must be an integer");
        return std::optional<std::int64_t>(j[key].get<std::int64_t>());
    };
    auto t = number("temperature");
    if (!t)
        return t.error();
    p.temperature = *t;
    auto tp = number("top_p");
    if (!tp)
        return tp.error();
    p.topP = *tp;
    auto mt = integer("max_tokens");
    if (!mt)
        return mt.error();
    p.maxTokens = *mt;
    auto sd = integer("seed");
    if (!sd)
        return sd.error();
    p.seed = *sd;
    if (j.contains("stop")) {
        if (!j["stop"].is_array())
            return fieldError(where + ".stop", "must be an array of strings");
        for (const auto& s : j["stop"]) {
            if (!s.is_string())
                return fieldError(where + ".stop", "must be an array of strings");
            p.stop.push_back(s.get<std::string>());
        }
    }
    if (p.temperature && (*p.temperature < 0 || *p.temperature > 2))
        return fieldError(where + ".temperature", "must be between 0 and 2");
    if (p.topP && (*p.topP <= 0 || *p.topP > 1))
        return fieldError(where + ".top_p", "must be in (0, 1]");
    if (p.maxTokens && *p.maxTokens <= 0)
        return fieldError(where + ".max_tokens", "must be positive");
    return p;
}

} // namespace

json promptContentToJson(const PromptContent& c)
{
    json j = json::object();
    j["messages"] = messagesToJson(c.messages);
    if (!c.fewShot.empty())
        j["few_shot"] = messagesToJson(c.fewShot);
    if (!c.defaults.empty()) {
        json d = json::object();
        for (const auto& v : c.defaults)
            d[v.name] = v.value;
        j["defaults"] = d;
    }
    if (auto p = parametersToJson(c.parameters); !p.empty())
        j["parameters"] = p;
    if (c.output.kind != OutputFormat::Kind::Plain) {
        json o = { { "kind", outputKindName(c.output.kind) } };
        if (!c.output.jsonSchema.empty())
            o["json_schema"] = c.output.jsonSchema;
        if (!c.output.labels.empty())
            o["labels"] = c.output.labels;
        j["output"] = o;
    }
    if (!c.steps.empty()) {
        json steps = json::array();
        for (const auto& s : c.steps) {
            json step = { { "name", s.name }, { "messages", messagesToJson(s.messages) } };
            if (auto p = parametersToJson(s.parameters); !p.empty())
                step["parameters"] = p;
            steps.push_back(step);
        }
        j["steps"] = steps;
    }
    return j;
}

Result<PromptContent> promptContentFromJson(const json& j)
{
    ASSAY_TRY(checkKeys(j, "", { "messages", "few_shot", "defaults", "parameters", "output", "steps" }));
    PromptContent c;
    if (j.contains("messages")) {
        auto m = parseMessages(j["messages"], "messages");
        if (!m)
            return m.error();
        c.messages = std::move(*m);
    }
    if (j.contains("few_shot")) {
        auto m = parseMessages(j["few_shot"], "few_shot");
        if (!m)
            return m.error();
        c.fewShot = std::move(*m);
    }
    if (j.contains("defaults")) {
        if (!j["defaults"].is_object())
            return fieldError("defaults", "must be an object of variable -> text");
        for (const auto& [name, value] : j["defaults"].items()) {
            if (!value.is_string())
                return fieldError("defaults." + name, "must be a string");
            c.defaults.push_back(VariableDefault { name, value.get<std::string>() });
        }
    }
    if (j.contains("parameters")) {
        auto p = parseParameters(j["parameters"], "parameters");
        if (!p)
            return p.error();
        c.parameters = *p;
    }
    if (j.contains("output")) {
        const json& o = j["output"];
        ASSAY_TRY(checkKeys(o, "output", { "kind", "json_schema", "labels" }));
        if (o.contains("kind") && !o["kind"].is_string())
            return fieldError("output.kind", "must be plain, json or label");
        const std::string kind = o.value("kind", "plain");
        if (kind == "plain")
            c.output.kind = OutputFormat::Kind::Plain;
        else if (kind == "json")
            c.output.kind = OutputFormat::Kind::Json;
        else if (kind == "label")
            c.output.kind = OutputFormat::Kind::Label;
        else
            return fieldError("output.kind", "must be plain, json or label (got '" + kind + "')");
        if (o.contains("json_schema")) {
            if (!o["json_schema"].is_string())
                return fieldError("output.json_schema", "must be the schema as text");
            c.output.jsonSchema = o["json_schema"].get<std::string>();
            if (json::parse(c.output.jsonSchema, nullptr, false).is_discarded())
                return fieldError("output.json_schema", "is not valid JSON");
        }
        if (o.contains("labels")) {
            if (!o["labels"].is_array())
                return fieldError("output.labels", "must be an array of strings");
            for (const auto& l : o["labels"]) {
                if (!l.is_string())
                    return fieldError("output.labels", "must be an array of strings");
                c.output.labels.push_back(l.get<std::string>());
            }
        }
        if (c.output.kind == OutputFormat::Kind::Label && c.output.labels.empty())
            return fieldError("output.labels", "must list the allowed labels when output.kind is label");
    }
    if (j.contains("steps")) {
        if (!j["steps"].is_array())
            return fieldError("steps", "must be an array");
        for (std::size_t i = 0; i < j["steps"].size(); ++i) {
            const json& s = j["steps"][i];
            const std::string at = "steps[" + std::to_string(i) + "]";
            ASSAY_TRY(checkKeys(s, at, { "name", "messages", "parameters" }));
            ChainStep step;
            if (!s.contains("name") || !s["name"].is_string())
                return fieldError(at + ".name", "must be a string");
            step.name = s["name"].get<std::string>();
            auto m = parseMessages(s.value("messages", json::array()), at + ".messages");
            if (!m)
                return m.error();
            step.messages = std::move(*m);
            if (s.contains("parameters")) {
                auto p = parseParameters(s["parameters"], at + ".parameters");
                if (!p)
                    return p.error();
                step.parameters = *p;
            }
            c.steps.push_back(std::move(step));
        }
    }
    return c;
}

std::string canonicalContentJson(const PromptContent& content)
{
    // nlohmann::json objects are std::map-backed: keys come out sorted, so dump() is canonical.
    return promptContentToJson(content).dump();
}

std::string contentHash(const PromptContent& content)
{
    return sha256Hex(canonicalContentJson(content));
}

std::string promptSearchText(const PromptContent& content)
{
    std::string text;
    auto add = [&text](const std::vector<ChatMessage>& messages) {
        for (const auto& m : messages) {
            if (!text.empty())
                text += '\n';
            text += m.content;
        }
    };
    add(content.messages);
    add(content.fewShot);
    for (const auto& s : content.steps)
        add(s.messages);
    return text;
}

} // namespace assay::core
