// SPDX-License-Identifier: MIT
// Shared by the gpu tests: the llama.cpp install and the generated tiny model.
#pragma once

#include "fitplan.h"
#include "modelinfo.h"
#include "runnerinstall.h"
#include "tinymodel.h"

#include <QDir>
#include <QString>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace assay::test {

struct TinyModel {
    std::string model;
    std::string lora;
};

/// Writes the tiny model and its LoRA into `dir`; an empty result means the llama.cpp install (and with it the
/// vocabulary file) is missing.
inline std::optional<TinyModel> makeTinyModelIn(const QString& dir, const assay::gpu::TinyModelSpec& spec = {})
{
    const auto vocab = assay::gpu::bundledVocabPath();
    if (vocab.empty() || !QFile::exists(QString::fromStdString(vocab)))
        return std::nullopt;
    TinyModel t;
    t.model = QDir(dir).filePath(QStringLiteral("tiny-llama-f16.gguf")).toStdString();
    t.lora = QDir(dir).filePath(QStringLiteral("tiny-lora.gguf")).toStdString();
    const auto st = assay::gpu::makeTinyModel(vocab, t.model, t.lora, spec);
    if (!st)
        qFatal("makeTinyModel failed: %s", st.error().describe().c_str());
    return t;
}

/// The ModelInfo that readModelInfo() gives for the F16 Llama assay-make-tiny-model writes with these shape fields
/// and the 32000-token vocabulary, computed without any file: the fit-plan arithmetic tests run on it everywhere, and
/// tst_fitplanserver checks it against the generated file.
inline gpu::ModelInfo tinyF16Info(const gpu::TinyModelSpec& spec)
{
    const std::uint32_t kvHeads = spec.nHeadKv ? spec.nHeadKv : spec.nHead;
    gpu::ModelInfo m;
    m.path = "tiny-" + std::to_string(spec.nEmbd) + ".gguf";
    m.name = spec.name;
    m.architecture = "llama";
    m.quantization = "F16";
    m.contextLength = spec.contextLength;
    m.embeddingLength = spec.nEmbd;
    m.blockCount = spec.nLayer;
    m.feedForwardLength = spec.nFf;
    m.headCount = spec.nHead;
    m.headCountKv = kvHeads;
    m.keyLength = m.valueLength = spec.nEmbd / spec.nHead;
    m.vocabSize = 32000;
    const std::uint64_t e = spec.nEmbd;
    const std::uint64_t kv = std::uint64_t(kvHeads) * m.keyLength;
    // q, k, v, o and gate, up, down in F16; attn_norm and ffn_norm in F32.
    const std::uint64_t layerParams = 2 * e * e + 2 * e * kv + 3 * e * spec.nFf;
    m.layerBytes.assign(spec.nLayer, 2 * layerParams + 2 * 4 * e);
    m.inputBytes = 2 * e * m.vocabSize; // token_embd
    m.outputBytes = 2 * e * m.vocabSize + 4 * e; // output, output_norm
    m.tensorBytes = m.inputBytes + m.outputBytes + m.layerBytes[0] * spec.nLayer;
    m.tensorCount = 3 + 9 * spec.nLayer;
    m.parameterCount = 2 * e * m.vocabSize + e + spec.nLayer * (layerParams + 2 * e);
    return m;
}

/// How far a fit plan may be from what llama-server reports after the load, on every device it reports: weights and KV
/// cache exact to the log's 0.01 MiB rounding, compute buffers within 10 % (or within @p computeSlackMiB where that is
/// more: a GPU load's host staging buffer is a few MiB, and tests/gpu/data/h200-cuda-buffers.txt shows it within
/// 0.5 MiB). The CPU test (tst_fitplanserver) and the GPU test (tst_gpuoffload) hold the plan to it. Empty when the
/// plan is within it, else what is off.
inline std::string planVsServerError(
    const gpu::FitPlan& plan, const gpu::ReportedMemory& reported, double computeSlackMiB = 0)
{
    constexpr double kMiB = 1024.0 * 1024.0;
    if (!reported.complete || reported.devices.empty())
        return "the server reported no complete memory breakdown";
    std::string off;
    for (const gpu::DevicePlan& r : reported.devices) {
        const auto p = std::find_if(plan.devices.begin(), plan.devices.end(),
            [&](const gpu::DevicePlan& d) { return d.deviceId == r.deviceId; });
        if (p == plan.devices.end()) {
            off += r.deviceId + " is not in the plan; ";
            continue;
        }
        auto diff = [](std::uint64_t a, std::uint64_t b) { return std::abs(double(a) - double(b)); };
        if (diff(p->weights, r.weights) >= 0.01 * kMiB)
            off += r.deviceId + " weights; ";
        if (diff(p->kvCache, r.kvCache) >= 0.01 * kMiB)
            off += r.deviceId + " KV cache; ";
        if (diff(p->compute, r.compute) > std::max(0.10 * double(r.compute), computeSlackMiB * kMiB))
            off += r.deviceId + " compute; ";
    }
    return off.empty() ? off : "off: " + off + gpu::compareFit(plan, reported).summary;
}

inline QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace assay::test
