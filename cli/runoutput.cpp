// SPDX-License-Identifier: MIT
#include "runoutput.h"

#include "util/displaytext.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace assay::cli {

namespace {

using ojson = nlohmann::ordered_json;

bool endsWith(const std::string& s, const std::string& tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

ojson cellJson(const core::RunCell& c)
{
    auto opt = [](const auto& v) { return v ? ojson(*v) : ojson(nullptr); };
    return ojson { { "runId", c.runId }, { "cellKey", c.cellKey },
        { "prompt", c.provenance.value("prompt", std::string()) }, { "promptVersionId", c.promptVersionId },
        { "endpoint", c.provenance.value("endpoint", std::string()) }, { "model", c.modelName },
        { "rowId", opt(c.rowId) }, { "repeat", c.repeatIndex }, { "status", core::cellStatusName(c.status) },
        { "cached", c.provenance.value("cached", false) }, { "output", c.output }, { "error", c.error },
        { "finishReason", c.finishReason }, { "tokensIn", opt(c.tokensIn) }, { "tokensOut", opt(c.tokensOut) },
        { "ttftMs", opt(c.ttftMs) }, { "latencyMs", opt(c.latencyMs) }, { "cost", opt(c.cost) },
        { "attempts", c.provenance.value("attempts", 0) }, { "requestHash", c.requestHash } };
}

std::string csvField(const ojson& v)
{
    std::string text = v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char ch : text)
        quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return quoted + "\"";
}

std::string compact(double v)
{
    char buf[32];
    if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

} // namespace

core::Status writeResults(const std::string& path, const std::vector<core::RunCell>& cells)
{
    const bool jsonl = endsWith(path, ".jsonl");
    if (!jsonl && !endsWith(path, ".csv"))
        return core::makeError(core::ErrorCode::Invalid, "--output must end in .jsonl or .csv, not '" + path + "'");
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            return core::makeError(core::ErrorCode::Io, "Cannot write " + tmp);
        bool header = true;
        for (const auto& c : cells) {
            const ojson j = cellJson(c);
            if (jsonl) {
                f << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
                continue;
            }
            if (header) {
                std::string line;
                for (const auto& [k, v] : j.items())
                    line += (line.empty() ? "" : ",") + k;
                f << line << "\r\n";
                header = false;
            }
            std::string line;
            bool first = true;
            for (const auto& [k, v] : j.items()) {
                line += (first ? "" : ",") + csvField(v);
                first = false;
            }
            f << line << "\r\n";
        }
        if (!f.flush())
            return core::makeError(core::ErrorCode::Io, "Cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        return core::makeError(core::ErrorCode::Io, "Cannot replace " + path);
    return {};
}

std::vector<std::string> failureSummary(const std::vector<core::RunCell>& cells, std::size_t maxReasons)
{
    std::map<std::string, int> reasons;
    for (const auto& c : cells)
        if (c.status == core::CellStatus::Failed)
            ++reasons[core::validUtf8(c.provenance.value("endpoint", std::string()) + ": " + c.error)];
    std::vector<std::pair<int, std::string>> byCount;
    for (const auto& [reason, n] : reasons)
        byCount.emplace_back(n, reason);
    std::stable_sort(byCount.begin(), byCount.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < byCount.size() && i < maxReasons; ++i)
        lines.push_back("  " + std::to_string(byCount[i].first) + " x " + byCount[i].second);
    if (byCount.size() > maxReasons) {
        const std::size_t more = byCount.size() - maxReasons;
        lines.push_back("  and " + std::to_string(more) + (more == 1 ? " more reason" : " more reasons"));
    }
    return lines;
}

std::string progressLine(const core::RunProgress& p, bool bar)
{
    std::ostringstream s;
    const std::int64_t completed = p.completed();
    if (bar) {
        const int width = 24;
        const auto filled = p.total > 0 ? static_cast<int>(completed * width / p.total) : 0;
        s << '[' << std::string(static_cast<std::size_t>(filled), '#')
          << std::string(static_cast<std::size_t>(width - filled), '.') << "] ";
    }
    s << completed << '/' << p.total << "  ok " << (p.alreadyDone + p.done) << "  failed " << p.failed;
    if (p.cached > 0)
        s << "  cached " << p.cached;
    if (p.cancelled > 0)
        s << "  cancelled " << p.cancelled;
    s << "  in flight " << p.inFlight << "  " << compact(static_cast<double>(p.tokensIn + p.tokensOut)) << " tok";
    if (p.cost > 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "  cost %.4f", p.cost);
        s << buf;
    }
    if (p.etaMs && !p.finished)
        s << "  ETA " << compact(*p.etaMs / 1000.0) << 's';
    return s.str();
}

} // namespace assay::cli
