// SPDX-License-Identifier: MIT
#include "runnerinstall.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include <unistd.h>

namespace assay::gpu {

namespace fs = std::filesystem;

namespace {
std::string firstLineOf(const std::string& command)
{
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe)
        return {};
    std::array<char, 512> buf {};
    std::string out;
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe.get())) {
        out += buf.data();
        if (out.find("version") != std::string::npos)
            break;
    }
    const auto pos = out.find("version");
    std::string line = pos == std::string::npos ? out : out.substr(pos);
    if (const auto nl = line.find('\n'); nl != std::string::npos)
        line.resize(nl);
    return line;
}
} // namespace

core::Result<RunnerInstall> locateRunner(const std::string& executableDir)
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
            r.version = firstLineOf("'" + r.serverPath + "' --version 2>&1");
            return r;
        }
    }
    return core::makeError(core::ErrorCode::NotFound,
        "The local runner (llama.cpp's llama-server) is not installed; run packaging/bootstrap.sh",
        looked.empty() ? "no location configured" : "looked in " + looked);
}

} // namespace assay::gpu
