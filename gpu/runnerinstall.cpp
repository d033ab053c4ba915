// SPDX-License-Identifier: MIT
#include "runnerinstall.h"

#include "childprocess.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include <unistd.h>

namespace assay::gpu {

namespace fs = std::filesystem;

std::string runnerVersion(const std::string& serverPath, std::chrono::milliseconds timeout)
{
    auto run = runCaptured({ serverPath, "--version" }, timeout, 64 * 1024);
    if (!run)
        return {};
    const std::string& out = run->output;
    const auto pos = out.find("version");
    std::string line = pos == std::string::npos ? out : out.substr(pos);
    if (const auto nl = line.find('\n'); nl != std::string::npos)
        line.resize(nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
    return line;
}

core::Result<RunnerInstall> locateRunner(const std::string& executableDir, RunnerProbe probe)
{
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("ASSAY_LLAMA_DIR"); env && *env)
        candidates.emplace_back(env);
    if (const std::string configured = ASSAY_LLAMA_PREFIX; !configured.empty())
        candidates.push_back(configured);
    if (!executableDir.empty())
        candidates.push_back((fs::path(executableDir) / ".." / "lib" / "assay" / "llama").lexically_normal().string());

    std::string looked;
    for (const auto& prefix : candidates) {
        const fs::path server = fs::path(prefix) / "bin" / "llama-server";
        looked += (looked.empty() ? "" : ", ") + server.string();
        if (::access(server.c_str(), X_OK) == 0) {
            RunnerInstall r;
            r.prefix = prefix;
            r.serverPath = server.string();
            if (probe == RunnerProbe::WithVersion)
                r.version = runnerVersion(r.serverPath);
            return r;
        }
    }
    return core::makeError(core::ErrorCode::NotFound,
        "The local runner (llama.cpp's llama-server) is not installed; run packaging/bootstrap.sh",
        looked.empty() ? "no location configured" : "looked in " + looked);
}

} // namespace assay::gpu
