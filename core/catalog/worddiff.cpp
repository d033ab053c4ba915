// SPDX-License-Identifier: MIT
#include "catalog/worddiff.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace assay::core {

namespace {

enum class TokenClass { Word, Space, Punct };

TokenClass classOf(unsigned char c)
{
    if (c >= 0x80 || std::isalnum(c))
        return TokenClass::Word;
    if (std::isspace(c))
        return TokenClass::Space;
    return TokenClass::Punct;
}

bool isSpace(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

using Kind = DiffSegment::Kind;

/// Myers' greedy algorithm; returns the edit script as one Kind per token (Removed: from a, Added: from b).
std::vector<Kind> myers(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    const int max = n + m;
    std::vector<std::vector<int>> trace; // trace[d][k + d] = furthest x on diagonal k after d edits
    std::vector<int> v(2 * static_cast<std::size_t>(max) + 3, 0);
    const int off = max + 1;
    int found = -1;
    for (int d = 0; d <= max && found < 0; ++d) {
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
            int y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                ++x;
                ++y;
            }
            v[off + k] = x;
            if (x >= n && y >= m)
                found = d;
        }
        trace.emplace_back(v.begin() + (off - d), v.begin() + (off + d + 1));
    }
    std::vector<Kind> script;
    int x = n;
    int y = m;
    for (int d = found; d > 0; --d) {
        const auto& prev = trace[static_cast<std::size_t>(d - 1)]; // index k + (d - 1)
        const int k = x - y;
        auto at = [&](int kk) { return prev[static_cast<std::size_t>(kk + d - 1)]; };
        const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
        const int prevK = down ? k + 1 : k - 1;
        const int prevX = at(prevK);
        const int prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            script.push_back(Kind::Equal);
            --x;
            --y;
        }
        script.push_back(down ? Kind::Added : Kind::Removed);
        x = prevX;
        y = prevY;
    }
    while (x > 0 && y > 0) {
        script.push_back(Kind::Equal);
        --x;
        --y;
    }
    std::reverse(script.begin(), script.end());
    return script;
}

void append(std::vector<DiffSegment>& out, Kind kind, const std::string& text)
{
    if (text.empty())
        return;
    if (!out.empty() && out.back().kind == kind)
        out.back().text += text;
    else
        out.push_back(DiffSegment { kind, text });
}

std::string fmt(const nlohmann::json& j)
{
    return j.is_string() ? j.get<std::string>() : j.dump();
}

void compareFields(
    const std::string& prefix, const nlohmann::json& a, const nlohmann::json& b, std::vector<FieldChange>& out)
{
    std::vector<std::string> keys;
    for (const auto* obj : { &a, &b })
        if (obj->is_object())
            for (const auto& [k, v] : obj->items()) {
                (void)v;
                if (std::find(keys.begin(), keys.end(), k) == keys.end())
                    keys.push_back(k);
            }
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) {
        const bool inA = a.is_object() && a.contains(k);
        const bool inB = b.is_object() && b.contains(k);
        if (inA && inB && a[k] == b[k])
            continue;
        FieldChange c;
        c.field = prefix + k;
        if (inA)
            c.before = fmt(a[k]);
        if (inB)
            c.after = fmt(b[k]);
        out.push_back(std::move(c));
    }
}

nlohmann::json parametersJson(const ModelParameters& p)
{
    nlohmann::json j = nlohmann::json::object();
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

void compareTexts(
    const std::string& prefix, const std::vector<ChatMessage>& a, const std::vector<ChatMessage>& b, VersionDiff& out)
{
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const ChatMessage* ma = i < a.size() ? &a[i] : nullptr;
        const ChatMessage* mb = i < b.size() ? &b[i] : nullptr;
        const std::string at = prefix + "[" + std::to_string(i) + "]";
        TextDiff t;
        t.where = at + " (" + (mb ? mb->role : ma->role) + ")";
        t.segments = wordDiff(ma ? ma->content : std::string(), mb ? mb->content : std::string());
        t.changed = !ma || !mb || ma->content != mb->content;
        if (ma && mb && ma->role != mb->role)
            out.fields.push_back(FieldChange { at + ".role", ma->role, mb->role });
        out.texts.push_back(std::move(t));
    }
}

} // namespace

