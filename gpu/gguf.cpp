// SPDX-License-Identifier: MIT
#include "gguf.h"

#include "ggmltypes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <unordered_set>

namespace assay::gpu {

namespace {
constexpr std::uint64_t kMaxString = 1ull << 30; // ggml's GGUF_MAX_STRING_LENGTH
constexpr std::uint32_t kMaxName = 64; // GGML_MAX_NAME (names must be shorter)
constexpr std::uint32_t kMaxDims = 4;

/// A failure inside the parser; caught in parse() and turned into core::Error (never leaves this file).
struct ParseError {
    std::string what;
};

/// Sequential byte source with a known total size.
class Source {
public:
    explicit Source(std::uint64_t size)
        : m_size(size)
    {
    }
    virtual ~Source() = default;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    virtual void readRaw(void* dst, std::size_t n) = 0;
    virtual void skipRaw(std::uint64_t n) = 0;
    [[nodiscard]] std::uint64_t pos() const { return m_pos; }
    [[nodiscard]] std::uint64_t size() const { return m_size; }
    [[nodiscard]] std::uint64_t remaining() const { return m_size - m_pos; }

protected:
    std::uint64_t m_size = 0;
    std::uint64_t m_pos = 0;
};

class MemorySource final : public Source {
public:
    explicit MemorySource(std::span<const std::uint8_t> bytes)
        : Source(bytes.size())
        , m_bytes(bytes)
    {
    }
    void readRaw(void* dst, std::size_t n) override
    {
        if (n) // memcpy with a null destination is undefined even for 0 bytes (empty vectors); found by fuzzing
            std::memcpy(dst, m_bytes.data() + m_pos, n);
        m_pos += n;
    }
    void skipRaw(std::uint64_t n) override { m_pos += n; }

private:
    std::span<const std::uint8_t> m_bytes;
};

class FileSource final : public Source {
public:
    FileSource(std::FILE* f, std::uint64_t size)
        : Source(size)
        , m_file(f)
    {
    }
    void readRaw(void* dst, std::size_t n) override
    {
        if (std::fread(dst, 1, n, m_file) != n)
            throw ParseError { "read error (" + std::string(std::strerror(errno)) + ")" };
        m_pos += n;
    }
    void skipRaw(std::uint64_t n) override
    {
        if (::fseeko(m_file, static_cast<off_t>(m_pos + n), SEEK_SET) != 0)
            throw ParseError { "seek error" };
        m_pos += n;
    }

private:
    std::FILE* m_file;
};

class Parser {
public:
    Parser(Source& src, const GgufReadOptions& options)
        : m_src(src)
        , m_options(options)
    {
    }

