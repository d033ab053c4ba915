// SPDX-License-Identifier: MIT
// How many requests/s the loopback test server sustains with keep-alive, measured three ways:
//   raw     - blocking keep-alive sockets, one thread each (the server alone, minimal client cost)
//   http    - Assay's HttpClient (one curl-multi worker) with C requests in flight
//   openai  - OpenAiProvider non-streaming calls through that client (what the run engine will drive)
// at 0 ms and 20 ms server latency. The run-engine target needs 16 / 0.020 s = 800 cells/s at 20 ms.
// Usage: bench_loopbackserver [seconds-per-scenario (default 2)]
#include "http/httpclient.h"
#include "loopbackserver.h"
#include "providers/openaiprovider.h"
#include "replies.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace assay::core;
using namespace assay::test;
using Clock = std::chrono::steady_clock;

namespace {
double g_seconds = 2.0;

std::string replyBody()
{
    return R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant",)"
           R"("content":"Hello, world!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":4}})";
}

void routes(LoopbackServer& server)
{
    for (int latency : { 0, 20 }) {
        server.route("/v1/" + std::to_string(latency) + "/chat/completions",
            [latency, body = replyBody()](const RecordedRequest&, ResponseWriter& w) {
                if (latency > 0)
                    w.sleepMs(latency);
                w.send(200, { { "Content-Type", "application/json" } }, body);
            });
    }
}

double raw(int port, int latency, int connections)
{
    std::atomic<bool> stop { false };
    std::atomic<long> done { 0 };
    const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
    const std::string request = "POST /v1/" + std::to_string(latency)
        + "/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::vector<std::thread> threads;
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a {};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(port));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
                return;
            std::string buf;
            char tmp[8192];
            while (!stop.load()) {
                if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) <= 0)
                    break;
                // Read one response: headers, then Content-Length bytes.
                std::size_t end;
                while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
                    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
                    if (n <= 0)
                        return;
                    buf.append(tmp, static_cast<std::size_t>(n));
                }
                const auto cl = buf.find("Content-Length: ");
                const std::size_t len = std::stoul(buf.substr(cl + 16));
                while (buf.size() < end + 4 + len) {
                    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
                    if (n <= 0)
                        return;
                    buf.append(tmp, static_cast<std::size_t>(n));
                }
                buf.erase(0, end + 4 + len);
                ++done;
            }
            ::close(fd);
        });
    }
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(g_seconds));
    stop = true;
    const long count = done.load();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    for (auto& t : threads)
        t.join();
    return static_cast<double>(count) / secs;
}

/// Closed loop: keeps `inFlight` calls running until the time is up; next() starts one and calls back when done.
double closedLoop(int inFlight, const std::function<void(std::function<void(bool)>)>& startOne, long* failures)
{
    std::atomic<long> ok { 0 };
    std::atomic<long> failed { 0 };
    std::atomic<int> running { 0 };
    std::atomic<bool> stop { false };
    std::promise<void> drained;
    std::function<void()> launch;
    launch = [&] {
        ++running;
        startOne([&](bool success) {
            (success ? ok : failed)++;
            if (!stop.load()) {
                launch();
            }
            if (--running == 0 && stop.load())
                drained.set_value();
        });
    };
    const auto start = Clock::now();
    for (int i = 0; i < inFlight; ++i)
        launch();
    std::this_thread::sleep_for(std::chrono::duration<double>(g_seconds));
    const long count = ok.load();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    stop = true;
    drained.get_future().wait();
    *failures = failed.load();
    return static_cast<double>(count) / secs;
}
} // namespace

int main(int argc, char** argv)
{
    if (argc > 1)
        g_seconds = std::atof(argv[1]);
    LoopbackServer server;
    server.setRecording(false);
    if (!server.start()) {
        std::fprintf(stderr, "cannot start the server: %s\n", server.lastError().c_str());
        return 1;
    }
    routes(server);
    std::printf("loopback server benchmark, %.1f s per scenario, %u hardware threads\n", g_seconds,
        std::thread::hardware_concurrency());
    std::printf("%-8s %8s %6s %12s %10s %9s\n", "client", "latency", "conc", "req/s", "ideal", "failures");

    HttpClient client;
    EndpointSettings settingsTemplate;
    for (int latency : { 0, 20 }) {
        for (int conc : { 1, 16, 64 }) {
            const double ideal = latency > 0 ? conc * 1000.0 / latency : 0;
            const double r = raw(server.port(), latency, conc);
            std::printf("%-8s %6d ms %6d %12.0f %10s %9d\n", "raw", latency, conc, r,
                ideal > 0 ? std::to_string(static_cast<int>(ideal)).c_str() : "-", 0);

            long failures = 0;
            const std::string url = server.baseUrl() + "/v1/" + std::to_string(latency) + "/chat/completions";
            const double h = closedLoop(
                conc,
                [&](std::function<void(bool)> done) {
                    HttpRequest req;
                    req.method = "POST";
                    req.url = url;
                    req.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
                    req.headers = { { "Content-Type", "application/json" } };
                    HttpHandlers handlers;
                    handlers.onComplete = [done](Result<HttpResponse> res) { done(res.ok() && res->status == 200); };
                    if (!client.submit(std::move(req), std::move(handlers)).ok())
                        done(false);
                },
                &failures);
            std::printf("%-8s %6d ms %6d %12.0f %10s %9ld\n", "http", latency, conc, h,
                ideal > 0 ? std::to_string(static_cast<int>(ideal)).c_str() : "-", failures);

            EndpointSettings s;
            s.baseUrl = server.baseUrl() + "/v1/" + std::to_string(latency);
            OpenAiProvider provider(client, s);
            ProviderRequest pr;
            pr.model = "m";
            pr.messages = { { "user", "hi" } };
            pr.stream = false;
            const double p = closedLoop(
                conc,
                [&](std::function<void(bool)> done) {
                    auto started = provider.start(pr, [done](ProviderEvent&& e) {
                        if (std::holds_alternative<FinishEvent>(e))
                            done(true);
                        else if (std::holds_alternative<ErrorEvent>(e))
                            done(false);
                    });
                    if (!started.ok())
                        done(false);
                },
                &failures);
            std::printf("%-8s %6d ms %6d %12.0f %10s %9ld\n", "openai", latency, conc, p,
                ideal > 0 ? std::to_string(static_cast<int>(ideal)).c_str() : "-", failures);
        }
    }
    std::printf("server: %llu requests on %llu connections\n", static_cast<unsigned long long>(server.requestCount()),
        static_cast<unsigned long long>(server.connectionCount()));
    return 0;
}
