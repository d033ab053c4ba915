// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace assay::gpu {

/// GGUF value types (gguf.h `enum gguf_type`); the numbers are the on-disk encoding.
enum class GgufType : std::uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

const char* ggufTypeName(GgufType type);
/// Bytes of one scalar on disk; 0 for String and Array.
std::size_t ggufScalarSize(GgufType type);

/// One metadata value. Scalars keep their on-disk type so a file can be rewritten bit for bit; numeric arrays keep
/// their little-endian element bytes, string arrays their strings. Arrays of arrays are not valid GGUF for ggml
/// and are rejected by the reader.
struct GgufValue {
    GgufType type = GgufType::UInt8;
    std::uint64_t u = 0; ///< unsigned integers and bool
    std::int64_t i = 0; ///< signed integers
    double f = 0; ///< Float32/Float64
    std::string s; ///< String
    GgufType elemType = GgufType::UInt8; ///< Array
    std::uint64_t count = 0; ///< Array element count (also when the elements were not kept)
    std::vector<std::uint8_t> raw; ///< numeric Array elements, little-endian
    std::vector<std::string> strings; ///< String Array elements
    bool elementsKept = true; ///< false when the reader skipped a large array (GgufReadOptions)

    [[nodiscard]] bool isInteger() const;
    /// Integer or bool value as unsigned (negative values give nullopt).
    [[nodiscard]] std::optional<std::uint64_t> asUInt() const;
    [[nodiscard]] std::optional<double> asFloat() const;
    /// Human-readable rendering ("[32000 strings]" for big arrays).
    [[nodiscard]] std::string toText(std::size_t maxChars = 200) const;

    static GgufValue ofString(std::string text);
    static GgufValue ofUInt32(std::uint32_t v);
    static GgufValue ofFloat32(float v);
    static GgufValue ofBool(bool v);
};

struct GgufKv {
    std::string key;
    GgufValue value;
};

struct GgufTensorInfo {
    std::string name;
    std::uint32_t nDims = 0;
    std::array<std::int64_t, 4> ne { 1, 1, 1, 1 };
    std::uint32_t type = 0; ///< ggml type id
    std::uint64_t offset = 0; ///< relative to GgufFile::dataOffset
    std::uint64_t byteSize = 0;

    [[nodiscard]] std::int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

/// Header, metadata and tensor directory of a GGUF file; no tensor data.
struct GgufFile {
    std::uint32_t version = 0;
    std::uint64_t fileSize = 0;
    std::uint64_t alignment = 32;
    std::uint64_t dataOffset = 0; ///< absolute offset of the (aligned) tensor data section
    std::vector<GgufKv> kvs;
    std::vector<GgufTensorInfo> tensors;

    [[nodiscard]] const GgufValue* find(std::string_view key) const;
    [[nodiscard]] std::optional<std::string> getString(std::string_view key) const;
    [[nodiscard]] std::optional<std::uint64_t> getUInt(std::string_view key) const;
    [[nodiscard]] std::optional<double> getFloat(std::string_view key) const;
};

struct GgufReadOptions {
    /// Arrays whose elements take more bytes than this are validated and skipped, keeping only type and count
    /// (a 150k-token vocabulary is a few MB; hostile files cannot make us allocate more than this per array).
    std::uint64_t maxArrayBytesKept = 64ull << 20;
};

/// Reads and validates a GGUF file's header, key/values and tensor infos without touching tensor data.
/// Every count, length and offset is checked against the file size before anything is allocated, so truncated,
/// corrupted or hostile files give an Invalid error naming the file, the byte offset and the field.
core::Result<GgufFile> readGguf(const std::string& path, const GgufReadOptions& options = {});
/// Same checks on bytes in memory (the whole file); `label` names it in errors. Used by the fuzz target.
core::Result<GgufFile> parseGguf(
    std::span<const std::uint8_t> bytes, const std::string& label = "<memory>", const GgufReadOptions& options = {});

} // namespace assay::gpu
