// SPDX-License-Identifier: MIT
#include "filehash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <openssl/evp.h>

namespace assay::gpu {

core::Result<std::string> sha256File(
    const std::string& path, std::stop_token stop, const std::function<void(std::uint64_t, std::uint64_t)>& progress)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f)
        return core::makeError(core::ErrorCode::Io, path + ": cannot open (" + std::strerror(errno) + ")");
    ::fseeko(f.get(), 0, SEEK_END);
    const auto total = static_cast<std::uint64_t>(std::max<off_t>(::ftello(f.get()), 0));
    ::fseeko(f.get(), 0, SEEK_SET);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        return core::makeError(core::ErrorCode::Io, "SHA-256 is not available");
    std::vector<unsigned char> buf(4u << 20);
    std::uint64_t done = 0;
    for (;;) {
        if (stop.stop_requested())
            return core::makeError(core::ErrorCode::Cancelled, path + ": hashing cancelled");
        const auto n = std::fread(buf.data(), 1, buf.size(), f.get());
        if (n > 0) {
            EVP_DigestUpdate(ctx.get(), buf.data(), n);
            done += n;
            if (progress)
                progress(done, total);
        }
        if (n < buf.size()) {
            if (std::ferror(f.get()))
                return core::makeError(core::ErrorCode::Io, path + ": read error while hashing");
            break;
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int k = 0; k < len; ++k) {
        hex += kHex[md[k] >> 4];
        hex += kHex[md[k] & 15];
    }
    return hex;
}

} // namespace assay::gpu
