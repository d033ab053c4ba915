// SPDX-License-Identifier: MIT
// Each provider end to end against the loopback server, streaming and non-streaming.
#include "providers/anthropicprovider.h"
#include "providers/bedrockprovider.h"
#include "providers/completion.h"
#include "providers/openaiprovider.h"
#include "providers/sigv4.h"
#include "replies.h"

#include <QtTest>

#include <atomic>
#include <mutex>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
const char* why(const Completion& c)
{
    static thread_local std::string text;
    text = c.error ? c.error->error.describe() : "ok";
    return text.c_str();
}

ProviderRequest chatRequest(const std::string& model, bool stream)
{
    ProviderRequest r;
    r.model = model;
    r.messages = { { "system", "You are terse." }, { "user", "Say hello." } };
    r.stream = stream;
    return r;
}

const std::string kBedrockModel = "anthropic.claude-3-haiku-20240307-v1:0";
const std::string kBedrockPath = "/model/anthropic.claude-3-haiku-20240307-v1%3A0";
} // namespace

class TestProviders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init() { m_server.clearRequests(); }

    void openAiStreaming();
    void openAiNonStreaming();
    void openAiLogprobs();
    void openAiAzureStyle();
    void openAiRobustSseFraming();
    void anthropicStreaming();
    void anthropicNonStreaming();
    void anthropicWithoutKey();
    void bedrockStreamingSigned();
    void bedrockNonStreaming();
    void bedrockFramesSplitAnywhere();
    void bedrockSessionToken();
    void concurrentStreams();
    void offlineRefusesRemoteEndpoint();

private:
    EndpointSettings settings(const std::string& path = "") const
    {
        EndpointSettings s;
        s.baseUrl = m_server.baseUrl() + path;
        s.apiKey = "sk-test-123";
        s.prices.set("test-model", ModelPrice { 1.0, 2.0, 0 });
        return s;
    }
    BedrockOptions bedrockOptions() const
    {
        BedrockOptions o;
        o.region = "us-east-1";
        o.credentials = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {} };
        o.clockMs = [] { return std::int64_t(1705311000000); }; // 2024-01-15T09:30:00Z
        return o;
    }

    LoopbackServer m_server;
    HttpClient m_client;
};

void TestProviders::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
}

void TestProviders::cleanupTestCase()
{
    m_server.stop();
}

void TestProviders::openAiStreaming()
{
    m_server.route("/v1/chat/completions", openAiStream({}));
    OpenAiProvider provider(m_client, settings("/v1"));
    ProviderRequest req = chatRequest("test-model", true);
    req.parameters.temperature = 0.0;
    req.parameters.seed = 42;
    req.parameters.maxTokens = 16;
    req.parameters.stop = { "\n\n" };

    std::mutex mutex;
    std::vector<int> kinds;
    CompletionCollector collector;
    auto inner = collector.sink();
    auto handle = provider.start(req, [&](ProviderEvent&& e) {
        {
            std::lock_guard lock(mutex);
            kinds.push_back(static_cast<int>(e.index()));
        }
        inner(std::move(e));
    });
    QVERIFY(handle.ok());
    const Completion c = collector.wait();
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello, world!"));
    QCOMPARE(c.finishReason, std::string("stop"));
    QVERIFY(c.usage.has_value());
    QCOMPARE(c.stats.usage, (TokenUsage { 7, 4 }));
    QVERIFY(c.stats.usageReported);
    QVERIFY(c.stats.ttftMs >= 0);
    QVERIFY(c.stats.latencyMs >= c.stats.ttftMs);
    QVERIFY(c.stats.outputTokensPerSecond > 0);
    QVERIFY(c.stats.costKnown);
    QVERIFY(qFuzzyCompare(c.stats.cost, 7 * 1.0 / 1e6 + 4 * 2.0 / 1e6));
    QCOMPARE(c.stats.httpStatus, 200);
    QCOMPARE(c.stats.extras["timings"]["predicted_per_second"].get<double>(), 123.5); // llama-server timings
    // Event order: deltas, then usage, then exactly one finish.
    QCOMPARE(kinds.size(), std::size_t(6));
    QCOMPARE(kinds[4], 1);
    QCOMPARE(kinds[5], 2);

    const auto reqs = m_server.requests();
    QCOMPARE(reqs.size(), std::size_t(1));
    QCOMPARE(reqs[0].header("Authorization"), std::string("Bearer sk-test-123"));
    const json body = json::parse(reqs[0].body);
    QCOMPARE(body["model"], json("test-model"));
    QCOMPARE(body["stream"], json(true));
    QCOMPARE(body["stream_options"]["include_usage"], json(true));
    QCOMPARE(body["seed"], json(42));
    QCOMPARE(body["temperature"], json(0.0));
    QCOMPARE(body["max_tokens"], json(16));
    QCOMPARE(body["stop"], json({ "\n\n" }));
    QCOMPARE(body["messages"][0]["role"], json("system"));
    QVERIFY(!body.contains("logprobs"));
}

