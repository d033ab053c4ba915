// SPDX-License-Identifier: MIT
#include "ggufwriter.h"

#include "ggmltypes.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace assay::gpu {

namespace {
constexpr std::uint64_t kAlign = 32;

class Out {
public:
    explicit Out(std::FILE* f)
        : m_f(f)
    {
    }
    void bytes(const void* p, std::size_t n)
    {
        if (n && std::fwrite(p, 1, n, m_f) != n)
            m_ok = false;
        m_pos += n;
    }
    template <typename T> void pod(T v) { bytes(&v, sizeof v); }
    void str(const std::string& s)
    {
        pod<std::uint64_t>(s.size());
        bytes(s.data(), s.size());
    }
    void padTo(std::uint64_t align)
    {
        static constexpr char zeros[kAlign] = {};
        const auto rem = m_pos % align;
        if (rem)
            bytes(zeros, static_cast<std::size_t>(align - rem));
    }
    void scalar(const GgufValue& v)
    {
        switch (v.type) {
        case GgufType::UInt8:
        case GgufType::Bool:
            pod(static_cast<std::uint8_t>(v.u));
            break;
        case GgufType::UInt16:
            pod(static_cast<std::uint16_t>(v.u));
            break;
        case GgufType::UInt32:
            pod(static_cast<std::uint32_t>(v.u));
            break;
        case GgufType::UInt64:
            pod(v.u);
            break;
        case GgufType::Int8:
            pod(static_cast<std::int8_t>(v.i));
            break;
        case GgufType::Int16:
            pod(static_cast<std::int16_t>(v.i));
            break;
        case GgufType::Int32:
            pod(static_cast<std::int32_t>(v.i));
            break;
        case GgufType::Int64:
            pod(v.i);
            break;
        case GgufType::Float32:
            pod(static_cast<float>(v.f));
            break;
        case GgufType::Float64:
            pod(v.f);
            break;
        case GgufType::String:
            str(v.s);
            break;
        case GgufType::Array:
            pod(static_cast<std::uint32_t>(v.elemType));
            pod<std::uint64_t>(v.count);
            if (v.elemType == GgufType::String) {
                for (const auto& s : v.strings)
                    str(s);
            } else {
                bytes(v.raw.data(), v.raw.size());
            }
            break;
        }
    }
    [[nodiscard]] bool ok() const { return m_ok; }
    [[nodiscard]] std::uint64_t pos() const { return m_pos; }

private:
    std::FILE* m_f;
    std::uint64_t m_pos = 0;
    bool m_ok = true;
};
} // namespace

void GgufWriter::set(const std::string& key, GgufValue value)
{
    for (auto& kv : m_kvs) {
        if (kv.key == key) {
            kv.value = std::move(value);
            return;
        }
    }
    m_kvs.push_back({ key, std::move(value) });
}

void GgufWriter::addTensor(const std::string& name, std::uint32_t type, std::vector<std::int64_t> ne, TensorData data)
{
    // A bad tensor is remembered, not thrown: writeTo() refuses with it (exceptions never leave assay_gpu).
    if (m_error)
        return;
    const auto traits = ggmlTypeTraits(type);
    if (!traits || traits->blockSize == 0) {
        m_error = core::makeError(
            core::ErrorCode::Invalid, "GGUF tensor '" + name + "': unknown ggml type " + std::to_string(type));
        return;
    }
    if (ne.empty() || ne.size() > 4) {
        m_error = core::makeError(core::ErrorCode::Invalid,
            "GGUF tensor '" + name + "': " + std::to_string(ne.size()) + " dimensions (1 to 4 are allowed)");
        return;
    }
    std::uint64_t elements = 1;
    for (std::size_t d = 0; d < ne.size(); ++d) {
        if (ne[d] < 1 || __builtin_mul_overflow(elements, static_cast<std::uint64_t>(ne[d]), &elements)
            || elements > (std::uint64_t { 1 } << 48)) {
            m_error = core::makeError(core::ErrorCode::Invalid,
                "GGUF tensor '" + name + "': dimension " + std::to_string(d) + " is " + std::to_string(ne[d])
                    + " (each must be at least 1, and the tensor at most 2^48 elements)");
            return;
        }
    }
    if (static_cast<std::uint64_t>(ne[0]) % traits->blockSize != 0) {
        m_error = core::makeError(core::ErrorCode::Invalid,
            "GGUF tensor '" + name + "': its first dimension " + std::to_string(ne[0])
                + " is not a multiple of the type's block size " + std::to_string(traits->blockSize));
        return;
    }
    Tensor t;
    t.info.name = name;
    t.info.type = type;
    t.info.nDims = static_cast<std::uint32_t>(ne.size());
    for (std::size_t d = 0; d < ne.size(); ++d)
        t.info.ne[d] = ne[d];
    t.info.byteSize = elements / traits->blockSize * traits->typeSize;
    t.info.offset = m_dataSize;
    m_dataSize = (m_dataSize + t.info.byteSize + kAlign - 1) / kAlign * kAlign;
    t.data = std::move(data);
    m_tensors.push_back(std::move(t));
}

