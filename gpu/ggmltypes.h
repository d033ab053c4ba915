// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace assay::gpu {

/// Storage layout of one ggml tensor type as llama.cpp v0.5.0 (ggml 0.25.1) defines it.
struct GgmlTypeTraits {
    const char* name = nullptr; ///< "f16", "q4_K" …
    std::uint32_t blockSize = 0; ///< elements per block; 0 = removed/unknown type
    std::uint32_t typeSize = 0; ///< bytes per block
};

/// Traits of a ggml type id, or nullopt when the id is unknown or the type was removed from GGUF files.
std::optional<GgmlTypeTraits> ggmlTypeTraits(std::uint32_t type);

/// Type id for a ggml type name ("q8_0" → 8), nullopt when unknown.
std::optional<std::uint32_t> ggmlTypeId(const std::string& name);

/// Name of a llama file type (`general.file_type`), e.g. 15 → "Q4_K_M"; "unknown (N)" otherwise.
std::string llamaFileTypeName(std::uint32_t fileType);

/// Bytes per element of a KV cache type ("f16", "q8_0", "q4_0", "f32", "bf16", "q4_1", "q5_0", "q5_1", "iq4_nl"),
/// nullopt for a name llama-server does not accept.
std::optional<double> kvCacheBytesPerElement(const std::string& cacheType);

} // namespace assay::gpu
