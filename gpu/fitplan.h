// SPDX-License-Identifier: MIT
#pragma once

#include "domain/device.h"
#include "modelinfo.h"
#include "util/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace assay::gpu {

struct FitRequest {
    int gpuLayers = -1; ///< layers to offload (0 … blockCount + 1, the +1 being the output layer); -1 = auto
    std::string gpuDevice; ///< device id to offload to ("CUDA0"); empty = the first GPU
    std::uint32_t contextSize = 4096; ///< total context (all slots together), as llama-server's -c
    std::uint32_t parallel = 1; ///< slots (-np)
    std::string cacheTypeK = "f16";
    std::string cacheTypeV = "f16";
    std::uint32_t ubatch = 512; ///< -ub
    bool flashAttention = true; ///< llama-server's default "auto" enables it on CPU and recent GPUs
    std::uint64_t safetyMarginBytes
        = 1024ull * 1024 * 1024; ///< kept free on a GPU for "auto" (llama.cpp's --fit default)
};

/// Memory one device would hold.
struct DevicePlan {
    std::string deviceId;
    std::uint64_t weights = 0;
    std::uint64_t kvCache = 0;
    std::uint64_t compute = 0; ///< compute + output buffers (estimate)
    std::uint64_t freeBytes = 0;
    [[nodiscard]] std::uint64_t total() const { return weights + kvCache + compute; }
};

/// The plan shown before loading: where each part goes and whether it fits.
struct FitPlan {
    int gpuLayers = 0; ///< what to pass as -ngl
    int offloadableLayers = 0; ///< blockCount + 1
    std::uint32_t kvCells = 0; ///< context cells after llama.cpp's padding
    std::vector<DevicePlan> devices; ///< CPU first, then the GPU (when one is used)
    bool fits = true;
    std::string summary; ///< one or two sentences for the user
};

/// Computes the plan. Weights per layer come from the tensor sizes, the KV cache from
/// cells × layers × (n_head_kv × head_dim) × (K + V bytes), compute buffers from a formula calibrated against
/// llama-server v0.5.0's own reports (see fitplan.cpp). Invalid when the model lacks the needed hyper-parameters.
core::Result<FitPlan> planFit(
    const ModelInfo& model, const std::vector<core::DeviceInfo>& devices, const FitRequest& req);

/// Buffer sizes llama-server printed while loading (verbosity ≥ 4), summed per device.
struct ReportedMemory {
    std::vector<DevicePlan> devices;
    bool complete = false; ///< weights, KV and compute lines were all seen
};

/// Parses llama-server log lines: "load_tensors: CPU_Mapped model buffer size = 8.06 MiB", "llama_kv_cache: CPU KV
/// buffer size = …", "sched_reserve: CPU compute buffer size = …", "llama_context: CPU output buffer size = …".
/// Host buffer names (CPU_Mapped, CPU_REPACK, CUDA_Host …) count for the CPU.
ReportedMemory parseReportedMemory(const std::vector<std::string>& logLines);

/// Plan vs reality per device and part; `summary` says it in words, e.g. "Plan vs server: CPU weights 8.1 MiB
/// planned, 8.1 MiB reported (+0.0%); …". `maxRelativeError` is the largest |reported − planned| / reported.
struct FitComparison {
    std::string summary;
    double maxRelativeError = 0;
    std::int64_t totalDifferenceBytes = 0; ///< reported − planned, all devices
};
FitComparison compareFit(const FitPlan& plan, const ReportedMemory& reported);

} // namespace assay::gpu
