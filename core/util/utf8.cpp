// SPDX-License-Identifier: MIT
#include "util/utf8.h"

namespace assay::core {

namespace {
/// Length of the valid sequence at @p i (1-4), or 0 with @p consumed set to the maximal subpart to replace.
std::size_t sequenceAt(std::string_view s, std::size_t i, std::size_t& consumed)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    consumed = 1;
    if (c < 0x80)
        return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the allowed range of the second byte (RFC 3629 table)
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0; // a continuation byte, C0/C1 or F5..FF
    }
    for (std::size_t k = 1; k < n; ++k) {
        if (i + k >= s.size())
            return 0; // truncated: the bytes so far are one maximal subpart
        const unsigned char b = byte(i + k);
        const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
        if (!ok)
            return 0;
        consumed = k + 1;
    }
    return n;
}
} // namespace

std::string validUtf8(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        std::size_t consumed = 0;
        if (const std::size_t n = sequenceAt(bytes, i, consumed); n > 0) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER
            i += consumed;
        }
    }
    return out;
}

bool isValidUtf8(std::string_view bytes)
{
    for (std::size_t i = 0; i < bytes.size();) {
        std::size_t consumed = 0;
        const std::size_t n = sequenceAt(bytes, i, consumed);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string_view utf8Prefix(std::string_view text, std::size_t maxBytes)
{
    if (text.size() <= maxBytes)
        return text;
    std::size_t end = maxBytes;
    // Back off the continuation bytes of a sequence that the cut would split (at most 3).
    for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++k)
        --end;
    return text.substr(0, end);
}

} // namespace assay::core
