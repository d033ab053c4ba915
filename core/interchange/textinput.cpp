// SPDX-License-Identifier: MIT
#include "interchange/textinput.h"

#include "util/displaytext.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include <unistd.h>

namespace assay::core {

namespace fs = std::filesystem;

TextPosition positionAt(std::string_view text, std::size_t offset)
{
    TextPosition p;
    offset = std::min(offset, text.size());
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

namespace {
std::string hexByte(unsigned char c)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(c));
    return buf;
}

/// The iconv name of a UTF-16 or UTF-32 text ("UTF-16" with a byte-order mark, "UTF-16LE" without), if it is one.
std::optional<std::string> wideEncoding(std::string_view text)
{
    const auto at = [&](std::size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0x100u; };
    // Byte-order marks first (UTF-32LE's starts like UTF-16LE's, so it is tested first).
    if (at(0) == 0xFF && at(1) == 0xFE && at(2) == 0 && at(3) == 0)
        return "UTF-32";
    if (at(0) == 0 && at(1) == 0 && at(2) == 0xFE && at(3) == 0xFF)
        return "UTF-32";
    if ((at(0) == 0xFF && at(1) == 0xFE) || (at(0) == 0xFE && at(1) == 0xFF))
        return "UTF-16";
    // No mark: ASCII text in UTF-16 or UTF-32 has a NUL beside (nearly) every byte.
    const std::size_t n = std::min<std::size_t>(text.size(), 512) & ~std::size_t(3);
    if (n < 4)
        return std::nullopt;
    std::size_t le16 = 0, be16 = 0, le32 = 0, be32 = 0;
    for (std::size_t i = 0; i < n; i += 2) {
        le16 += at(i) != 0 && at(i + 1) == 0;
        be16 += at(i) == 0 && at(i + 1) != 0;
    }
    for (std::size_t i = 0; i < n; i += 4) {
        le32 += at(i) != 0 && at(i + 1) == 0 && at(i + 2) == 0 && at(i + 3) == 0;
        be32 += at(i) == 0 && at(i + 1) == 0 && at(i + 2) == 0 && at(i + 3) != 0;
    }
    const auto most = [](std::size_t hits, std::size_t of) { return hits * 4 >= of * 3; };
    if (most(le32, n / 4))
        return "UTF-32LE";
    if (most(be32, n / 4))
        return "UTF-32BE";
    if (most(le16, n / 2))
        return "UTF-16LE";
    if (most(be16, n / 2))
        return "UTF-16BE";
    return std::nullopt;
}
} // namespace

Status checkUtf8(std::string_view text, const std::string& fileName)
{
    if (auto wide = wideEncoding(text)) {
        const std::string family = wide->substr(0, 6);
        const auto stem = std::filesystem::path(fileName).stem().string();
        const auto ext = std::filesystem::path(fileName).extension().string();
        return makeError(ErrorCode::Invalid,
            fileName + ": the file is " + family + ", not UTF-8; convert it to UTF-8, e.g. iconv -f " + *wide
                + " -t UTF-8 '" + fileName + "' > '" + stem + "-utf8" + ext + "'");
    }
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8SequenceLength(text, i);
        if (n == 0) {
            const auto p = positionAt(text, i);
            return makeError(ErrorCode::Invalid,
                fileName + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": invalid UTF-8 (byte "
                    + hexByte(static_cast<unsigned char>(text[i])) + ")");
        }
        i += n;
    }
    return {};
}

Result<std::string> readTextFile(const std::string& path, std::uint64_t maxBytes)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        return makeError(ErrorCode::Io, path + ": the file does not exist");
    if (!fs::is_regular_file(status))
        return makeError(ErrorCode::Io, path + ": not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec)
        return makeError(ErrorCode::Io, path + ": cannot read the file", ec.message());
    if (size > maxBytes)
        return makeError(ErrorCode::Invalid,
            path + ": the file is " + std::to_string(size) + " bytes, over the import limit of "
                + std::to_string(maxBytes) + " bytes"
                + (maxBytes >= (1u << 20) ? " (" + std::to_string(maxBytes >> 20) + " MiB per file)" : std::string())
                + "; split it into smaller files");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::Io, path + ": cannot open the file", std::strerror(errno));
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size)
        return makeError(ErrorCode::Io, path + ": cannot read the file (it changed while being read)");
    ASSAY_TRY(checkUtf8(text, path));
    return text;
}

Status writeFileAtomically(const std::string& path, std::string_view bytes)
{
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            return makeError(ErrorCode::Io, path + ": cannot write the file", std::strerror(errno));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            std::error_code ignored;
            fs::remove(temp, ignored);
            return makeError(ErrorCode::Io, path + ": cannot write the file", std::strerror(errno));
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return makeError(ErrorCode::Io, path + ": cannot write the file", ec.message());
    }
    return {};
}

std::string fileStem(const std::string& path)
{
    std::string stem = fs::path(path).stem().string();
    return stem.empty() ? "prompt" : stem;
}

} // namespace assay::core
