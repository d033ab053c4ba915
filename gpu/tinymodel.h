// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstdint>
#include <string>

namespace assay::gpu {

/// Shape of a random-weight Llama model for tests and benchmarks (research/llama.md §2).
struct TinyModelSpec {
    std::uint64_t seed = 42;
    std::uint32_t nEmbd = 64;
    std::uint32_t nLayer = 2;
    std::uint32_t nFf = 256;
    std::uint32_t nHead = 4;
    std::uint32_t nHeadKv = 0; ///< 0 = same as nHead
    std::uint32_t contextLength = 2048;
    std::uint32_t loraRank = 4;
    std::string name = "tiny-random-llama";
};

/// Writes a deterministic random-weight Llama GGUF (F16 matrices, F32 norms, untied output.weight, ChatML template)
/// using the real tokenizer key/values of `vocabPath` (llama.cpp's ggml-vocab-llama-spm.gguf), and, when `loraPath`
/// is not empty, a rank-`loraRank` LoRA adapter for it. The same spec gives the same bytes on every run and machine.
core::Status makeTinyModel(
    const std::string& vocabPath, const std::string& modelPath, const std::string& loraPath, const TinyModelSpec& spec);

/// The vocabulary file shipped with the llama.cpp install (share/assay/ggml-vocab-llama-spm.gguf), if present.
std::string bundledVocabPath();

} // namespace assay::gpu
