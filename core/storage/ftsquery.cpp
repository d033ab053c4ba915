// SPDX-License-Identifier: MIT
#include "storage/ftsquery.h"

#include <vector>

namespace assay::core {

std::string ftsPrefixQuery(std::string_view userQuery, std::size_t maxWords)
{
    std::vector<std::string> words;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty() && words.size() < maxWords)
            words.push_back(cur);
        cur.clear();
    };
    for (const char ch : userQuery) {
        const auto c = static_cast<unsigned char>(ch);
        const bool word = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (word)
            cur += ch;
        else
            flush();
    }
    flush();
    std::string out;
    for (const auto& w : words) {
        if (!out.empty())
            out += ' ';
        out += '"' + w + "\"*";
    }
    return out;
}

} // namespace assay::core
