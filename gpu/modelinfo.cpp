// SPDX-License-Identifier: MIT
#include "modelinfo.h"

#include "ggmltypes.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

namespace assay::gpu {

namespace {
std::uint32_t u32(std::optional<std::uint64_t> v)
{
    return v && *v <= 0xffffffffull ? static_cast<std::uint32_t>(*v) : 0;
}

/// A hyper-parameter that is either a scalar or a per-layer array (some architectures vary head counts).
std::uint32_t scalarOrMax(const GgufFile& f, const std::string& key)
{
    const auto* v = f.find(key);
    if (!v)
        return 0;
    if (v->type != GgufType::Array)
        return u32(v->asUInt());
    if (!v->elementsKept || v->elemType == GgufType::String)
        return 0;
    const auto size = ggufScalarSize(v->elemType);
    std::uint32_t best = 0;
    for (std::size_t k = 0; size && k + size <= v->raw.size(); k += size) {
        GgufValue e;
        e.type = v->elemType;
        std::uint64_t bits = 0;
        std::copy_n(v->raw.data() + k, size, reinterpret_cast<std::uint8_t*>(&bits));
        e.u = bits;
        e.i = static_cast<std::int64_t>(bits);
        best = std::max(best, u32(e.asUInt()));
    }
    return best;
}

/// "blk.12.attn_q.weight" → 12
std::optional<std::size_t> layerOf(const std::string& name)
{
    if (name.rfind("blk.", 0) != 0)
        return std::nullopt;
    std::size_t n = 0;
    std::size_t k = 4;
    for (; k < name.size() && k < 12 && name[k] >= '0' && name[k] <= '9'; ++k)
        n = n * 10 + static_cast<std::size_t>(name[k] - '0');
    if (k == 4 || k >= name.size() || name[k] != '.')
        return std::nullopt;
    return n;
}
} // namespace

std::string ModelInfo::parameterLabel() const
{
    char buf[32];
    const auto p = static_cast<double>(parameterCount);
    if (p >= 1e9)
        std::snprintf(buf, sizeof buf, "%.1fB", p / 1e9);
    else if (p >= 1e6)
        std::snprintf(buf, sizeof buf, "%.0fM", p / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.0fK", p / 1e3);
    return buf;
}

ModelInfo modelInfoFrom(const GgufFile& f, const std::string& path)
{
    ModelInfo m;
    m.path = path;
    m.fileSize = f.fileSize;
    m.ggufVersion = f.version;
    m.architecture = f.getString("general.architecture").value_or("");
    m.name = f.getString("general.name").value_or(std::filesystem::path(path).stem().string());
    m.type = f.getString("general.type").value_or("model");
    m.adapterType = f.getString("adapter.type").value_or("");
    if (!m.adapterType.empty() && m.type == "model")
        m.type = "adapter"; // older adapters carry adapter.type only
    m.loraAlpha = f.getFloat("adapter.lora.alpha");
    m.license = f.getString("general.license").value_or("");
    m.chatTemplate = f.getString("tokenizer.chat_template").value_or("");
    if (const auto ft = f.getUInt("general.file_type"); ft && *ft <= 0xffffffffull) {
        m.fileType = static_cast<std::uint32_t>(*ft);
        m.quantization = llamaFileTypeName(*m.fileType);
    }

    const std::string a = m.architecture + ".";
    m.contextLength = u32(f.getUInt(a + "context_length"));
    m.embeddingLength = u32(f.getUInt(a + "embedding_length"));
    m.blockCount = u32(f.getUInt(a + "block_count"));
    m.feedForwardLength = scalarOrMax(f, a + "feed_forward_length");
    m.headCount = scalarOrMax(f, a + "attention.head_count");
    m.headCountKv = scalarOrMax(f, a + "attention.head_count_kv");
    if (m.headCountKv == 0)
        m.headCountKv = m.headCount;
    const std::uint32_t headDim = m.headCount ? m.embeddingLength / m.headCount : 0;
    m.keyLength = u32(f.getUInt(a + "attention.key_length"));
    m.valueLength = u32(f.getUInt(a + "attention.value_length"));
    if (m.keyLength == 0)
        m.keyLength = headDim;
    if (m.valueLength == 0)
        m.valueLength = headDim;
    if (const auto* t = f.find("tokenizer.ggml.tokens"); t && t->type == GgufType::Array)
        m.vocabSize = static_cast<std::uint32_t>(std::min<std::uint64_t>(t->count, 0xffffffffull));
    else
        m.vocabSize = u32(f.getUInt(a + "vocab_size"));

    if (const auto n = f.getUInt("general.base_model.count")) {
        for (std::uint64_t k = 0; k < std::min<std::uint64_t>(*n, 64); ++k) {
            const std::string p = "general.base_model." + std::to_string(k) + ".";
            BaseModelRef r;
            r.name = f.getString(p + "name").value_or("");
            r.organization = f.getString(p + "organization").value_or("");
            r.repoUrl = f.getString(p + "repo_url").value_or("");
            m.baseModels.push_back(std::move(r));
        }
    }
    for (const auto& kv : f.kvs)
        if (kv.key.rfind("general.", 0) == 0)
            m.generalKeys.emplace_back(kv.key, kv.value.toText());

    std::map<std::uint32_t, std::uint64_t> bytesByType;
    m.tensorCount = static_cast<std::uint32_t>(f.tensors.size());
    if (m.blockCount <= 4096)
        m.layerBytes.assign(m.blockCount, 0);
    for (const auto& t : f.tensors) {
        m.parameterCount += static_cast<std::uint64_t>(t.elements());
        m.tensorBytes += t.byteSize;
        if (m.adapterInputWidth == 0 && t.name.size() > 7 && t.name.ends_with(".lora_a")
            && (t.name.find("attn_q") != std::string::npos || t.name.find("attn_v") != std::string::npos))
            m.adapterInputWidth = static_cast<std::uint32_t>(std::min<std::int64_t>(t.ne[0], 0xffffffff));
        if (t.nDims >= 2)
            bytesByType[t.type] += t.byteSize;
        if (const auto layer = layerOf(t.name); layer && *layer < m.layerBytes.size())
            m.layerBytes[*layer] += t.byteSize;
        else if (t.name.rfind("output", 0) == 0)
            m.outputBytes += t.byteSize;
        else
            m.inputBytes += t.byteSize;
    }
    if (m.quantization.empty() && !bytesByType.empty()) {
        const auto top = std::max_element(
            bytesByType.begin(), bytesByType.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
        if (const auto traits = ggmlTypeTraits(top->first))
            m.quantization = traits->name;
    }
    return m;
}

core::Result<ModelInfo> readModelInfo(const std::string& path)
{
    GgufReadOptions options;
    options.maxArrayBytesKept = 1 << 20; // the library does not need the vocabulary itself
    auto file = readGguf(path, options);
    if (!file)
        return file.error();
    return modelInfoFrom(*file, path);
}

} // namespace assay::gpu