    GgufFile parse()
    {
        GgufFile out;
        out.fileSize = m_src.size();
        if (m_src.size() < 24)
            fail("file is too small to be GGUF (" + std::to_string(m_src.size()) + " bytes)");
        char magic[4];
        read(magic, 4);
        if (std::memcmp(magic, "GGUF", 4) != 0)
            fail("not a GGUF file (bad magic)", 0);
        out.version = readU32("version");
        if (out.version == 1)
            fail("GGUF version 1 is not supported", 4);
        if (out.version == 0 || out.version > 3)
            fail("unsupported GGUF version " + std::to_string(out.version), 4);
        const auto nTensors = readU64("tensor count");
        const auto nKv = readU64("key/value count");
        // Each tensor info takes at least 24 bytes, each key/value at least 13: reject impossible counts before
        // reserving anything.
        if (nTensors > m_src.remaining() / 24)
            fail("tensor count " + std::to_string(nTensors) + " exceeds what the file can hold", 8);
        if (nKv > m_src.remaining() / 13)
            fail("key/value count " + std::to_string(nKv) + " exceeds what the file can hold", 16);

        std::unordered_set<std::string> keys;
        out.kvs.reserve(nKv);
        for (std::uint64_t k = 0; k < nKv; ++k) {
            m_where = "key/value #" + std::to_string(k);
            GgufKv kv;
            kv.key = readString("key");
            if (kv.key.empty())
                fail("empty key");
            m_where += " '" + printable(kv.key) + "'";
            if (!keys.insert(kv.key).second)
                fail("duplicate key");
            const auto type = readType("value type");
            kv.value = readValue(type);
            out.kvs.push_back(std::move(kv));
        }
        m_where.clear();

        if (const auto* a = out.find("general.alignment")) {
            if (a->type != GgufType::UInt32 || a->u == 0 || (a->u & (a->u - 1)) != 0)
                fail("general.alignment must be a non-zero power of two (UINT32)");
            out.alignment = a->u;
        }

        std::unordered_set<std::string> names;
        out.tensors.reserve(nTensors);
        std::uint64_t expectedOffset = 0;
        for (std::uint64_t t = 0; t < nTensors; ++t) {
            m_where = "tensor #" + std::to_string(t);
            GgufTensorInfo ti;
            ti.name = readString("tensor name");
            m_where += " '" + printable(ti.name) + "'";
            if (ti.name.size() >= kMaxName)
                fail("tensor name is longer than " + std::to_string(kMaxName - 1) + " bytes");
            if (!names.insert(ti.name).second)
                fail("duplicate tensor name");
            ti.nDims = readU32("dimension count");
            if (ti.nDims > kMaxDims)
                fail("has " + std::to_string(ti.nDims) + " dimensions (at most 4)");
            for (std::uint32_t d = 0; d < ti.nDims; ++d) {
                std::int64_t v = 0;
                read(&v, 8);
                if (v < 0)
                    fail("dimension " + std::to_string(d) + " is negative");
                ti.ne[d] = v;
            }
            std::int64_t n = 1;
            for (const auto v : ti.ne) {
                if (v != 0 && n > std::numeric_limits<std::int64_t>::max() / v)
                    fail("element count overflows");
                n *= v;
            }
            ti.type = readU32("tensor type");
            const auto traits = ggmlTypeTraits(ti.type);
            if (!traits)
                fail("unknown or removed ggml type " + std::to_string(ti.type));
            if (ti.ne[0] % traits->blockSize != 0)
                fail("row of " + std::to_string(ti.ne[0]) + " elements is not a multiple of the " + traits->name
                    + " block size " + std::to_string(traits->blockSize));
            const auto blocks = static_cast<std::uint64_t>(n) / traits->blockSize;
            if (blocks > std::numeric_limits<std::uint64_t>::max() / 2 / traits->typeSize)
                fail("byte size overflows");
            ti.byteSize = blocks * traits->typeSize;
            ti.offset = readU64("tensor offset");
            // ggml lays tensors out back to back, each padded to the alignment; it rejects anything else.
            if (ti.offset != expectedOffset)
                fail("data offset " + std::to_string(ti.offset) + " is not the expected "
                    + std::to_string(expectedOffset));
            expectedOffset = pad(ti.offset + ti.byteSize, out.alignment);
            if (expectedOffset > m_src.size())
                fail("tensor data extends beyond the end of the file");
            out.tensors.push_back(std::move(ti));
        }
        m_where.clear();
        out.dataOffset = nTensors == 0 ? m_src.pos() : pad(m_src.pos(), out.alignment);
        std::uint64_t dataEnd = out.dataOffset;
        if (!out.tensors.empty()) {
            const auto& last = out.tensors.back();
            dataEnd += last.offset + last.byteSize;
        }
        if (dataEnd > m_src.size() || dataEnd < out.dataOffset)
            fail("truncated: tensor data needs " + std::to_string(dataEnd) + " bytes, the file has "
                    + std::to_string(m_src.size()),
                m_src.size());
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& what, std::optional<std::uint64_t> at = {})
    {
        std::string msg = m_where.empty() ? what : m_where + ": " + what;
        msg += " (byte offset " + std::to_string(at.value_or(m_src.pos())) + ")";
        throw ParseError { msg };
    }

