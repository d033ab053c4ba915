// SPDX-License-Identifier: MIT
#include "fitplan.h"

#include "devices.h"
#include "ggmltypes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace assay::gpu {

namespace {
std::uint64_t pad(std::uint64_t v, std::uint64_t a)
{
    return (v + a - 1) / a * a;
}

/// Compute-buffer estimate for one device running the graph. Calibrated on llama-server v0.5.0, CPU, flash
/// attention on, n_ubatch 512, against 11 random Llama shapes (n_embd 64…2048, n_ff 256…2816): the activations
/// peak at 4·ubatch·max(3·n_ff + 4·n_embd, 6·n_embd) bytes — exact whenever n_ff ≥ 2.75·n_embd, as in real
/// models, and an over-estimate of up to 25 % for unusually narrow FFNs. Attention adds the f16 KQ mask,
/// 2·ubatch·ctx_seq (without flash attention: the f32 KQ matrix, 4·ubatch·ctx_seq·(n_head + 1)).
std::uint64_t attentionEstimate(const ModelInfo& m, const FitRequest& r, std::uint64_t ctxSeq)
{
    return r.flashAttention ? 2ull * r.ubatch * ctxSeq : 4ull * r.ubatch * ctxSeq * (m.headCount + 1ull);
}
std::uint64_t computeEstimate(const ModelInfo& m, const FitRequest& r, std::uint64_t ctxSeq)
{
    const std::uint64_t ub = r.ubatch;
    const std::uint64_t e = m.embeddingLength;
    const std::uint64_t act = 4 * ub * std::max(3 * std::uint64_t(m.feedForwardLength) + 4 * e, 6 * e);
    return act + attentionEstimate(m, r, ctxSeq);
}

/// With a GPU backend (calibrated on llama-server v0.5.0, CUDA 13, H200, against 24 cases: 4 random Llama shapes
/// n_embd 256…2048, contexts 2048 and 8192, 0 / half / all layers offloaded; tests/gpu/data/h200-cuda-buffers.txt):
/// - the host keeps a pinned staging buffer for the graph's inputs, 8·ubatch·n_embd + the KQ mask, whatever the
///   layer count (exact to the log's rounding in 20 of 24 cases, 0.5 MiB under in the 4 split ones of n_embd 256);
/// - with every layer offloaded the GPU's compute buffer is the CPU formula less the input embeddings,
///   4·ubatch·max(3·n_ff + 3·n_embd, 5·n_embd) + the mask (exact to the log's rounding in all 8 cases);
/// - with layers split, or none offloaded (llama.cpp then still runs large batches on the GPU, copying the weights),
///   the GPU's buffer was 1.07 to 1.51 times that: 1.6 times is planned, an upper bound in every recorded case.
std::uint64_t hostStagingEstimate(const ModelInfo& m, const FitRequest& r, std::uint64_t ctxSeq)
{
    return 8ull * r.ubatch * m.embeddingLength + attentionEstimate(m, r, ctxSeq);
}
std::uint64_t gpuComputeEstimate(const ModelInfo& m, const FitRequest& r, std::uint64_t ctxSeq, bool allLayers)
{
    const std::uint64_t ub = r.ubatch;
    const std::uint64_t e = m.embeddingLength;
    const std::uint64_t full
        = 4 * ub * std::max(3 * std::uint64_t(m.feedForwardLength) + 3 * e, 5 * e) + attentionEstimate(m, r, ctxSeq);
    return allLayers ? full : full * 8 / 5;
}

std::string pct(std::uint64_t part, std::uint64_t whole)
{
    char buf[16];
    std::snprintf(
        buf, sizeof buf, "%.0f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
    return buf;
}
} // namespace

core::Result<FitPlan> planFit(const ModelInfo& m, const std::vector<core::DeviceInfo>& devices, const FitRequest& r)
{
    if (m.isAdapter())
        return core::makeError(core::ErrorCode::Invalid, m.path + ": a LoRA adapter cannot be loaded on its own");
    if (m.blockCount == 0 || m.layerBytes.size() != m.blockCount || m.embeddingLength == 0 || m.headCountKv == 0)
        return core::makeError(core::ErrorCode::Invalid,
            m.path + ": the model does not state its block count, embedding length and head counts");
    const auto kBytes = kvCacheBytesPerElement(r.cacheTypeK);
    const auto vBytes = kvCacheBytesPerElement(r.cacheTypeV);
    if (!kBytes || !vBytes)
        return core::makeError(
            core::ErrorCode::Invalid, "unknown KV cache type " + (kBytes ? r.cacheTypeV : r.cacheTypeK));
    // llama.cpp refuses a quantized cache whose block does not divide the head size (checked at context creation).
    for (const auto& [type, width] :
        { std::pair { r.cacheTypeK, m.keyLength }, std::pair { r.cacheTypeV, m.valueLength } }) {
        const auto id = ggmlTypeId(type);
        const auto traits = id ? ggmlTypeTraits(*id) : std::nullopt;
        if (traits && traits->blockSize > 1 && width % traits->blockSize != 0)
            return core::makeError(core::ErrorCode::Invalid,
                "KV cache type " + type + " needs a head size divisible by " + std::to_string(traits->blockSize) + "; "
                    + m.name + "'s is " + std::to_string(width) + ": use f16");
    }
    if (r.contextSize == 0 || r.parallel == 0 || r.ubatch == 0)
        return core::makeError(core::ErrorCode::Invalid, "context size, slots and ubatch must be positive");

    const core::DeviceInfo* cpu = nullptr;
    const core::DeviceInfo* gpu = nullptr;
    for (const auto& d : devices) {
        if (!d.isGpu() && !cpu)
            cpu = &d;
        if (d.isGpu() && !gpu && (r.gpuDevice.empty() || d.id == r.gpuDevice))
            gpu = &d;
    }
    if (!r.gpuDevice.empty() && !gpu)
        return core::makeError(core::ErrorCode::NotFound, "no GPU named " + r.gpuDevice);

    FitPlan plan;
    const int nLayer = static_cast<int>(m.blockCount);
    plan.offloadableLayers = nLayer + 1;
    // llama.cpp pads the context to 256 and, with separate slots, each slot's share to 256 again.
    const std::uint64_t nCtx = pad(r.contextSize, 256);
    const std::uint64_t ctxSeq = pad(nCtx / r.parallel, 256);
    plan.kvCells = static_cast<std::uint32_t>(ctxSeq * r.parallel);
    const double kvPerLayer = static_cast<double>(plan.kvCells)
        * (static_cast<double>(m.headCountKv) * m.keyLength * *kBytes
            + static_cast<double>(m.headCountKv) * m.valueLength * *vBytes);
    const auto kvLayer = static_cast<std::uint64_t>(std::llround(kvPerLayer));
    const std::uint64_t compute = computeEstimate(m, r, ctxSeq);
    const std::uint64_t output = 4ull * m.vocabSize * r.parallel;

    auto build = [&](int ngl) {
        DevicePlan c { cpu ? cpu->id : "CPU", m.inputBytes, 0, output, cpu ? cpu->freeBytes : 0 };
        DevicePlan g { gpu ? gpu->id : "", 0, 0, 0, gpu ? gpu->freeBytes : 0 };
        const int firstGpuLayer = std::max(nLayer + 1 - ngl, 0);
        for (int l = 0; l < nLayer; ++l) {
            auto& d = l >= firstGpuLayer ? g : c;
            d.weights += m.layerBytes[static_cast<std::size_t>(l)];
            d.kvCache += kvLayer;
        }
        // The output layer is "layer n_layer": it is the first to be offloaded (llama-model.cpp get_layer_buft_list).
        (ngl >= 1 ? g : c).weights += m.outputBytes;
        if (gpu) {
            // A GPU backend takes the graph's compute buffer even with no layer offloaded; the host stages inputs.
            g.compute = gpuComputeEstimate(m, r, ctxSeq, ngl > nLayer);
            c.compute += hostStagingEstimate(m, r, ctxSeq);
        } else {
            c.compute += compute;
        }
        return std::pair { c, g };
    };

    int ngl = 0;
    if (gpu) {
        if (r.gpuLayers >= 0) {
            ngl = std::min(r.gpuLayers, plan.offloadableLayers);
        } else {
            const auto budget = gpu->freeBytes > r.safetyMarginBytes ? gpu->freeBytes - r.safetyMarginBytes : 0;
            for (ngl = plan.offloadableLayers; ngl > 0; --ngl)
                if (build(ngl).second.total() <= budget)
                    break;
        }
    }
    plan.gpuLayers = ngl;
    auto [c, g] = build(ngl);
    plan.devices.push_back(c);
    if (gpu)
        plan.devices.push_back(g);
    plan.fits = (!cpu || c.total() <= cpu->freeBytes) && (!gpu || g.total() <= gpu->freeBytes);

    const std::string what = m.name + " (" + m.parameterLabel() + ", " + (m.quantization.empty() ? "?" : m.quantization)
        + ", context " + std::to_string(r.contextSize) + ", " + r.cacheTypeK + " KV cache)";
    auto parts = [](const DevicePlan& d) {
        return formatBytes(d.weights) + " weights + " + formatBytes(d.kvCache) + " KV cache + " + formatBytes(d.compute)
            + " compute = " + formatBytes(d.total());
    };
    if (ngl == 0) {
        plan.summary = what + " runs on the CPU: " + parts(c) + " of " + formatBytes(c.freeBytes) + " available ("
            + pct(c.total(), c.freeBytes) + ").";
        if (gpu)
            plan.summary += " " + gpu->id + " still holds a " + formatBytes(g.compute)
                + " compute buffer: llama.cpp runs prompt batches there, copying the weights.";
        if (gpu && r.gpuLayers < 0)
            plan.summary += " Not even one layer fits in " + gpu->id + "'s free memory with the safety margin.";
    } else {
        plan.summary = what + ": " + std::to_string(ngl) + " of " + std::to_string(plan.offloadableLayers)
            + " layers on " + g.deviceId + " (" + parts(g) + " of " + formatBytes(g.freeBytes) + " free, "
            + pct(g.total(), g.freeBytes) + "); the CPU keeps " + parts(c) + ".";
    }
    if (!plan.fits)
        plan.summary += " It does not fit: lower the context, the GPU layers or the KV cache type.";
    return plan;
}

ReportedMemory parseReportedMemory(const std::vector<std::string>& lines)
{
    ReportedMemory rep;
    bool sawW = false;
    bool sawKv = false;
    bool sawC = false;
    auto device = [&](const std::string& buffer) -> DevicePlan& {
        std::string id = buffer;
        if (id.rfind("CPU", 0) == 0 || id.find("_Host") != std::string::npos)
            id = "CPU";
        for (auto& d : rep.devices)
            if (d.deviceId == id)
                return d;
        rep.devices.push_back(DevicePlan { id, 0, 0, 0, 0 });
        return rep.devices.back();
    };
    struct Pattern {
        const char* marker;
        int part; // 0 weights, 1 kv, 2 compute
    };
    static constexpr Pattern kPatterns[] = { { " model buffer size = ", 0 }, { " KV buffer size = ", 1 },
        { " compute buffer size = ", 2 }, { " output buffer size = ", 2 } };
    for (const auto& line : lines) {
        for (const auto& p : kPatterns) {
            const auto pos = line.find(p.marker);
            if (pos == std::string::npos)
                continue;
            // The buffer name is the last word before the marker: "load_tensors:   CPU_Mapped model buffer …"
            auto end = pos;
            while (end > 0 && line[end - 1] == ' ')
                --end;
            auto begin = line.rfind(' ', end - 1);
            begin = begin == std::string::npos ? 0 : begin + 1;
            const auto name = line.substr(begin, end - begin);
            const double mib = std::strtod(line.c_str() + pos + std::char_traits<char>::length(p.marker), nullptr);
            const auto bytes = static_cast<std::uint64_t>(std::llround(mib * 1024.0 * 1024.0));
            auto& d = device(name);
            (p.part == 0 ? d.weights : p.part == 1 ? d.kvCache : d.compute) += bytes;
            (p.part == 0 ? sawW : p.part == 1 ? sawKv : sawC) = true;
            break;
        }
    }
    rep.complete = sawW && sawKv && sawC;
    return rep;
}

FitComparison compareFit(const FitPlan& plan, const ReportedMemory& reported)
{
    FitComparison cmp;
    cmp.summary = "Plan vs server:";
    auto rel = [](std::uint64_t planned, std::uint64_t actual) {
        if (actual == 0)
            return planned == 0 ? 0.0 : 1.0;
        return std::abs(static_cast<double>(actual) - static_cast<double>(planned)) / static_cast<double>(actual);
    };
    for (const auto& r : reported.devices) {
        DevicePlan p { r.deviceId, 0, 0, 0, 0 };
        for (const auto& d : plan.devices)
            if (d.deviceId == r.deviceId)
                p = d;
        const char* names[] = { "weights", "KV cache", "compute" };
        const std::uint64_t pv[] = { p.weights, p.kvCache, p.compute };
        const std::uint64_t rv[] = { r.weights, r.kvCache, r.compute };
        for (int k = 0; k < 3; ++k) {
            const double e = rel(pv[k], rv[k]);
            cmp.maxRelativeError = std::max(cmp.maxRelativeError, e);
            cmp.totalDifferenceBytes += static_cast<std::int64_t>(rv[k]) - static_cast<std::int64_t>(pv[k]);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%+.1f%%",
                rv[k] ? 100.0 * (static_cast<double>(rv[k]) - static_cast<double>(pv[k])) / static_cast<double>(rv[k])
                      : 0.0);
            cmp.summary += " " + r.deviceId + " " + names[k] + " " + formatBytes(pv[k]) + " planned, "
                + formatBytes(rv[k]) + " reported (" + buf + ");";
        }
    }
    if (!cmp.summary.empty() && cmp.summary.back() == ';')
        cmp.summary.back() = '.';
    return cmp;
}

} // namespace assay::gpu
