// SPDX-License-Identifier: MIT
// Run-engine benchmark helper (driven by run_vs_promptfoo.sh):
//   bench_run serve [--latency-ms N]     an OpenAI-compatible loopback server (non-streaming and SSE) on an
//                                         ephemeral port; prints "port N", serves until stdin closes
//   bench_run setup WORKSPACE BASE_URL [ROWS]
//                                         a workspace with 2 prompts (labelled prod) x 3 endpoints
//                                         (<BASE_URL>/e<i>/v1, model-<i>) x ROWS (default 300) rows
// The server sets TCP_NODELAY (LoopbackServer) and writes each response in one go, so keep-alive connections do
// not hit the Nagle / delayed-ACK stall promptfoo's research met.
#include "loopbackserver.h"
#include "replies.h"
#include "runfixture.h"

#include "storage/workspace.h"

#include <cstdio>
#include <iostream>
#include <string>

using namespace assay;

namespace {

int serve(int latencyMs)
{
    test::LoopbackServer server;
    server.setRecording(false);
    if (!server.start()) {
        std::fprintf(stderr, "bench_run serve: %s\n", server.lastError().c_str());
        return 1;
    }
    const std::string body
        = R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant",)"
          R"("content":"positive"},"finish_reason":"stop"}],"usage":{"prompt_tokens":21,"completion_tokens":1,)"
          R"("total_tokens":22}})";
    test::StreamScript script;
    script.tokens = { "positive" };
    script.inputTokens = 21;
    const test::Handler streamed = test::openAiStream(script);
    const test::Handler handler = [latencyMs, body, streamed](const test::RecordedRequest& r, test::ResponseWriter& w) {
        if (latencyMs > 0)
            w.sleepMs(latencyMs);
        if (r.body.find("\"stream\":true") != std::string::npos)
            streamed(r, w);
        else
            w.send(200, { { "Content-Type", "application/json" } }, body);
    };
    for (const std::string prefix : { "", "/e0", "/e1", "/e2" })
        server.route(prefix + "/v1/chat/completions", handler);
    std::printf("port %d\n", server.port());
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) { }
    server.stop();
    std::fprintf(stderr, "bench_run serve: %llu requests\n", static_cast<unsigned long long>(server.requestCount()));
    return 0;
}

int setup(const std::string& path, const std::string& baseUrl, int rows)
{
    auto db = core::Workspace::create(path);
    if (!db) {
        std::fprintf(stderr, "bench_run setup: %s\n", db.error().message.c_str());
        return 1;
    }
    auto fx = test::seedRunFixture(*db, { baseUrl, 2, 3, rows, {}, "rows" });
    if (!fx) {
        std::fprintf(stderr, "bench_run setup: %s\n", fx.error().message.c_str());
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "serve") {
        int latency = 0;
        for (int i = 2; i + 1 < argc; ++i)
            if (std::string(argv[i]) == "--latency-ms")
                latency = std::stoi(argv[i + 1]);
        return serve(latency);
    }
    if (mode == "setup" && argc >= 4)
        return setup(argv[2], argv[3], argc >= 5 ? std::stoi(argv[4]) : 300);
    std::fprintf(stderr, "usage: bench_run serve [--latency-ms N] | setup WORKSPACE BASE_URL [ROWS]\n");
    return 2;
}