    static std::uint64_t pad(std::uint64_t v, std::uint64_t a)
    {
        if (v > std::numeric_limits<std::uint64_t>::max() - a)
            throw ParseError { "offset overflows" };
        return (v + a - 1) / a * a;
    }

    static std::string printable(const std::string& s)
    {
        std::string out;
        for (const char c : s.substr(0, 80))
            out += (c >= 0x20 && c < 0x7f) ? c : '?';
        return s.size() > 80 ? out + "…" : out;
    }

    void read(void* dst, std::size_t n, const char* field = "data")
    {
        if (n > m_src.remaining())
            fail(std::string("truncated: ") + field + " needs " + std::to_string(n) + " bytes, "
                + std::to_string(m_src.remaining()) + " left");
        m_src.readRaw(dst, n);
    }
    std::uint32_t readU32(const char* field)
    {
        std::uint32_t v = 0;
        read(&v, 4, field);
        return v;
    }
    std::uint64_t readU64(const char* field)
    {
        std::uint64_t v = 0;
        read(&v, 8, field);
        return v;
    }
    GgufType readType(const char* field)
    {
        const auto t = readU32(field);
        if (t > static_cast<std::uint32_t>(GgufType::Float64))
            fail(std::string("invalid ") + field + " " + std::to_string(t), m_src.pos() - 4);
        return static_cast<GgufType>(t);
    }
    std::string readString(const char* field)
    {
        const auto len = readU64(field);
        if (len > kMaxString || len > m_src.remaining())
            fail(std::string(field) + " length " + std::to_string(len) + " exceeds the file size", m_src.pos() - 8);
        std::string s(static_cast<std::size_t>(len), '\0');
        read(s.data(), s.size(), field);
        return s;
    }
    void readScalar(GgufType type, GgufValue& v)
    {
        switch (type) {
        case GgufType::UInt8:
        case GgufType::UInt16:
        case GgufType::UInt32:
        case GgufType::UInt64:
        case GgufType::Bool: {
            std::uint64_t u = 0;
            read(&u, ggufScalarSize(type), "value");
            v.u = u;
            if (type == GgufType::Bool && u > 1)
                fail("bool value " + std::to_string(u) + " is neither 0 nor 1");
            break;
        }
        case GgufType::Int8: {
            std::int8_t x = 0;
            read(&x, 1, "value");
            v.i = x;
            break;
        }
        case GgufType::Int16: {
            std::int16_t x = 0;
            read(&x, 2, "value");
            v.i = x;
            break;
        }
        case GgufType::Int32: {
            std::int32_t x = 0;
            read(&x, 4, "value");
            v.i = x;
            break;
        }
        case GgufType::Int64:
            read(&v.i, 8, "value");
            break;
        case GgufType::Float32: {
            float x = 0;
            read(&x, 4, "value");
            v.f = static_cast<double>(x);
            break;
        }
        case GgufType::Float64:
            read(&v.f, 8, "value");
            break;
        case GgufType::String:
            v.s = readString("string value");
            break;
        case GgufType::Array:
            fail("nested arrays are not supported");
        }
    }
    GgufValue readValue(GgufType type)
    {
        GgufValue v;
        v.type = type;
        if (type != GgufType::Array) {
            readScalar(type, v);
            return v;
        }
        v.elemType = readType("array element type");
        if (v.elemType == GgufType::Array)
            fail("nested arrays are not supported", m_src.pos() - 4);
        v.count = readU64("array length");
        const std::uint64_t minElem = v.elemType == GgufType::String ? 8 : ggufScalarSize(v.elemType);
        if (v.count > m_src.remaining() / minElem)
            fail("array of " + std::to_string(v.count) + " " + ggufTypeName(v.elemType)
                    + " elements exceeds the file size",
                m_src.pos() - 8);
        if (v.elemType != GgufType::String) {
            const auto bytes = v.count * minElem;
            if (bytes > m_options.maxArrayBytesKept) {
                v.elementsKept = false;
                m_src.skipRaw(bytes);
            } else {
                v.raw.resize(static_cast<std::size_t>(bytes));
                read(v.raw.data(), v.raw.size(), "array");
                if (v.elemType == GgufType::Bool)
                    for (const auto b : v.raw)
                        if (b > 1)
                            fail("bool array element is neither 0 nor 1");
            }
            return v;
        }
        // Strings: validate every length; keep them unless the total grows past the limit.
        std::uint64_t kept = 0;
        for (std::uint64_t e = 0; e < v.count; ++e) {
            const auto len = readU64("array string length");
            if (len > kMaxString || len > m_src.remaining())
                fail("array string #" + std::to_string(e) + " length " + std::to_string(len) + " exceeds the file size",
                    m_src.pos() - 8);
            kept += len + sizeof(std::string);
            if (v.elementsKept && kept <= m_options.maxArrayBytesKept) {
                std::string s(static_cast<std::size_t>(len), '\0');
                read(s.data(), s.size(), "array string");
                v.strings.push_back(std::move(s));
            } else {
                v.elementsKept = false;
                v.strings.clear();
                v.strings.shrink_to_fit();
                m_src.skipRaw(len);
            }
        }
        return v;
    }

