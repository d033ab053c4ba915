// SPDX-License-Identifier: MIT
#include "util/ids.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace assay::core {

namespace {
    std::string toHex(const unsigned char* data, std::size_t n)
    {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out(n * 2, '0');
        for (std::size_t i = 0; i < n; ++i) {
            out[2 * i] = digits[data[i] >> 4];
            out[2 * i + 1] = digits[data[i] & 0xF];
        }
        return out;
    }
} // namespace

std::string newUuid()
{
    std::array<unsigned char, 16> b {};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
        throw std::runtime_error("RAND_bytes failed"); // the CSPRNG failing is a broken invariant
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    const std::string h = toHex(b.data(), b.size());
    return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' + h.substr(20);
}

bool isUuid(std::string_view t)
{
    if (t.size() != 36)
        return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

std::string sha256Hex(std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md {};
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
    return toHex(md.data(), len);
}

std::string hmacSha256Raw(std::string_view key, std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md {};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(bytes.data()),
        bytes.size(), md.data(), &len);
    return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string hmacSha256Hex(std::string_view key, std::string_view bytes)
{
    const std::string raw = hmacSha256Raw(key, bytes);
    return toHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string isoTime(std::int64_t ms)
{
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm {};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
        tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

} // namespace assay::core
