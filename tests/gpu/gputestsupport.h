// SPDX-License-Identifier: MIT
// Shared by the gpu tests: the llama.cpp install and the generated tiny model.
#pragma once

#include "runnerinstall.h"
#include "tinymodel.h"

#include <QDir>
#include <QString>
#include <QtTest>

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

inline QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace assay::test
