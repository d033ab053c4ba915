// SPDX-License-Identifier: MIT
#include "ggmltypes.h"

#include <array>

namespace assay::gpu {

namespace {
// Table taken from ggml_blck_size()/ggml_type_size() of the pinned ggml 0.25.1 (printed by a probe against
// libggml-base). Removed types have blockSize 0 and are rejected, as ggml's own gguf reader does.
constexpr std::array<GgmlTypeTraits, 43> kTypes { {
    { "f32", 1, 4 },
    { "f16", 1, 2 },
    { "q4_0", 32, 18 },
    { "q4_1", 32, 20 },
    { nullptr, 0, 0 },
    { nullptr, 0, 0 },
    { "q5_0", 32, 22 },
    { "q5_1", 32, 24 },
    { "q8_0", 32, 34 },
    { "q8_1", 32, 36 },
    { "q2_K", 256, 84 },
    { "q3_K", 256, 110 },
    { "q4_K", 256, 144 },
    { "q5_K", 256, 176 },
    { "q6_K", 256, 210 },
    { "q8_K", 256, 292 },
    { "iq2_xxs", 256, 66 },
    { "iq2_xs", 256, 74 },
    { "iq3_xxs", 256, 98 },
    { "iq1_s", 256, 50 },
    { "iq4_nl", 32, 18 },
    { "iq3_s", 256, 110 },
    { "iq2_s", 256, 82 },
    { "iq4_xs", 256, 136 },
    { "i8", 1, 1 },
    { "i16", 1, 2 },
    { "i32", 1, 4 },
    { "i64", 1, 8 },
    { "f64", 1, 8 },
    { "iq1_m", 256, 56 },
    { "bf16", 1, 2 },
    { nullptr, 0, 0 },
    { nullptr, 0, 0 },
    { nullptr, 0, 0 },
    { "tq1_0", 256, 54 },
    { "tq2_0", 256, 66 },
    { nullptr, 0, 0 },
    { nullptr, 0, 0 },
    { nullptr, 0, 0 },
    { "mxfp4", 32, 17 },
    { "nvfp4", 64, 36 },
    { "q1_0", 128, 18 },
    { "q2_0", 64, 18 },
} };

// llama.h enum llama_ftype at v0.5.0; gaps are removed file types.
constexpr std::array<const char*, 42> kFileTypes { "F32", "F16", "Q4_0", "Q4_1", nullptr, nullptr, nullptr, "Q8_0",
    "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS",
    "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M",
    "BF16", nullptr, nullptr, nullptr, "TQ1_0", "TQ2_0", "MXFP4_MOE", "NVFP4", "Q1_0", "Q2_0" };
} // namespace

std::optional<GgmlTypeTraits> ggmlTypeTraits(std::uint32_t type)
{
    if (type >= kTypes.size() || kTypes[type].blockSize == 0)
        return std::nullopt;
    return kTypes[type];
}

std::optional<std::uint32_t> ggmlTypeId(const std::string& name)
{
    for (std::uint32_t k = 0; k < kTypes.size(); ++k)
        if (kTypes[k].name && name == kTypes[k].name)
            return k;
    return std::nullopt;
}

std::string llamaFileTypeName(std::uint32_t fileType)
{
    if (fileType < kFileTypes.size() && kFileTypes[fileType])
        return kFileTypes[fileType];
    return "unknown (" + std::to_string(fileType) + ")";
}

std::optional<double> kvCacheBytesPerElement(const std::string& cacheType)
{
    static constexpr std::array<std::pair<const char*, std::uint32_t>, 9> kAllowed { {
        { "f32", 0 },
        { "f16", 1 },
        { "bf16", 30 },
        { "q8_0", 8 },
        { "q4_0", 2 },
        { "q4_1", 3 },
        { "iq4_nl", 20 },
        { "q5_0", 6 },
        { "q5_1", 7 },
    } };
    for (const auto& [name, id] : kAllowed) {
        if (cacheType == name) {
            const auto t = kTypes[id];
            return static_cast<double>(t.typeSize) / static_cast<double>(t.blockSize);
        }
    }
    return std::nullopt;
}

} // namespace assay::gpu
