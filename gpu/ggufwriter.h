// SPDX-License-Identifier: MIT
#pragma once

#include "gguf.h"
#include "util/result.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace assay::gpu {

/// Writes GGUF v3 files byte for byte deterministically (our own encoder, no ggml): key/values in insertion order,
/// tensor infos, 32-byte-aligned data. Tensor bytes are produced one tensor at a time by a callback, so models of
/// a few GB can be written without holding them in memory. Not thread-safe; one writer per file.
class GgufWriter {
public:
    using TensorData = std::function<std::vector<std::uint8_t>()>;

    /// Adds or replaces a key (the position of a replaced key is kept).
    void set(const std::string& key, GgufValue value);
    void setString(const std::string& key, std::string value) { set(key, GgufValue::ofString(std::move(value))); }
    void setUInt32(const std::string& key, std::uint32_t value) { set(key, GgufValue::ofUInt32(value)); }
    void setFloat32(const std::string& key, float value) { set(key, GgufValue::ofFloat32(value)); }

    /// Adds a tensor of ggml type `type` with 1 to 4 dimensions (each ≥ 1, the first a multiple of the type's block
    /// size); `data` must return exactly its byte size. A tensor that breaks these rules is not added: the first
    /// such error is kept, and writeTo() returns it (nothing is thrown).
    void addTensor(const std::string& name, std::uint32_t type, std::vector<std::int64_t> ne, TensorData data);
    /// The first addTensor() error, if any.
    [[nodiscard]] const std::optional<core::Error>& error() const { return m_error; }

    /// Writes to `path` through a temporary file that is renamed on success (nothing half-written is left).
    /// Never throws: an addTensor() error, a tensor callback that throws or returns the wrong byte count, and any
    /// I/O failure come back as the error.
    core::Status writeTo(const std::string& path) const;

private:
    struct Tensor {
        GgufTensorInfo info;
        TensorData data;
    };
    core::Status write(const std::string& path) const;

    std::vector<GgufKv> m_kvs;
    std::vector<Tensor> m_tensors;
    std::uint64_t m_dataSize = 0;
    std::optional<core::Error> m_error;
};

/// IEEE-754 binary16 bits for a float, rounded to nearest even (as ggml_fp32_to_fp16 does).
std::uint16_t floatToHalf(float value);

} // namespace assay::gpu
