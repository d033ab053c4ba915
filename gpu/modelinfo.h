// SPDX-License-Identifier: MIT
#pragma once

#include "gguf.h"
#include "util/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace assay::gpu {

/// A base model named by an adapter or fine-tune (`general.base_model.N.*`).
struct BaseModelRef {
    std::string name;
    std::string organization;
    std::string repoUrl;
};

/// What Assay knows about a GGUF file without loading its weights. Value type; thread-safe to copy.
struct ModelInfo {
    std::string path;
    std::uint64_t fileSize = 0;
    std::uint32_t ggufVersion = 0;

    std::string name; ///< general.name, else the file name without extension
    std::string architecture; ///< general.architecture, e.g. "llama"
    std::string type = "model"; ///< general.type: "model" or "adapter"
    std::string adapterType; ///< adapter.type, e.g. "lora"
    std::optional<double> loraAlpha; ///< adapter.lora.alpha
    std::string quantization; ///< from general.file_type (e.g. "Q4_K_M"), else the dominant tensor type
    std::optional<std::uint32_t> fileType;
    std::string license; ///< general.license
    std::string chatTemplate; ///< tokenizer.chat_template
    std::uint64_t parameterCount = 0; ///< Σ over tensors of the product of ne
    std::uint64_t tensorBytes = 0; ///< Σ tensor data sizes
    std::uint32_t tensorCount = 0;

    std::uint32_t contextLength = 0; ///< <arch>.context_length
    std::uint32_t embeddingLength = 0; ///< <arch>.embedding_length
    std::uint32_t blockCount = 0; ///< <arch>.block_count
    std::uint32_t feedForwardLength = 0;
    std::uint32_t headCount = 0; ///< <arch>.attention.head_count (max over layers when per-layer)
    std::uint32_t headCountKv = 0; ///< <arch>.attention.head_count_kv (defaults to headCount)
    std::uint32_t keyLength = 0; ///< per-head K size (<arch>.attention.key_length or n_embd / n_head)
    std::uint32_t valueLength = 0;
    std::uint32_t vocabSize = 0; ///< tokenizer.ggml.tokens count or <arch>.vocab_size

    std::uint32_t adapterInputWidth = 0; ///< adapters: ne[0] of an attn_q/attn_v lora_a tensor (the base's n_embd)
    std::vector<BaseModelRef> baseModels;
    std::vector<std::pair<std::string, std::string>> generalKeys; ///< every general.* key, rendered as text

    /// Weight bytes per repeating layer (blk.N.*), index N; layers without tensors give 0.
    std::vector<std::uint64_t> layerBytes;
    std::uint64_t inputBytes = 0; ///< token_embd.* and other tensors that stay on the CPU
    std::uint64_t outputBytes = 0; ///< output.* / output_norm.* (the "layer" n_layer, offloaded first)

    [[nodiscard]] bool isAdapter() const { return type == "adapter"; }
    /// "1.2B", "168M", "4.2M".
    [[nodiscard]] std::string parameterLabel() const;
};

/// Derives a ModelInfo from parsed GGUF metadata.
ModelInfo modelInfoFrom(const GgufFile& file, const std::string& path);
/// Reads `path` (metadata only) and describes it; Invalid/Io errors name the file and what is wrong.
core::Result<ModelInfo> readModelInfo(const std::string& path);

} // namespace assay::gpu
