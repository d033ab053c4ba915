// SPDX-License-Identifier: MIT
#include "run/rundefinition.h"
#include "util/displaytext.h"
#include "util/jsonguard.h"

#include <algorithm>
#include <set>

namespace assay::core {

namespace {
using json = nlohmann::json;

Error fieldError(const std::string& field, const std::string& what)
{
    return makeError(ErrorCode::Invalid, "run definition: " + field + " " + what);
}

Status checkKeys(const json& j, const std::string& where, const std::set<std::string>& allowed)
{
    for (const auto& [key, value] : j.items())
        if (!allowed.count(key)) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            return fieldError(where.empty() ? key : where + "." + key, "is not a known field (known: " + list + ")");
        }
    return {};
}

Result<std::vector<std::string>> stringList(const json& j, const std::string& field)
{
    if (!j.is_array() || j.empty())
        return fieldError(field, "must be a non-empty array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_string() || j[i].get<std::string>().empty())
            return fieldError(field + "[" + std::to_string(i) + "]", "must be a non-empty string");
        out.push_back(j[i].get<std::string>());
    }
    return out;
}

Result<std::int64_t> integer(const json& j, const std::string& field, std::int64_t min, std::int64_t max)
{
    if (!j.is_number_integer())
        return fieldError(field, "must be a whole number");
    const auto v = j.get<std::int64_t>();
    if (v < min || v > max)
        return fieldError(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

Result<RateLimit> parseRateLimit(const json& j, const std::string& field)
{
    if (!j.is_object())
        return fieldError(field, "must be an object like {\"rpm\": 60, \"tpm\": 100000}");
    ASSAY_TRY(checkKeys(j, field, { "rpm", "tpm" }));
    RateLimit r;
    for (const char* key : { "rpm", "tpm" }) {
        if (!j.contains(key))
            continue;
        if (!j[key].is_number() || j[key].get<double>() < 0)
            return fieldError(field + "." + key, "must be a number >= 0");
        (std::string(key) == "rpm" ? r.requestsPerMinute : r.tokensPerMinute) = j[key].get<double>();
    }
    return r;
}

Status checkParameters(const json& j)
{
    if (!j.is_object())
        return fieldError("parameters", "must be an object");
    ASSAY_TRY(checkKeys(j, "parameters", { "temperature", "top_p", "max_tokens", "stop", "seed" }));
    if (j.contains("temperature") && (!j["temperature"].is_number() || j["temperature"].get<double>() < 0))
        return fieldError("parameters.temperature", "must be a number >= 0");
    if (j.contains("top_p")
        && (!j["top_p"].is_number() || j["top_p"].get<double>() <= 0 || j["top_p"].get<double>() > 1))
        return fieldError("parameters.top_p", "must be a number in (0, 1]");
    if (j.contains("max_tokens"))
        ASSAY_TRY(integer(j["max_tokens"], "parameters.max_tokens", 1, 10'000'000));
    if (j.contains("seed") && !j["seed"].is_number_integer())
        return fieldError("parameters.seed", "must be a whole number");
    if (j.contains("stop")) {
        if (!j["stop"].is_array())
            return fieldError("parameters.stop", "must be an array of strings");
        for (const auto& s : j["stop"])
            if (!s.is_string())
                return fieldError("parameters.stop", "must be an array of strings");
    }
    return {};
}
} // namespace

int RunDefinition::concurrencyFor(const std::string& endpoint) const
{
    const auto it = concurrencyPerEndpoint.find(endpoint);
    return it != concurrencyPerEndpoint.end() ? it->second : concurrency;
}

RateLimit RunDefinition::rateLimitFor(const std::string& endpoint) const
{
    const auto it = rateLimitPerEndpoint.find(endpoint);
    return it != rateLimitPerEndpoint.end() ? it->second : rateLimit;
}

ModelParameters RunDefinition::parameterOverrides() const
{
    ModelParameters p;
    if (parameters.contains("temperature"))
        p.temperature = parameters["temperature"].get<double>();
    if (parameters.contains("top_p"))
        p.topP = parameters["top_p"].get<double>();
    if (parameters.contains("max_tokens"))
        p.maxTokens = parameters["max_tokens"].get<std::int64_t>();
    if (parameters.contains("seed"))
        p.seed = parameters["seed"].get<std::int64_t>();
    if (parameters.contains("stop"))
        p.stop = parameters["stop"].get<std::vector<std::string>>();
    return p;
}

json RunDefinition::gridJson() const
{
    json j { { "prompts", prompts }, { "endpoints", endpoints }, { "repeats", repeats }, { "parameters", parameters } };
    if (!dataset.empty())
        j["dataset"] = dataset;
    if (!rows.empty())
        j["rows"] = rows;
    if (seed)
        j["seed"] = *seed;
    return j;
}

json RunDefinition::toJson() const
{
    json j = gridJson();
    j["name"] = name;
    json c { { "default", concurrency } };
    for (const auto& [e, n] : concurrencyPerEndpoint)
        c[e] = n;
    j["concurrency"] = c;
    j["maxInFlight"] = maxInFlight;
    auto limit = [](const RateLimit& r) {
        return json { { "rpm", r.requestsPerMinute }, { "tpm", r.tokensPerMinute } };
    };
    json rl { { "default", limit(rateLimit) } };
    for (const auto& [e, r] : rateLimitPerEndpoint)
        rl[e] = limit(r);
    j["rateLimits"] = rl;
    j["retries"] = { { "maxAttempts", retries.maxAttempts }, { "baseBackoffMs", retries.baseBackoffMs },
        { "maxBackoffMs", retries.maxBackoffMs } };
    j["timeoutMs"] = timeoutMs;
    j["cache"] = cache;
    j["stream"] = stream;
    return j;
}

Result<RunDefinition> RunDefinition::parse(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Invalid, "run definition: must be a JSON object");
    ASSAY_TRY(checkKeys(j, "",
        { "name", "prompts", "endpoints", "dataset", "rows", "repeats", "parameters", "seed", "concurrency",
            "maxInFlight", "rateLimits", "retries", "timeoutMs", "cache", "stream" }));
    RunDefinition d;
    if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty())
        return fieldError("name", "must be a non-empty string");
    d.name = j["name"].get<std::string>();
    for (const char* key : { "prompts", "endpoints" }) {
        if (!j.contains(key))
            return fieldError(key, "is missing");
        auto list = stringList(j[key], key);
        if (!list)
            return list.error();
        std::set<std::string> seen;
        for (const auto& s : *list)
            if (!seen.insert(s).second)
                return fieldError(key, "lists '" + s + "' twice");
        (std::string(key) == "prompts" ? d.prompts : d.endpoints) = std::move(*list);
    }
    if (j.contains("dataset") && j.contains("rows"))
        return fieldError("dataset", "and rows cannot both be given");
    if (j.contains("dataset")) {
        if (!j["dataset"].is_string() || j["dataset"].get<std::string>().empty())
            return fieldError("dataset", "must be a dataset name");
        d.dataset = j["dataset"].get<std::string>();
    }
    if (j.contains("rows")) {
        if (!j["rows"].is_array() || j["rows"].empty())
            return fieldError("rows", "must be a non-empty array of objects");
        for (std::size_t i = 0; i < j["rows"].size(); ++i) {
            if (!j["rows"][i].is_object())
                return fieldError("rows[" + std::to_string(i) + "]", "must be an object of variable values");
            d.rows.push_back(j["rows"][i]);
        }
    }
    if (j.contains("repeats")) {
        auto r = integer(j["repeats"], "repeats", 1, 1000);
        if (!r)
            return r.error();
        d.repeats = static_cast<int>(*r);
    }
    if (j.contains("parameters")) {
        ASSAY_TRY(checkParameters(j["parameters"]));
        d.parameters = j["parameters"];
    }
    if (j.contains("seed")) {
        if (!j["seed"].is_number_integer())
            return fieldError("seed", "must be a whole number");
        d.seed = j["seed"].get<std::int64_t>();
    }
    if (j.contains("concurrency")) {
        const json& c = j["concurrency"];
        if (c.is_object()) {
            for (const auto& [e, n] : c.items()) {
                auto v = integer(n, "concurrency." + e, 1, 1024);
                if (!v)
                    return v.error();
                if (e == "default")
                    d.concurrency = static_cast<int>(*v);
                else
                    d.concurrencyPerEndpoint[e] = static_cast<int>(*v);
            }
        } else {
            auto v = integer(c, "concurrency", 1, 1024);
            if (!v)
                return v.error();
            d.concurrency = static_cast<int>(*v);
        }
    }
    if (j.contains("maxInFlight")) {
        auto v = integer(j["maxInFlight"], "maxInFlight", 0, 4096);
        if (!v)
            return v.error();
        d.maxInFlight = static_cast<int>(*v);
    }
    if (j.contains("rateLimits")) {
        if (!j["rateLimits"].is_object())
            return fieldError(
                "rateLimits", "must be an object: {\"default\": {\"rpm\": N, \"tpm\": N}, ENDPOINT: {...}}");
        for (const auto& [e, v] : j["rateLimits"].items()) {
            auto r = parseRateLimit(v, "rateLimits." + e);
            if (!r)
                return r.error();
            if (e == "default")
                d.rateLimit = *r;
            else
                d.rateLimitPerEndpoint[e] = *r;
        }
    }
    if (j.contains("retries")) {
        const json& r = j["retries"];
        if (!r.is_object())
            return fieldError("retries", "must be an object");
        ASSAY_TRY(checkKeys(r, "retries", { "maxAttempts", "baseBackoffMs", "maxBackoffMs" }));
        if (r.contains("maxAttempts")) {
            auto v = integer(r["maxAttempts"], "retries.maxAttempts", 1, 100);
            if (!v)
                return v.error();
            d.retries.maxAttempts = static_cast<int>(*v);
        }
        for (const char* key : { "baseBackoffMs", "maxBackoffMs" }) {
            if (!r.contains(key))
                continue;
            auto v = integer(r[key], std::string("retries.") + key, 0, 3'600'000);
            if (!v)
                return v.error();
            (std::string(key) == "baseBackoffMs" ? d.retries.baseBackoffMs : d.retries.maxBackoffMs) = *v;
        }
    }
    if (j.contains("timeoutMs")) {
        auto v = integer(j["timeoutMs"], "timeoutMs", 1, 86'400'000);
        if (!v)
            return v.error();
        d.timeoutMs = *v;
    }
    for (const char* key : { "cache", "stream" }) {
        if (!j.contains(key))
            continue;
        if (!j[key].is_boolean())
            return fieldError(key, "must be true or false");
        (std::string(key) == "cache" ? d.cache : d.stream) = j[key].get<bool>();
    }
    for (const auto& [e, n] : d.concurrencyPerEndpoint)
        if (std::find(d.endpoints.begin(), d.endpoints.end(), e) == d.endpoints.end())
            return fieldError("concurrency." + e, "names an endpoint the run does not use");
    for (const auto& [e, r] : d.rateLimitPerEndpoint)
        if (std::find(d.endpoints.begin(), d.endpoints.end(), e) == d.endpoints.end())
            return fieldError("rateLimits." + e, "names an endpoint the run does not use");
    return d;
}

Result<RunDefinition> RunDefinition::parseText(const std::string& text)
{
    // Line and column of the byte before @p byte (nlohmann counts from 1 and points past the offending character).
    const auto at = [&text](std::size_t byte) {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    };
    // A run definition is untrusted text too: nesting deep enough to overflow nlohmann's recursion, a NUL byte, a
    // key given twice are refused with their place before nlohmann parses it (util/jsonguard.h).
    if (const auto problem = checkJsonText(text)) {
        const std::string field = problem->path.empty() ? std::string() : " (" + problem->path + ")";
        return makeError(ErrorCode::Invalid,
            "run definition: at " + at(problem->offset + 1) + field + ": " + visibleText(problem->what));
    }
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        return makeError(ErrorCode::Invalid, "run definition: not valid JSON at " + at(e.byte));
    }
    return parse(j);
}

} // namespace assay::core
