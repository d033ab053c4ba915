// SPDX-License-Identifier: MIT
#pragma once

#include "gguf.h"
#include "util/result.h"

#include <functional>
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

    /// Adds a tensor of ggml type `type` with up to 4 dimensions; `data` must return exactly its byte size.
    void addTensor(const std::string& name, std::uint32_t type, std::vector<std::int64_t> ne, TensorData data);

    /// Writes to `path` through a temporary file that is renamed on success (nothing half-written is left).
    core::Status writeTo(const std::string& path) const;

private:
    struct Tensor {
        GgufTensorInfo info;
        TensorData data;
    };
    std::vector<GgufKv> m_kvs;
    std::vector<Tensor> m_tensors;
    std::uint64_t m_dataSize = 0;
};

/// IEEE-754 binary16 bits for a float, rounded to nearest even (as ggml_fp32_to_fp16 does).
std::uint16_t floatToHalf(float value);

} // namespace assay::gpu