std::vector<std::string> diffTokens(std::string_view text)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size();) {
        const TokenClass c = classOf(static_cast<unsigned char>(text[i]));
        std::size_t j = i + 1;
        if (c != TokenClass::Punct)
            while (j < text.size() && classOf(static_cast<unsigned char>(text[j])) == c)
                ++j;
        out.emplace_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

std::vector<DiffSegment> wordDiff(std::string_view before, std::string_view after)
{
    const auto a = diffTokens(before);
    const auto b = diffTokens(after);
    // Common prefix and suffix are cheap to strip and keep the O(ND) search small.
    std::size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre])
        ++pre;
    std::size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
        ++suf;
    const std::vector<std::string> midA(
        a.begin() + static_cast<std::ptrdiff_t>(pre), a.end() - static_cast<std::ptrdiff_t>(suf));
    const std::vector<std::string> midB(
        b.begin() + static_cast<std::ptrdiff_t>(pre), b.end() - static_cast<std::ptrdiff_t>(suf));
    const auto script = myers(midA, midB);

    // Raw per-token segments of the middle part.
    std::vector<DiffSegment> raw;
    std::size_t ia = 0;
    std::size_t ib = 0;
    for (const Kind k : script) {
        if (k == Kind::Equal) {
            raw.push_back({ k, midA[ia++] });
            ++ib;
        } else if (k == Kind::Removed) {
            raw.push_back({ k, midA[ia++] });
        } else {
            raw.push_back({ k, midB[ib++] });
        }
    }
    // Whitespace alone between two changes joins them.
    for (std::size_t i = 1; i + 1 < raw.size(); ++i)
        if (raw[i].kind == Kind::Equal && isSpace(raw[i].text) && raw[i - 1].kind != Kind::Equal
            && raw[i + 1].kind != Kind::Equal) {
            const std::string ws = raw[i].text;
            raw[i] = { Kind::Removed, ws };
            raw.insert(raw.begin() + static_cast<std::ptrdiff_t>(i) + 1, DiffSegment { Kind::Added, ws });
            ++i;
        }

    std::vector<DiffSegment> out;
    std::string prefix;
    for (std::size_t i = 0; i < pre; ++i)
        prefix += a[i];
    append(out, Kind::Equal, prefix);
    for (std::size_t i = 0; i < raw.size();) {
        if (raw[i].kind == Kind::Equal) {
            append(out, Kind::Equal, raw[i++].text);
            continue;
        }
        std::string removed;
        std::string added;
        for (; i < raw.size() && raw[i].kind != Kind::Equal; ++i)
            (raw[i].kind == Kind::Removed ? removed : added) += raw[i].text;
        append(out, Kind::Removed, removed);
        append(out, Kind::Added, added);
    }
    std::string suffix;
    for (std::size_t i = a.size() - suf; i < a.size(); ++i)
        suffix += a[i];
    append(out, Kind::Equal, suffix);
    return out;
}

bool VersionDiff::identical() const
{
    return fields.empty() && std::none_of(texts.begin(), texts.end(), [](const TextDiff& t) { return t.changed; });
}

VersionDiff diffVersions(const PromptContent& before, const PromptContent& after)
{
    VersionDiff out;
    compareTexts("messages", before.messages, after.messages, out);
    compareTexts("few_shot", before.fewShot, after.fewShot, out);
    for (std::size_t i = 0; i < std::max(before.steps.size(), after.steps.size()); ++i) {
        const ChainStep* sa = i < before.steps.size() ? &before.steps[i] : nullptr;
        const ChainStep* sb = i < after.steps.size() ? &after.steps[i] : nullptr;
        const std::string name = sb ? sb->name : sa->name;
        if (sa && sb && sa->name != sb->name)
            out.fields.push_back(FieldChange { "steps[" + std::to_string(i) + "].name", sa->name, sb->name });
        static const std::vector<ChatMessage> none;
        compareTexts("steps." + name + ".messages", sa ? sa->messages : none, sb ? sb->messages : none, out);
        compareFields("steps." + name + ".parameters.", sa ? parametersJson(sa->parameters) : nlohmann::json::object(),
            sb ? parametersJson(sb->parameters) : nlohmann::json::object(), out.fields);
    }
    compareFields("parameters.", parametersJson(before.parameters), parametersJson(after.parameters), out.fields);
    nlohmann::json da = nlohmann::json::object();
    nlohmann::json db = nlohmann::json::object();
    for (const auto& d : before.defaults)
        da[d.name] = d.value;
    for (const auto& d : after.defaults)
        db[d.name] = d.value;
    compareFields("defaults.", da, db, out.fields);
    auto outputJson = [](const OutputFormat& o) {
        nlohmann::json j = nlohmann::json::object();
        j["kind"] = o.kind == OutputFormat::Kind::Json ? "json"
            : o.kind == OutputFormat::Kind::Label      ? "label"
                                                       : "plain";
        if (!o.jsonSchema.empty())
            j["json_schema"] = o.jsonSchema;
        if (!o.labels.empty())
            j["labels"] = o.labels;
        return j;
    };
    compareFields("output.", outputJson(before.output), outputJson(after.output), out.fields);
    return out;
}

} // namespace assay::core
