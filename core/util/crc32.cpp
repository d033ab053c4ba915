// SPDX-License-Identifier: MIT
#include "util/crc32.h"

#include <array>

namespace assay::core {

namespace {
constexpr std::array<std::uint32_t, 256> makeTable()
{
    std::array<std::uint32_t, 256> table {};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr auto s_table = makeTable();
} // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t seed)
{
    std::uint32_t c = ~seed;
    for (const char ch : bytes)
        c = s_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
    return ~c;
}

} // namespace assay::core