void TestProviders::openAiNonStreaming()
{
    m_server.route("/v1/chat/completions", openAiJson("Hi there.", 11, 3));
    OpenAiProvider provider(m_client, settings("/v1"));
    const Completion c = runToCompletion(provider, chatRequest("test-model", false));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hi there."));
    QCOMPARE(c.stats.usage, (TokenUsage { 11, 3 }));
    QCOMPARE(c.stats.ttftMs, -1.0);
    QVERIFY(c.stats.latencyMs > 0);
    QCOMPARE(c.stats.extras["system_fingerprint"], json("b1-test"));
    const json body = json::parse(m_server.requests().at(0).body);
    QCOMPARE(body["stream"], json(false));
    QVERIFY(!body.contains("stream_options"));
}

void TestProviders::openAiLogprobs()
{
    const json reply
        = { { "choices",
                json::array({ { { "index", 0 }, { "message", { { "content", "Yes" } } }, { "finish_reason", "length" },
                    { "logprobs",
                        { { "content",
                            json::array({ { { "token", "Yes" }, { "logprob", -0.25 },
                                { "top_logprobs",
                                    json::array({ { { "token", "Yes" }, { "logprob", -0.25 } },
                                        { { "token", "No" }, { "logprob", -1.5 } } }) } } }) } } } } }) },
              { "usage", { { "prompt_tokens", 5 }, { "completion_tokens", 1 } } } };
    m_server.route("/v1/chat/completions", jsonStatus(200, reply.dump()));
    OpenAiProvider provider(m_client, settings("/v1"));
    ProviderRequest req = chatRequest("test-model", false);
    req.topLogprobs = 2;
    const Completion c = runToCompletion(provider, req);
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.finishReason, std::string("length"));
    QCOMPARE(c.logprobs.size(), std::size_t(1));
    QCOMPARE(c.logprobs[0].logprob, -0.25);
    QCOMPARE(c.logprobs[0].top.size(), std::size_t(2));
    QCOMPARE(c.logprobs[0].top[1].first, std::string("No"));
    const json body = json::parse(m_server.requests().at(0).body);
    QCOMPARE(body["logprobs"], json(true));
    QCOMPARE(body["top_logprobs"], json(2));
}

void TestProviders::openAiAzureStyle()
{
    m_server.route("/openai/deployments/gpt4o/chat/completions", openAiJson("ok"));
    OpenAiOptions o;
    o.azureKeyHeader = true;
    o.query = "api-version=2024-06-01";
    OpenAiProvider provider(m_client, settings("/openai/deployments/gpt4o"), o);
    const Completion c = runToCompletion(provider, chatRequest("gpt4o", false));
    QVERIFY2(c.ok(), why(c));
    const auto r = m_server.requests().at(0);
    QCOMPARE(r.query, std::string("api-version=2024-06-01"));
    QCOMPARE(r.header("api-key"), std::string("sk-test-123"));
    QVERIFY(r.header("Authorization").empty());
}

void TestProviders::openAiRobustSseFraming()
{
    StreamScript s;
    s.crlf = true;
    s.comments = true;
    s.byteByByte = true; // every byte in its own HTTP chunk
    m_server.route("/v1/chat/completions", openAiStream(s));
    OpenAiProvider provider(m_client, settings("/v1"));
    const Completion c = runToCompletion(provider, chatRequest("test-model", true));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello, world!"));
    QCOMPARE(c.stats.usage.outputTokens, std::int64_t(4));
}

