// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

namespace assay::core {

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib and AWS eventstream use it.
/// crc32("123456789") == 0xCBF43926. Pass a previous result as seed to continue a running checksum.
std::uint32_t crc32(std::string_view bytes, std::uint32_t seed = 0);

} // namespace assay::core
