// SPDX-License-Identifier: MIT
#include "interchange/textinput.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

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
/// Length of the valid UTF-8 sequence at @p i, or 0 when it is malformed.
std::size_t sequenceLength(std::string_view s, std::size_t i)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80)
        return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; // no overlong forms
        if (c == 0xED)
            hi = 0x9F; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size())
        return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
            return 0;
    return n;
}

std::string hexByte(unsigned char c)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(c));
    return buf;
}
} // namespace

Status checkUtf8(std::string_view text, const std::string& fileName)
{
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = sequenceLength(text, i);
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
                + std::to_string(maxBytes) + " bytes");
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