core::Status GgufWriter::writeTo(const std::string& path) const
{
    if (m_error)
        return *m_error;
    try {
        return write(path);
    } catch (const std::exception& e) { // a tensor callback threw, or memory ran out: nothing is left behind
        std::error_code ec;
        std::filesystem::remove(path + ".part", ec);
        return core::makeError(core::ErrorCode::Io, path + ": could not be written: " + e.what());
    }
}

core::Status GgufWriter::write(const std::string& path) const
{
    const std::string tmp = path + ".part";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), std::fclose);
    if (!f)
        return core::makeError(core::ErrorCode::Io, tmp + ": cannot create (" + std::strerror(errno) + ")");
    Out out(f.get());
    out.bytes("GGUF", 4);
    out.pod<std::uint32_t>(3);
    out.pod<std::uint64_t>(m_tensors.size());
    out.pod<std::uint64_t>(m_kvs.size());
    for (const auto& kv : m_kvs) {
        out.str(kv.key);
        out.pod(static_cast<std::uint32_t>(kv.value.type));
        out.scalar(kv.value);
    }
    for (const auto& t : m_tensors) {
        out.str(t.info.name);
        out.pod(t.info.nDims);
        for (std::uint32_t d = 0; d < t.info.nDims; ++d)
            out.pod(t.info.ne[d]);
        out.pod(t.info.type);
        out.pod(t.info.offset);
    }
    out.padTo(kAlign);
    bool sizesOk = true;
    for (const auto& t : m_tensors) {
        const auto bytes = t.data();
        sizesOk = sizesOk && bytes.size() == t.info.byteSize;
        out.bytes(bytes.data(), bytes.size());
        out.padTo(kAlign);
    }
    const bool flushed = std::fflush(f.get()) == 0;
    f.reset();
    std::error_code ec;
    if (!out.ok() || !flushed || !sizesOk) {
        std::filesystem::remove(tmp, ec);
        return core::makeError(core::ErrorCode::Io,
            path + (sizesOk ? ": write failed (disk full?)" : ": a tensor callback returned the wrong byte count"));
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        return core::makeError(core::ErrorCode::Io, path + ": cannot rename into place: " + ec.message());
    }
    return {};
}

std::uint16_t floatToHalf(float value)
{
    const auto x = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) // inf or NaN
        return static_cast<std::uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0u));
    if (absx >= 0x477ff000u) // rounds to >= 65520: overflow to inf
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (absx < 0x38800000u) { // subnormal half (or zero)
        const float a = std::bit_cast<float>(absx);
        // a * 2^24 rounded to nearest even gives the subnormal mantissa.
        const auto m = static_cast<std::uint32_t>(std::nearbyint(a * 16777216.0f));
        return static_cast<std::uint16_t>(sign | m);
    }
    std::uint32_t mant = absx + 0xc8000fffu + ((absx >> 13) & 1u); // rebias exponent (-112 << 23) and round
    return static_cast<std::uint16_t>(sign | (mant >> 13));
}

} // namespace assay::gpu
