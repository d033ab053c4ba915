// SPDX-License-Identifier: MIT
// Test helper: starts a supervised llama-server, prints "pid <server pid>" once it is ready, then sleeps until killed.
// Usage: assay-orphan-helper MODEL.gguf
#include "runnersupervisor.h"

#include <cstdio>
#include <thread>

int main(int argc, char** argv)
{
    if (argc != 2)
        return 2;
    auto install = assay::gpu::locateRunner();
    if (!install)
        return 3;
    assay::gpu::RunnerConfig cfg;
    cfg.modelPath = argv[1];
    cfg.contextSize = 512;
    cfg.threads = 1;
    assay::gpu::RunnerSupervisor sup(*install, cfg);
    if (!sup.start() || !sup.waitUntilReady(std::chrono::seconds(60)))
        return 4;
    std::printf("pid %d\n", sup.pid());
    std::fflush(stdout);
    for (;;)
        std::this_thread::sleep_for(std::chrono::seconds(1));
}
