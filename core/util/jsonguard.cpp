// SPDX-License-Identifier: MIT
#include "util/jsonguard.h"
#include "util/jsonread.h"

#include <charconv>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace assay::core {

namespace {

/// An open array or object.
struct Frame {
    bool object = false;
    bool expectKey = false; ///< object: the next string is a key
    std::size_t index = 0; ///< array: the current element
    std::string key; ///< object: the current key
    std::unordered_map<std::string, std::size_t> keys; ///< object: the keys seen so far
};

/// The field the scanner is at, as "a.b[2].c"; the middle of a very deep path is elided.
std::string pathOf(const std::vector<Frame>& frames)
{
    constexpr std::size_t kHead = 8;
    constexpr std::size_t kTail = 2;
    std::string out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (i == kHead && frames.size() > kHead + kTail + 1) {
            out += "[…]";
            i = frames.size() - kTail - 1;
            continue;
        }
        const Frame& f = frames[i];
        if (f.object) {
            if (f.expectKey)
                break; // between two fields: the object itself
            out += (out.empty() ? "" : ".") + f.key;
        } else {
            out += "[" + std::to_string(f.index) + "]";
        }
    }
    return out;
}

bool isNumberChar(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/// True when @p token (a JSON number) is beyond the range of a double, which nlohmann refuses ("number
/// overflow") without saying where. Numbers too small for a double become 0 there, as here.
bool overflowsDouble(std::string_view token)
{
    double value = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    (void)end;
    if (ec != std::errc::result_out_of_range)
        return false;
    // from_chars reports underflow the same way: tell them apart by the magnitude's order.
    const auto e = token.find_first_of("eE");
    const std::string_view mantissa = token.substr(0, e);
    long exponent = 0;
    if (e != std::string_view::npos) {
        std::string_view digits = token.substr(e + 1);
        const bool negative = !digits.empty() && digits.front() == '-';
        if (!digits.empty() && (digits.front() == '-' || digits.front() == '+'))
            digits.remove_prefix(1);
        for (char c : digits) {
            exponent = std::min(exponent * 10 + (c - '0'), 100000L);
        }
        if (negative)
            exponent = -exponent;
    }
    long integerDigits = 0;
    bool leading = true;
    for (char c : mantissa) {
        if (c == '.')
            break;
        if (c < '0' || c > '9' || (leading && c == '0'))
            continue;
        leading = false;
        ++integerDigits;
    }
    return integerDigits + exponent > 0;
}

std::string shortened(std::string_view token)
{
    constexpr std::size_t kShown = 24;
    return token.size() <= kShown ? std::string(token) : std::string(token.substr(0, kShown)) + "…";
}

} // namespace

std::optional<JsonTextProblem> checkJsonText(std::string_view text, std::size_t maxDepth, std::size_t maxValues)
{
    std::vector<Frame> frames;
    bool valueSeen = false;
    std::size_t values = 0;
    auto tooMany = [&]() { return ++values > maxValues; };
    const std::string tooManyWhat = "holds more than " + std::to_string(maxValues)
        + " JSON values (arrays, objects, strings, numbers); split it into smaller files";
    std::size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    auto problem = [&](std::size_t at, std::string what) {
        return JsonTextProblem { at, pathOf(frames), std::move(what) };
    };
    while (i < text.size()) {
        const char c = text[i];
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            ++i;
            break;
        case '\0':
            return problem(i,
                valueSeen && frames.empty() ? "a NUL byte (0x00) after the JSON value"
                                            : "a NUL byte (0x00), which JSON allows only escaped inside a string");
        case '{':
        case '[':
            if (frames.size() >= maxDepth)
                return problem(i, "nests deeper than " + std::to_string(maxDepth) + " levels of arrays and objects");
            if (tooMany())
                return problem(i, tooManyWhat);
            frames.emplace_back();
            frames.back().object = c == '{';
            frames.back().expectKey = c == '{';
            valueSeen = true;
            ++i;
            break;
        case '}':
        case ']':
            if (frames.empty() || frames.back().object != (c == '}'))
                return std::nullopt;
            frames.pop_back();
            ++i;
            break;
        case ',':
            if (frames.empty())
                return std::nullopt;
            if (frames.back().object)
                frames.back().expectKey = true;
            else
                ++frames.back().index;
            ++i;
            break;
        case ':':
            if (frames.empty() || !frames.back().object)
                return std::nullopt;
            ++i;
            break;
        case '"': {
            const std::size_t start = i;
            bool escaped = false;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\') {
                    escaped = true;
                    ++i;
                }
            }
            if (i >= text.size())
                return std::nullopt;
            ++i;
            valueSeen = true;
            if (frames.empty() || !frames.back().object || !frames.back().expectKey) {
                if (tooMany())
                    return problem(start, tooManyWhat);
                break;
            }
            const std::string_view token = text.substr(start, i - start);
            std::string key;
            if (!escaped) {
                key = std::string(token.substr(1, token.size() - 2));
            } else {
                const auto decoded = nlohmann::json::parse(token, nullptr, false);
                if (!decoded.is_string())
                    return std::nullopt;
                key = decoded.get<std::string>();
            }
            Frame& f = frames.back();
            f.expectKey = false;
            f.key = key;
            if (!f.keys.emplace(std::move(key), start).second)
                return problem(start, "is a key twice in the same object");
            break;
        }
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                const std::size_t start = i;
                bool exponent = false;
                for (; i < text.size() && isNumberChar(text[i]); ++i)
                    exponent = exponent || text[i] == 'e' || text[i] == 'E';
                const std::string_view token = text.substr(start, i - start);
                // Only an exponent or some 300 digits reach beyond a double.
                if ((exponent || token.size() > 300) && overflowsDouble(token))
                    return problem(start, "the number " + shortened(token) + " is too large (beyond ±1.8e308)");
                if (tooMany())
                    return problem(start, tooManyWhat);
                valueSeen = true;
                break;
            }
            if (c >= 'a' && c <= 'z') {
                if (tooMany())
                    return problem(i, tooManyWhat);
                while (i < text.size() && text[i] >= 'a' && text[i] <= 'z')
                    ++i;
                valueSeen = true;
                break;
            }
            return std::nullopt;
        }
    }
    return std::nullopt;
}

nlohmann::json parseJsonBounded(std::string_view text, std::size_t maxDepth)
{
    if (checkJsonText(text, maxDepth, std::numeric_limits<std::size_t>::max()))
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, false);
}

bool jsonDeeperThan(const nlohmann::json& value, std::size_t maxDepth)
{
    return jsonDepth(value, maxDepth) > maxDepth; // one non-recursive depth count (util/jsonread.h)
}

} // namespace assay::core
