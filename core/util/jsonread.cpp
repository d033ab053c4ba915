// SPDX-License-Identifier: MIT
#include "util/jsonread.h"

#include <limits>
#include <utility>
#include <vector>

namespace assay::core {

using nlohmann::json;

const json* jsonField(const json& j, std::string_view key)
{
    if (!j.is_object())
        return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string jsonText(const json& j, std::string_view key, std::string_view fallback)
{
    const json* v = jsonField(j, key);
    return v && v->is_string() ? v->get_ref<const std::string&>() : std::string(fallback);
}

std::optional<std::int64_t> jsonInt(const json& j, std::string_view key)
{
    const json* v = jsonField(j, key);
    if (!v)
        return std::nullopt;
    if (v->is_number_integer())
        return v->get<std::int64_t>(); // an unsigned above INT64_MAX is is_number_unsigned, checked below
    if (v->is_number_unsigned()) {
        const auto u = v->get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return static_cast<std::int64_t>(u);
    }
    return std::nullopt;
}

bool jsonBool(const json& j, std::string_view key, bool fallback)
{
    const json* v = jsonField(j, key);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

const json& jsonObject(const json& j, std::string_view key)
{
    static const json empty = json::object();
    const json* v = jsonField(j, key);
    return v && v->is_object() ? *v : empty;
}

const json& jsonArray(const json& j, std::string_view key)
{
    static const json empty = json::array();
    const json* v = jsonField(j, key);
    return v && v->is_array() ? *v : empty;
}

std::size_t jsonDepth(const json& j, std::size_t limit)
{
    std::size_t deepest = 0;
    std::vector<std::pair<const json*, std::size_t>> stack { { &j, 0 } };
    while (!stack.empty()) {
        const auto [node, level] = stack.back();
        stack.pop_back();
        if (!node->is_structured())
            continue;
        const std::size_t here = level + 1;
        if (here > deepest)
            deepest = here;
        if (deepest > limit)
            return limit + 1;
        for (const json& child : *node)
            if (child.is_structured())
                stack.emplace_back(&child, here);
    }
    return deepest;
}

std::string jsonDumpSafe(const json& j, int indent, std::size_t maxDepth)
{
    if (const std::size_t depth = jsonDepth(j, maxDepth); depth > maxDepth)
        return "(a JSON document nested more than " + std::to_string(maxDepth) + " levels deep: not shown)";
    try {
        return j.dump(indent, ' ', false, json::error_handler_t::replace);
    } catch (const std::exception& e) { // replace never throws on UTF-8; only allocation is left
        return std::string("(the JSON document could not be shown: ") + e.what() + ")";
    }
}

} // namespace assay::core