void TestProviders::anthropicStreaming()
{
    m_server.route("/v1/messages", anthropicStream({}));
    AnthropicProvider provider(m_client, settings());
    const Completion c = runToCompletion(provider, chatRequest("claude-test", true));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello, world!"));
    QCOMPARE(c.finishReason, std::string("stop"));
    QCOMPARE(c.rawFinishReason, std::string("end_turn"));
    QCOMPARE(c.stats.usage, (TokenUsage { 7, 4 }));
    QVERIFY(c.stats.ttftMs >= 0);
    const auto r = m_server.requests().at(0);
    QCOMPARE(r.header("x-api-key"), std::string("sk-test-123"));
    QCOMPARE(r.header("anthropic-version"), std::string("2023-06-01"));
    QVERIFY(r.header("Authorization").empty());
    const json body = json::parse(r.body);
    QCOMPARE(body["system"], json("You are terse."));
    QCOMPARE(body["messages"].size(), std::size_t(1));
    QCOMPARE(body["max_tokens"], json(AnthropicProvider::kDefaultMaxTokens));
    QCOMPARE(body["stream"], json(true));
}

void TestProviders::anthropicNonStreaming()
{
    m_server.route("/v1/messages", anthropicJson("Hello.", 9, 2));
    AnthropicProvider provider(m_client, settings());
    ProviderRequest req = chatRequest("claude-test", false);
    req.parameters.maxTokens = 50;
    req.parameters.stop = { "END" };
    const Completion c = runToCompletion(provider, req);
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello."));
    QCOMPARE(c.stats.usage, (TokenUsage { 9, 2 }));
    const json body = json::parse(m_server.requests().at(0).body);
    QCOMPARE(body["max_tokens"], json(50));
    QCOMPARE(body["stop_sequences"], json({ "END" }));
    QVERIFY(!body.contains("stream"));
}

void TestProviders::anthropicWithoutKey()
{
    // A local gateway in front of Claude may need no key: the call goes out with no x-api-key header at all.
    m_server.route("/v1/messages", anthropicStream({}));
    EndpointSettings s = settings();
    s.apiKey.clear();
    AnthropicProvider provider(m_client, s);
    const Completion c = runToCompletion(provider, chatRequest("claude-test", true));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello, world!"));
    const auto r = m_server.requests().at(0);
    QVERIFY(r.header("x-api-key").empty());
    QCOMPARE(r.header("anthropic-version"), std::string("2023-06-01"));
}

void TestProviders::bedrockStreamingSigned()
{
    m_server.route(kBedrockPath + "/converse-stream", bedrockStream({}));
    BedrockProvider provider(m_client, settings(), bedrockOptions());
    ProviderRequest req = chatRequest(kBedrockModel, true);
    req.parameters.maxTokens = 32;
    req.parameters.temperature = 0.5;
    const Completion c = runToCompletion(provider, req);
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hello, world!"));
    QCOMPARE(c.finishReason, std::string("stop"));
    QCOMPARE(c.stats.usage, (TokenUsage { 7, 4 }));
    QCOMPARE(c.stats.extras["metrics"]["latencyMs"], json(42));

    const auto r = m_server.requests().at(0);
    QCOMPARE(r.path, kBedrockPath + "/converse-stream"); // ':' went out as %3A
    QCOMPARE(r.header("X-Amz-Date"), std::string("20240115T093000Z"));
    QCOMPARE(r.header("Accept"), std::string("application/vnd.amazon.eventstream"));
    const std::string auth = r.header("Authorization");
    QVERIFY2(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240115/us-east-1/bedrock/aws4_request, "
                              "SignedHeaders=content-type;host;x-amz-date, Signature="),
        auth.c_str());
    // Re-sign what the server actually received: the signature must cover the bytes on the wire.
    SigV4Input in;
    in.method = r.method;
    in.path = r.path;
    in.region = "us-east-1";
    in.service = "bedrock";
    in.amzDate = r.header("X-Amz-Date");
    in.headers
        = { { "content-type", r.header("Content-Type") }, { "host", r.header("Host") }, { "x-amz-date", in.amzDate } };
    in.payload = r.body;
    const SigV4Signature expected = signSigV4(in, bedrockOptions().credentials);
    QCOMPARE(auth, expected.authorization);
    QVERIFY(expected.canonicalRequest.find("v1%253A0/converse-stream") != std::string::npos);

    const json body = json::parse(r.body);
    QCOMPARE(body["system"][0]["text"], json("You are terse."));
    QCOMPARE(body["messages"][0]["content"][0]["text"], json("Say hello."));
    QCOMPARE(body["inferenceConfig"]["maxTokens"], json(32));
}

