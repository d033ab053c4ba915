// SPDX-License-Identifier: MIT
// The one rule for tests that need the llama.cpp install (llama-server, llama-quantize, and the vocabulary the tiny
// model is made from) or a GPU. Used by tests/gpu and, through tests/app/runnertest.h, by the GUI runner tests.
//
//  - ASSAY_REQUIRE_RUNNER(): without a complete install the test skips on a developer machine and FAILS under
//    CI=true: CI builds llama.cpp (packaging/bootstrap.sh), so a missing install there is a broken CI, not a skip.
//  - ASSAY_REQUIRE_GPU(devices): the only skip CI accepts, for tests labelled `gpu` (ctest -L gpu) on a machine
//    where llama.cpp sees no GPU; with ASSAY_REQUIRE_GPU=1 (a CI machine that has one) it fails instead.
// .ci/run fails when any other test reports a skip.
#pragma once

#include "devices.h"
#include "runnerinstall.h"
#include "tinymodel.h"

#include <QFile>
#include <QString>
#include <QtTest>

#include <string>
#include <vector>

namespace assay::test {

/// CI=true (or any value but empty, "0" and "false"), as CI services and .ci/run set it.
inline bool inCi()
{
    const QByteArray v = qgetenv("CI").trimmed().toLower();
    return !v.isEmpty() && v != "0" && v != "false";
}

/// Why the llama.cpp install cannot serve the runner tests, or empty when it can: llama-server, llama-quantize and
/// the bundled vocabulary (share/assay/ggml-vocab-llama-spm.gguf) must all be there.
inline std::string runnerMissing()
{
    const auto install = gpu::locateRunner();
    if (!install)
        return install.error().describe();
    if (!QFile::exists(QString::fromStdString(install->prefix + "/bin/llama-quantize")))
        return "the llama.cpp install in " + install->prefix + " has no bin/llama-quantize";
    if (const std::string vocab = gpu::bundledVocabPath();
        vocab.empty() || !QFile::exists(QString::fromStdString(vocab)))
        return "the llama.cpp install in " + install->prefix + " has no vocabulary file (" + vocab + ")";
    return {};
}

/// The GPUs llama.cpp lists among @p devices (empty on a CPU-only machine or build).
inline std::vector<core::DeviceInfo> gpusOf(const std::vector<core::DeviceInfo>& devices)
{
    std::vector<core::DeviceInfo> out;
    for (const auto& d : devices)
        if (d.isGpu())
            out.push_back(d);
    return out;
}

} // namespace assay::test

/// Skips (developer machine) or fails (CI=true) the current test function when the llama.cpp install is incomplete.
#define ASSAY_REQUIRE_RUNNER()                                                                                         \
    do {                                                                                                               \
        const std::string assay_missing_ = assay::test::runnerMissing();                                               \
        if (!assay_missing_.empty()) {                                                                                 \
            if (assay::test::inCi())                                                                                   \
                QFAIL(("CI must run this test, but " + assay_missing_                                                  \
                    + " (packaging/bootstrap.sh builds llama.cpp; ASSAY_LLAMA_DIR overrides where it is looked for)")  \
                          .c_str());                                                                                   \
            QSKIP(("llama.cpp is not installed (run packaging/build-llama.sh): " + assay_missing_).c_str());           \
        }                                                                                                              \
    } while (false)

/// Skips the current test function (label `gpu` only) when @p devices holds no GPU, saying so; fails instead when
/// ASSAY_REQUIRE_GPU=1.
#define ASSAY_REQUIRE_GPU(devices)                                                                                     \
    do {                                                                                                               \
        if (assay::test::gpusOf(devices).empty()) {                                                                    \
            if (qEnvironmentVariable("ASSAY_REQUIRE_GPU") == QLatin1String("1"))                                       \
                QFAIL("ASSAY_REQUIRE_GPU=1, but llama.cpp lists no GPU on this machine (built without CUDA/Vulkan?)"); \
            QSKIP("needs a GPU: llama.cpp lists none on this machine (a test labelled gpu may skip)");                 \
        }                                                                                                              \
    } while (false)
