// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace assay::core {

/// Kind of compute device. Persisted with run provenance — never renumber.
enum class DeviceKind : int {
    Cpu = 0,
    Gpu = 1,
};

/// One device the local runner can use: the CPU (always present) or a GPU that llama.cpp's backends see.
/// Plain value type, filled by assay::gpu and shown by widgets.
struct DeviceInfo {
    std::string id; ///< llama.cpp device name: "CPU", "CUDA0", "Vulkan1" … (what `--device` takes)
    std::string name; ///< human description, e.g. "NVIDIA GeForce RTX 4090" or the CPU model name
    std::string backend; ///< "CPU", "CUDA", "Vulkan", "Metal", "HIP", "SYCL" …
    DeviceKind kind = DeviceKind::Cpu;
    std::uint64_t totalBytes = 0; ///< VRAM, or RAM (the cgroup limit when lower) for the CPU
    std::uint64_t freeBytes = 0; ///< free VRAM, or MemAvailable for the CPU
    std::uint32_t threads = 0; ///< CPU: logical CPUs usable by this process; GPU: 0
    std::uint32_t physicalCores = 0; ///< CPU only

    [[nodiscard]] bool isGpu() const { return kind == DeviceKind::Gpu; }
};

/// What is in the machine, CPU first.
struct DeviceList {
    std::vector<DeviceInfo> devices;
    std::string runnerBuild; ///< `llama-server --version`, e.g. "0.5.0 (build 1, commit de3ff81)"
    std::string warning; ///< why GPUs could not be listed, if they could not (the CPU is still there)

    [[nodiscard]] const DeviceInfo* cpu() const
    {
        for (const auto& d : devices)
            if (!d.isGpu())
                return &d;
        return nullptr;
    }
};

} // namespace assay::core
