// SPDX-License-Identifier: MIT
// GgufValue and GgufFile accessors (the parser itself is in gguf.cpp).
#include "gguf.h"

#include <cstring>
#include <sstream>

namespace assay::gpu {

bool GgufValue::isInteger() const
{
    switch (type) {
    case GgufType::UInt8:
    case GgufType::UInt16:
    case GgufType::UInt32:
    case GgufType::UInt64:
    case GgufType::Int8:
    case GgufType::Int16:
    case GgufType::Int32:
    case GgufType::Int64:
        return true;
    default:
        return false;
    }
}

std::optional<std::uint64_t> GgufValue::asUInt() const
{
    switch (type) {
    case GgufType::UInt8:
    case GgufType::UInt16:
    case GgufType::UInt32:
    case GgufType::UInt64:
    case GgufType::Bool:
        return u;
    case GgufType::Int8:
    case GgufType::Int16:
    case GgufType::Int32:
    case GgufType::Int64:
        if (i < 0)
            return std::nullopt;
        return static_cast<std::uint64_t>(i);
    default:
        return std::nullopt;
    }
}

std::optional<double> GgufValue::asFloat() const
{
    if (type == GgufType::Float32 || type == GgufType::Float64)
        return f;
    if (type == GgufType::Int8 || type == GgufType::Int16 || type == GgufType::Int32 || type == GgufType::Int64)
        return static_cast<double>(i);
    if (const auto v = asUInt())
        return static_cast<double>(*v);
    return std::nullopt;
}

std::string GgufValue::toText(std::size_t maxChars) const
{
    std::string out;
    switch (type) {
    case GgufType::String:
        out = s;
        break;
    case GgufType::Bool:
        out = u ? "true" : "false";
        break;
    case GgufType::Float32:
    case GgufType::Float64: {
        std::ostringstream os;
        os << f;
        out = os.str();
        break;
    }
    case GgufType::Array:
        if (elemType == GgufType::String && elementsKept && count <= 8) {
            out = "[";
            for (std::size_t k = 0; k < strings.size(); ++k)
                out += (k ? ", " : "") + strings[k];
            out += "]";
        } else {
            out = "[" + std::to_string(count) + " " + ggufTypeName(elemType) + "]";
        }
        break;
    default:
        if (type == GgufType::Int8 || type == GgufType::Int16 || type == GgufType::Int32 || type == GgufType::Int64)
            out = std::to_string(i);
        else
            out = std::to_string(u);
    }
    if (out.size() > maxChars)
        out = out.substr(0, maxChars) + "…";
    return out;
}

GgufValue GgufValue::ofString(std::string text)
{
    GgufValue v;
    v.type = GgufType::String;
    v.s = std::move(text);
    return v;
}

GgufValue GgufValue::ofUInt32(std::uint32_t value)
{
    GgufValue v;
    v.type = GgufType::UInt32;
    v.u = value;
    return v;
}

GgufValue GgufValue::ofFloat32(float value)
{
    GgufValue v;
    v.type = GgufType::Float32;
    v.f = static_cast<double>(value);
    return v;
}

GgufValue GgufValue::ofBool(bool value)
{
    GgufValue v;
    v.type = GgufType::Bool;
    v.u = value ? 1 : 0;
    return v;
}

const GgufValue* GgufFile::find(std::string_view key) const
{
    for (const auto& kv : kvs)
        if (kv.key == key)
            return &kv.value;
    return nullptr;
}

std::optional<std::string> GgufFile::getString(std::string_view key) const
{
    const auto* v = find(key);
    if (!v || v->type != GgufType::String)
        return std::nullopt;
    return v->s;
}

std::optional<std::uint64_t> GgufFile::getUInt(std::string_view key) const
{
    const auto* v = find(key);
    return v ? v->asUInt() : std::nullopt;
}

std::optional<double> GgufFile::getFloat(std::string_view key) const
{
    const auto* v = find(key);
    return v ? v->asFloat() : std::nullopt;
}

} // namespace assay::gpu
