// SPDX-License-Identifier: MIT
#include "util/textsearch.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace assay::core {

namespace {
constexpr unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}
} // namespace

FoldedSearch::FoldedSearch(std::string_view needle)
    : m_needle(needle)
{
    for (char& ch : m_needle)
        ch = static_cast<char>(fold(static_cast<unsigned char>(ch)));
}

bool FoldedSearch::matchesAt(const unsigned char* at) const
{
    for (std::size_t i = 0; i < m_needle.size(); ++i)
        if (fold(at[i]) != static_cast<unsigned char>(m_needle[i]))
            return false;
    return true;
}

bool FoldedSearch::in(std::string_view hay) const
{
    const std::size_t n = m_needle.size();
    if (n == 0)
        return true;
    if (hay.size() < n)
        return false;
    const auto* h = reinterpret_cast<const unsigned char*>(hay.data());
    const std::size_t last = hay.size() - n; // the last position a match can start at
    std::size_t at = 0;
#if defined(__SSE2__)
    // Candidates: positions whose first and last byte equal the needle's, compared with bit 0x20 set on both sides
    // (which makes ASCII letters case-blind and never loses a match; the few false candidates are verified).
    // 16 positions per step; see W. Muła, "SIMD-friendly algorithms for substring searching".
    const __m128i case20 = _mm_set1_epi8(0x20);
    const __m128i first = _mm_set1_epi8(static_cast<char>(static_cast<unsigned char>(m_needle.front()) | 0x20));
    const __m128i tail = _mm_set1_epi8(static_cast<char>(static_cast<unsigned char>(m_needle.back()) | 0x20));
    for (; at + 16 <= last + 1; at += 16) {
        const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + at)), case20);
        const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + at + n - 1)), case20);
        auto mask = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, tail))));
        while (mask != 0) {
            if (matchesAt(h + at + static_cast<std::size_t>(__builtin_ctz(mask))))
                return true;
            mask &= mask - 1;
        }
    }
#endif
    for (; at <= last; ++at)
        if (matchesAt(h + at))
            return true;
    return false;
}

bool FoldedSearch::asciiOnly(std::string_view needle)
{
    for (char ch : needle)
        if (static_cast<unsigned char>(ch) >= 0x80)
            return false;
    return true;
}

std::string requiredLiteral(std::string_view pattern)
{
    std::string best;
    std::string run;
    auto flush = [&] {
        if (run.size() > best.size())
            best = run;
        run.clear();
    };
    if (pattern.find("(?") != std::string_view::npos)
        return {}; // inline options (extended mode ignores spaces, …): no guess
    int depth = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char ch = pattern[i];
        if (ch == '\\') { // an escape: \s, \d, \. … ends the run (escaped literals are not worth the care)
            flush();
            ++i;
            continue;
        }
        if (ch == '[') { // a class: skip to its end
            flush();
            for (++i; i < pattern.size() && pattern[i] != ']'; ++i)
                if (pattern[i] == '\\')
                    ++i;
            continue;
        }
        if (ch == '(') {
            flush();
            ++depth;
            continue;
        }
        if (ch == ')') {
            flush();
            depth = std::max(0, depth - 1);
            continue;
        }
        if (ch == '|' && depth == 0)
            return {}; // a top-level alternation: no literal is required
        if (ch == '*' || ch == '?' || ch == '+' || ch == '{') {
            if (ch != '+' && !run.empty())
                run.pop_back(); // the quantified character may be absent
            flush();
            if (ch == '{')
                while (i < pattern.size() && pattern[i] != '}')
                    ++i;
            continue;
        }
        const auto u = static_cast<unsigned char>(ch);
        const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == ' ';
        if (depth == 0 && plain)
            run += ch;
        else
            flush();
    }
    flush();
    return best;
}

} // namespace assay::core