    Source& m_src;
    GgufReadOptions m_options;
    std::string m_where; ///< which KV or tensor is being read, for error messages
};

core::Result<GgufFile> run(Source& src, const std::string& label, const GgufReadOptions& options)
{
    try {
        Parser p(src, options);
        return p.parse();
    } catch (const ParseError& e) {
        return core::makeError(core::ErrorCode::Invalid, label + ": invalid GGUF: " + e.what);
    } catch (const std::bad_alloc&) {
        return core::makeError(core::ErrorCode::Invalid, label + ": invalid GGUF: out of memory while reading");
    } catch (const std::length_error&) {
        return core::makeError(core::ErrorCode::Invalid, label + ": invalid GGUF: a length is too large");
    }
}
} // namespace

const char* ggufTypeName(GgufType type)
{
    static constexpr std::array<const char*, 13> kNames { "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32",
        "FLOAT32", "BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64" };
    const auto i = static_cast<std::size_t>(type);
    return i < kNames.size() ? kNames[i] : "?";
}

std::size_t ggufScalarSize(GgufType type)
{
    switch (type) {
    case GgufType::UInt8:
    case GgufType::Int8:
    case GgufType::Bool:
        return 1;
    case GgufType::UInt16:
    case GgufType::Int16:
        return 2;
    case GgufType::UInt32:
    case GgufType::Int32:
    case GgufType::Float32:
        return 4;
    case GgufType::UInt64:
    case GgufType::Int64:
    case GgufType::Float64:
        return 8;
    case GgufType::String:
    case GgufType::Array:
        return 0;
    }
    return 0;
}

core::Result<GgufFile> parseGguf(
    std::span<const std::uint8_t> bytes, const std::string& label, const GgufReadOptions& options)
{
    MemorySource src(bytes);
    return run(src, label, options);
}

core::Result<GgufFile> readGguf(const std::string& path, const GgufReadOptions& options)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f)
        return core::makeError(core::ErrorCode::Io, path + ": cannot open (" + std::strerror(errno) + ")");
    if (::fseeko(f.get(), 0, SEEK_END) != 0)
        return core::makeError(core::ErrorCode::Io, path + ": cannot seek (not a regular file?)");
    const auto size = ::ftello(f.get());
    if (size < 0 || ::fseeko(f.get(), 0, SEEK_SET) != 0)
        return core::makeError(core::ErrorCode::Io, path + ": cannot determine the file size");
    FileSource src(f.get(), static_cast<std::uint64_t>(size));
    return run(src, path, options);
}

} // namespace assay::gpu
