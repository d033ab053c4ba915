// SPDX-License-Identifier: MIT
#include "devices.h"

#include "childprocess.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <sched.h>

namespace assay::gpu {

namespace {
constexpr std::uint64_t kMiB = 1024ull * 1024ull;

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string backendOf(const std::string& id)
{
    auto end = id.size();
    while (end > 0 && id[end - 1] >= '0' && id[end - 1] <= '9')
        --end;
    std::string b = id.substr(0, end);
    if (b == "ROCm")
        b = "HIP";
    return b.empty() ? id : b;
}

std::uint64_t meminfoKiB(const std::string& text, const std::string& key)
{
    const auto pos = text.find(key + ":");
    if (pos == std::string::npos)
        return 0;
    return std::strtoull(text.c_str() + pos + key.size() + 1, nullptr, 10);
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

std::vector<core::DeviceInfo> parseListDevices(const std::string& output)
{
    std::vector<core::DeviceInfo> out;
    std::istringstream in(output);
    std::string line;
    bool inList = false;
    while (std::getline(in, line)) {
        if (line.find("Available devices:") != std::string::npos) {
            inList = true;
            continue;
        }
        if (!inList)
            continue;
        const auto t = trim(line);
        const auto colon = t.find(": ");
        const auto open = t.rfind('(');
        if (colon == std::string::npos || open == std::string::npos || open < colon || t.back() != ')')
            continue;
        unsigned long long total = 0;
        unsigned long long free = 0;
        if (std::sscanf(t.c_str() + open, "(%llu MiB, %llu MiB free)", &total, &free) != 2)
            continue;
        core::DeviceInfo d;
        d.id = t.substr(0, colon);
        if (d.id.find(' ') != std::string::npos)
            continue;
        d.name = trim(t.substr(colon + 2, open - colon - 2));
        d.backend = backendOf(d.id);
        d.kind = core::DeviceKind::Gpu;
        d.totalBytes = total * kMiB;
        d.freeBytes = free * kMiB;
        out.push_back(std::move(d));
    }
    return out;
}

core::DeviceInfo cpuDevice()
{
    core::DeviceInfo d;
    d.id = "CPU";
    d.backend = "CPU";
    d.kind = core::DeviceKind::Cpu;
    std::istringstream cpuinfo(readFile("/proc/cpuinfo"));
    std::string line;
    std::set<std::pair<std::string, std::string>> cores; // (physical id, core id)
    std::string physical;
    while (std::getline(cpuinfo, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const auto key = trim(line.substr(0, colon));
        const auto value = trim(line.substr(colon + 1));
        if (key == "model name" && d.name.empty())
            d.name = value;
        else if (key == "physical id")
            physical = value;
        else if (key == "core id")
            cores.emplace(physical, value);
    }
    if (d.name.empty())
        d.name = "CPU";
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0)
        d.threads = static_cast<std::uint32_t>(CPU_COUNT(&set));
    else
        d.threads = std::thread::hardware_concurrency();
    d.physicalCores = cores.empty() ? d.threads : static_cast<std::uint32_t>(cores.size());
    if (d.physicalCores > d.threads)
        d.physicalCores = d.threads;

    const auto meminfo = readFile("/proc/meminfo");
    d.totalBytes = meminfoKiB(meminfo, "MemTotal") * 1024;
    d.freeBytes = meminfoKiB(meminfo, "MemAvailable") * 1024;
    // In a container the cgroup limit is what the runner can really use.
    const auto limitText = trim(readFile("/sys/fs/cgroup/memory.max"));
    if (!limitText.empty() && limitText != "max") {
        const auto limit = std::strtoull(limitText.c_str(), nullptr, 10);
        const auto used = std::strtoull(trim(readFile("/sys/fs/cgroup/memory.current")).c_str(), nullptr, 10);
        if (limit > 0 && limit < d.totalBytes) {
            d.totalBytes = limit;
            const auto left = limit > used ? limit - used : 0;
            if (left < d.freeBytes)
                d.freeBytes = left;
        }
    }
    return d;
}

core::DeviceList listDevices(const RunnerInstall& install)
{
    core::DeviceList list;
    list.devices.push_back(cpuDevice());
    if (install.serverPath.empty()) {
        list.warning = "llama-server is not installed: only the CPU is listed";
        return list;
    }
    list.runnerBuild = install.version;
    auto run = runCaptured({ install.serverPath, "--list-devices" }, std::chrono::seconds(30));
    if (!run) {
        list.warning = "Could not list GPUs: " + run.error().message;
        return list;
    }
    if (run->exitCode != 0) {
        list.warning = "llama-server --list-devices exited with " + std::to_string(run->exitCode);
        return list;
    }
    for (auto& d : parseListDevices(run->output))
        list.devices.push_back(std::move(d));
    return list;
}

std::string formatBytes(std::uint64_t bytes)
{
    char buf[32];
    const auto b = static_cast<double>(bytes);
    if (bytes >= 1024ull * kMiB)
        std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1024.0 * 1024.0 * 1024.0));
    else if (bytes >= 100 * kMiB)
        std::snprintf(buf, sizeof buf, "%.0f MiB", b / (1024.0 * 1024.0));
    else if (bytes >= kMiB / 10)
        std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024.0));
    else
        std::snprintf(buf, sizeof buf, "%.0f KiB", b / 1024.0);
    return buf;
}

} // namespace assay::gpu
