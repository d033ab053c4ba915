// SPDX-License-Identifier: MIT
#include "catalog/similarity.h"

#include <algorithm>
#include <limits>

namespace assay::core {

namespace {

constexpr std::size_t kShingleWords = 3;

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL)
{
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t mix(std::uint64_t x)
{
    // splitmix64 finalizer: a fast, well-distributed 64-bit permutation.
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

bool isWordByte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    std::string cur;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (isWordByte(c)) {
            cur += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : ch;
        } else if (!cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty())
        out.push_back(std::move(cur));
    return out;
}

} // namespace

std::vector<std::uint64_t> textShingles(std::string_view text)
{
    const auto w = words(text);
    std::vector<std::uint64_t> out;
    if (w.empty())
        return out;
    const std::size_t n = w.size() < kShingleWords ? 1 : w.size() - kShingleWords + 1;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (std::size_t k = i; k < std::min(w.size(), i + kShingleWords); ++k) {
            h = fnv1a(w[k], h);
            h = fnv1a(" ", h);
        }
        out.push_back(h);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b)
{
    if (a.empty() || b.empty())
        return 0.0;
    std::size_t common = 0;
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (*i < *j) {
            ++i;
        } else if (*j < *i) {
            ++j;
        } else {
            ++common;
            ++i;
            ++j;
        }
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::vector<std::uint32_t> minHash(const std::vector<std::uint64_t>& shingles)
{
    if (shingles.empty())
        return {};
    std::vector<std::uint32_t> sig(kMinHashSize, std::numeric_limits<std::uint32_t>::max());
    for (int k = 0; k < kMinHashSize; ++k) {
        const std::uint64_t seed = mix(static_cast<std::uint64_t>(k) + 1);
        std::uint32_t best = std::numeric_limits<std::uint32_t>::max();
        for (const std::uint64_t s : shingles)
            best = std::min(best, static_cast<std::uint32_t>(mix(s ^ seed) >> 32));
        sig[static_cast<std::size_t>(k)] = best;
    }
    return sig;
}

double minHashSimilarity(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b)
{
    if (a.empty() || a.size() != b.size())
        return 0.0;
    std::size_t same = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        same += a[i] == b[i] ? 1 : 0;
    return static_cast<double>(same) / static_cast<double>(a.size());
}

std::vector<std::int64_t> minHashBands(const std::vector<std::uint32_t>& signature)
{
    std::vector<std::int64_t> out;
    if (signature.size() != static_cast<std::size_t>(kMinHashSize))
        return out;
    for (int b = 0; b < kMinHashBands; ++b) {
        std::uint64_t h = mix(static_cast<std::uint64_t>(b));
        for (int r = 0; r < kMinHashRows; ++r)
            h = mix(h ^ signature[static_cast<std::size_t>(b * kMinHashRows + r)]);
        out.push_back(static_cast<std::int64_t>(h));
    }
    return out;
}

std::string encodeMinHash(const std::vector<std::uint32_t>& signature)
{
    std::string out;
    out.reserve(signature.size() * 4);
    for (const std::uint32_t v : signature)
        for (int shift = 0; shift < 32; shift += 8)
            out += static_cast<char>((v >> shift) & 0xffU);
    return out;
}

std::optional<std::vector<std::uint32_t>> decodeMinHash(std::string_view bytes)
{
    if (bytes.empty())
        return std::vector<std::uint32_t> {};
    if (bytes.size() != static_cast<std::size_t>(kMinHashSize) * 4)
        return std::nullopt;
    std::vector<std::uint32_t> out(static_cast<std::size_t>(kMinHashSize));
    for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k)
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + k])) << (8 * k);
        out[i] = v;
    }
    return out;
}

} // namespace assay::core