void TestProviders::bedrockNonStreaming()
{
    m_server.route(kBedrockPath + "/converse", bedrockJson("Hi.", 5, 2));
    BedrockProvider provider(m_client, settings(), bedrockOptions());
    const Completion c = runToCompletion(provider, chatRequest(kBedrockModel, false));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("Hi."));
    QCOMPARE(c.stats.usage, (TokenUsage { 5, 2 }));
    QCOMPARE(m_server.requests().at(0).header("Accept"), std::string("application/json"));
}

void TestProviders::bedrockFramesSplitAnywhere()
{
    StreamScript s;
    s.byteByByte = true;
    s.tokens = { "a", "bc", "def" };
    m_server.route(kBedrockPath + "/converse-stream", bedrockStream(s));
    BedrockProvider provider(m_client, settings(), bedrockOptions());
    const Completion c = runToCompletion(provider, chatRequest(kBedrockModel, true));
    QVERIFY2(c.ok(), why(c));
    QCOMPARE(c.text, std::string("abcdef"));
}

void TestProviders::bedrockSessionToken()
{
    m_server.route(kBedrockPath + "/converse", bedrockJson("x"));
    BedrockOptions o = bedrockOptions();
    o.credentials.sessionToken = "session-tok";
    BedrockProvider provider(m_client, settings(), o);
    const Completion c = runToCompletion(provider, chatRequest(kBedrockModel, false));
    QVERIFY2(c.ok(), why(c));
    const auto r = m_server.requests().at(0);
    QCOMPARE(r.header("X-Amz-Security-Token"), std::string("session-tok"));
    QVERIFY(r.header("Authorization").find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token")
        != std::string::npos);
}

void TestProviders::concurrentStreams()
{
    StreamScript s;
    s.delayMs = 10;
    constexpr int n = 64;
    // Event-based: each reply waits (up to 20 s) until 16 requests are in flight at once, so a client that ran the
    // calls one after another would fail the check below instead of merely being slow.
    auto inFlight = std::make_shared<std::atomic<int>>(0);
    auto most = std::make_shared<std::atomic<int>>(0);
    Handler stream = openAiStream(s);
    m_server.route("/v1/chat/completions", [inFlight, most, stream](const RecordedRequest& r, ResponseWriter& w) {
        const int now = ++*inFlight;
        int seen = most->load();
        while (now > seen && !most->compare_exchange_weak(seen, now)) { }
        for (int waited = 0; most->load() < 16 && waited < 20'000; waited += 5)
            w.sleepMs(5);
        stream(r, w);
        --*inFlight;
    });
    OpenAiProvider provider(m_client, settings("/v1"));
    std::vector<std::unique_ptr<CompletionCollector>> collectors;
    for (int i = 0; i < n; ++i) {
        collectors.push_back(std::make_unique<CompletionCollector>());
        QVERIFY(provider.start(chatRequest("test-model", true), collectors.back()->sink()).ok());
    }
    for (auto& c : collectors) {
        const Completion done = c->wait();
        QVERIFY2(done.ok(), why(done));
        QCOMPARE(done.text, std::string("Hello, world!"));
    }
    QVERIFY2(most->load() >= 16, std::to_string(most->load()).c_str());
    QCOMPARE(m_server.requestCount() >= std::uint64_t(n), true);
}

void TestProviders::offlineRefusesRemoteEndpoint()
{
    HttpClientOptions o;
    o.offline = true;
    HttpClient offline(o);
    EndpointSettings s;
    s.baseUrl = "https://api.openai.com/v1";
    s.apiKey = "sk-test-123";
    OpenAiProvider provider(offline, s);
    auto started = provider.start(chatRequest("gpt-4o", true), [](ProviderEvent&&) { QFAIL("no event expected"); });
    QVERIFY(!started.ok());
    QCOMPARE(started.error().code, ErrorCode::Offline);
    QVERIFY(started.error().message.find("api.openai.com") != std::string::npos);
    // The same provider kind on loopback works offline (a local llama-server).
    m_server.route("/v1/chat/completions", openAiJson("local"));
    OpenAiProvider local(offline, settings("/v1"));
    const Completion c = runToCompletion(local, chatRequest("test-model", false));
    QVERIFY2(c.ok(), why(c));
}

QTEST_GUILESS_MAIN(TestProviders)
#include "tst_providers.moc"
