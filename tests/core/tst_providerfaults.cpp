// SPDX-License-Identifier: MIT
// One test per server fault, asserting what the user sees: the error code, the sentence, and partial output kept.
// No wall-clock limits: a timeout or cancel is shown to be what ended a call by the reason it reports and by the
// server still being in the middle of its reply at that moment (stalls and streams far longer than the limits).
#include "providers/anthropicprovider.h"
#include "providers/bedrockprovider.h"
#include "providers/completion.h"
#include "providers/openaiprovider.h"
#include "providers/providererror.h"
#include "replies.h"

#include <QtTest>

#include <future>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
ProviderRequest chatRequest(const std::string& model, bool stream)
{
    ProviderRequest r;
    r.model = model;
    r.messages = { { "user", "Say hello." } };
    r.stream = stream;
    return r;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Runs @p inner and then records whether it got to the end of its reply (the client did not hang up first).
Handler tracked(Handler inner, std::shared_ptr<std::atomic<bool>> finished)
{
    return [inner = std::move(inner), finished](const RecordedRequest& r, ResponseWriter& w) {
        inner(r, w);
        if (!w.dropped())
            finished->store(true);
    };
}

const std::string kBedrockModel = "meta.llama3-8b-instruct-v1:0";
const std::string kBedrockPath = "/model/meta.llama3-8b-instruct-v1%3A0";
} // namespace

class TestProviderFaults : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void rateLimitedWithRetryAfter();
    void retryAfterForms();
    void serverError();
    void badKey();
    void modelNotFound();
    void contextTooLong();
    void keyNeverInErrorMessage();
    void truncatedStreamKeepsPartialOutput();
    void droppedConnectionMidStream();
    void invalidJsonInStream();
    void invalidJsonBody();
    void stallTriggersIdleTimeout();
    void slowBodyWithinIdleLimit();
    void ttftMeasured();
    void cancelMidStreamIsACancel();
    void anthropicErrorEvent();
    void anthropicOverloadedBeforeOutput();
    void anthropicOverloadedStatus();
    void bedrockThrottlingException();
    void bedrockCorruptFrame();
    void bedrockTruncatedFrame();
    void bedrockBadSignatureStatus();
    void totalTimeout();

private:
    OpenAiProvider openAi(long idleMs = 60'000)
    {
        EndpointSettings s;
        s.baseUrl = m_server.baseUrl() + "/v1";
        s.apiKey = "sk-test-secret-key-123";
        s.streamIdleTimeoutMs = idleMs;
        return OpenAiProvider(m_client, s);
    }
    Completion openAiCall(Handler reply, bool stream = true, long idleMs = 60'000)
    {
        m_server.route("/v1/chat/completions", std::move(reply));
        OpenAiProvider p = openAi(idleMs);
        return runToCompletion(p, chatRequest("test-model", stream));
    }
    Completion bedrockCall(Handler reply, bool stream = true)
    {
        m_server.route(kBedrockPath + (stream ? "/converse-stream" : "/converse"), std::move(reply));
        EndpointSettings s;
        s.baseUrl = m_server.baseUrl();
        BedrockOptions o;
        o.credentials = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {} };
        BedrockProvider p(m_client, s, o);
        return runToCompletion(p, chatRequest(kBedrockModel, stream));
    }

    LoopbackServer m_server;
    HttpClient m_client;
};

void TestProviderFaults::initTestCase()
{
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
}

void TestProviderFaults::cleanupTestCase()
{
    m_server.stop();
}

void TestProviderFaults::rateLimitedWithRetryAfter()
{
    const Completion c = openAiCall(jsonStatus(429,
        R"({"error":{"message":"Rate limit reached for requests","type":"requests"}})", { { "Retry-After", "7" } }));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::RateLimited);
    QCOMPARE(c.error->retryAfterMs, std::optional<std::int64_t>(7000));
    QCOMPARE(c.stats.httpStatus, 429);
    QVERIFY2(contains(c.error->error.message, "Rate limit reached for requests"), c.error->error.message.c_str());
    QVERIFY(contains(c.error->error.message, "retry after 7 s"));
}

void TestProviderFaults::retryAfterForms()
{
    const std::int64_t now = 1445412480000; // Wed, 21 Oct 2015 07:28:00 GMT
    QCOMPARE(parseRetryAfter("120", now), std::optional<std::int64_t>(120000));
    QCOMPARE(parseRetryAfter(" 0 ", now), std::optional<std::int64_t>(0));
    QCOMPARE(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), std::optional<std::int64_t>(30000));
    QCOMPARE(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), std::optional<std::int64_t>(0)); // past
    QCOMPARE(parseRetryAfter("soon", now), std::nullopt);
    QCOMPARE(parseRetryAfter("", now), std::nullopt);
    QCOMPARE(parseRetryAfter("-5", now), std::nullopt);
}

void TestProviderFaults::serverError()
{
    const Completion c
        = openAiCall(jsonStatus(500, R"({"error":{"code":500,"message":"boom","type":"server_error"}})"));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "server error (HTTP 500): boom"));
    QVERIFY(!c.error->retryAfterMs);
}

void TestProviderFaults::badKey()
{
    // llama-server's wrong-key reply.
    const Completion c = openAiCall(
        jsonStatus(401, R"({"error":{"message":"Invalid API Key","type":"authentication_error","code":401}})"), false);
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Unauthorized);
    QVERIFY(contains(c.error->error.message, "The API key was rejected (HTTP 401): Invalid API Key"));
}

void TestProviderFaults::modelNotFound()
{
    const Completion c = openAiCall(
        jsonStatus(404, R"({"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error"}})"));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::NotFound);
    QVERIFY(contains(c.error->error.message, "model or endpoint was not found"));
    QVERIFY(contains(c.error->error.message, "gpt-9"));
}

void TestProviderFaults::contextTooLong()
{
    const Completion c = openAiCall(jsonStatus(400,
        R"({"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error","n_prompt_tokens":3028,"n_ctx":2048}})"));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Invalid);
    QVERIFY(contains(c.error->error.message, "exceeds the available context size"));
}

void TestProviderFaults::keyNeverInErrorMessage()
{
    // A server that echoes the key back in its error: the user-facing sentence must not carry it.
    const Completion c
        = openAiCall(jsonStatus(401, R"({"error":{"message":"Incorrect API key provided: sk-test-secret-key-123"}})"));
    QVERIFY(!c.ok());
    QVERIFY(!contains(c.error->error.describe(), "sk-test-secret-key-123"));
    QVERIFY(contains(c.error->error.message, "Incorrect API key provided: [redacted]"));
}

void TestProviderFaults::truncatedStreamKeepsPartialOutput()
{
    StreamScript s;
    s.omitEnd = true; // the body ends cleanly but without finish_reason or [DONE]
    const Completion c = openAiCall(openAiStream(s));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "ended before the model finished"));
    QVERIFY(contains(c.error->error.message, "partial output"));
    QCOMPARE(c.text, std::string("Hello, world!"));
    QVERIFY(c.stats.ttftMs >= 0);
}

void TestProviderFaults::droppedConnectionMidStream()
{
    StreamScript s;
    s.dropAfter = 2;
    const Completion c = openAiCall(openAiStream(s));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Network);
    QVERIFY2(contains(c.error->error.message, "lost before the response was complete"), c.error->error.message.c_str());
    QCOMPARE(c.text, std::string("Hello,"));
}

void TestProviderFaults::invalidJsonInStream()
{
    StreamScript s;
    s.garbageAfter = 1;
    const Completion c = openAiCall(openAiStream(s));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "malformed streaming data"));
    QCOMPARE(c.text, std::string("Hello"));
}

void TestProviderFaults::invalidJsonBody()
{
    const Completion c = openAiCall(
        [](const RecordedRequest&, ResponseWriter& w) {
            w.send(200, { { "Content-Type", "application/json" } }, "<html>oops");
        },
        false);
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "not valid JSON: \"<html>oops\""));
}

void TestProviderFaults::stallTriggersIdleTimeout()
{
    StreamScript s;
    s.stallAfter = 2;
    s.stallMs = 120'000; // the server goes silent for far longer than the 400 ms idle limit (cut short at teardown)
    auto finished = std::make_shared<std::atomic<bool>>(false);
    const Completion c = openAiCall(tracked(openAiStream(s), finished), true, 400);
    QVERIFY(!finished->load()); // the call ended while the server was still silent: the idle timer ended it
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Timeout);
    QVERIFY(contains(c.error->error.message, "idle timeout"));
    QCOMPARE(c.text, std::string("Hello,"));
}

void TestProviderFaults::slowBodyWithinIdleLimit()
{
    StreamScript s;
    s.tokens = std::vector<std::string>(50, "t");
    s.delayMs = 50; // gaps of 50 ms against a 2 s idle limit; 50 × 50 ms = 2.5 s in all, longer than the limit
    const Completion c = openAiCall(openAiStream(s), true, 2000);
    QVERIFY2(c.ok(), c.error ? c.error->error.message.c_str() : "");
    QCOMPARE(c.text, std::string(50, 't'));
    QVERIFY(c.stats.latencyMs >= 2400); // a lower bound: the whole stream outlasted the idle limit
}

void TestProviderFaults::ttftMeasured()
{
    StreamScript s;
    s.firstDelayMs = 250;
    s.delayMs = 20;
    const Completion c = openAiCall(openAiStream(s));
    QVERIFY(c.ok());
    // Lower bounds and order only: the first token, not the head (sent at once), and before the last one.
    QVERIFY2(c.stats.ttftMs >= 240, std::to_string(c.stats.ttftMs).c_str());
    QVERIFY(c.stats.latencyMs >= c.stats.ttftMs + 50);
    // 4 tokens over the ~60 ms after the first: the decode rate, not diluted by the wait for the first token.
    QVERIFY(c.stats.outputTokensPerSecond > 4.0 * 1000.0 / c.stats.latencyMs);
}

void TestProviderFaults::cancelMidStreamIsACancel()
{
    StreamScript s;
    s.tokens = std::vector<std::string>(400, "tok ");
    s.delayMs = 50; // 20 s of stream: only the cancel can end the call before the server is done
    auto finished = std::make_shared<std::atomic<bool>>(false);
    m_server.route("/v1/chat/completions", tracked(openAiStream(s), finished));
    OpenAiProvider p = openAi();
    std::stop_source stop;
    ProviderRequest req = chatRequest("test-model", true);
    req.cancel = stop.get_token();
    CompletionCollector collector;
    std::promise<void> firstDelta;
    std::atomic<bool> signalled { false };
    auto inner = collector.sink();
    QVERIFY(p.start(req, [&](ProviderEvent&& e) {
                 if (std::holds_alternative<TokenDelta>(e) && !signalled.exchange(true))
                     firstDelta.set_value();
                 inner(std::move(e));
             }).ok());
    firstDelta.get_future().wait();
    stop.request_stop();
    const Completion c = collector.wait();
    QVERIFY(!finished->load()); // ended by the cancel, with the server still streaming
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Cancelled);
    QCOMPARE(c.error->error.message, std::string("The request was cancelled."));
    QVERIFY(!c.text.empty());
    QVERIFY(c.deltaCount < 400);
}

void TestProviderFaults::anthropicErrorEvent()
{
    m_server.route("/v1/messages", [](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/event-stream" } });
        w.chunk("event: message_start\ndata: "
                "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n");
        w.chunk("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                "\"text_delta\",\"text\":\"Par\"}}\n\n");
        w.chunk("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                "\"Overloaded\"}}\n\n");
        w.endChunked();
    });
    EndpointSettings s;
    s.baseUrl = m_server.baseUrl();
    s.apiKey = "sk-ant-test";
    AnthropicProvider p(m_client, s);
    const Completion c = runToCompletion(p, chatRequest("claude-test", true));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "overloaded_error): Overloaded. The partial output"));
    QCOMPARE(c.text, std::string("Par"));
    QCOMPARE(c.stats.usage.inputTokens, std::int64_t(3));
    QVERIFY(!shouldRetry(*c.error)); // output had started: an in-stream error is not paid for again
}

void TestProviderFaults::anthropicOverloadedBeforeOutput()
{
    m_server.route("/v1/messages", [](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "text/event-stream" } });
        w.chunk("event: message_start\ndata: "
                "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n");
        w.chunk("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                "\"Overloaded\"}}\n\n");
        w.endChunked();
    });
    EndpointSettings s;
    s.baseUrl = m_server.baseUrl();
    s.apiKey = "sk-ant-test";
    AnthropicProvider p(m_client, s);
    const Completion c = runToCompletion(p, chatRequest("claude-test", true));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QCOMPARE(c.error->error.message, std::string("Anthropic reported an error (overloaded_error): Overloaded."));
    QVERIFY(c.text.empty());
    QVERIFY(shouldRetry(*c.error)); // busy before any output: retried like a 529
}

void TestProviderFaults::anthropicOverloadedStatus()
{
    m_server.route("/v1/messages",
        jsonStatus(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
    EndpointSettings s;
    s.baseUrl = m_server.baseUrl();
    s.apiKey = "sk-ant-test";
    AnthropicProvider p(m_client, s);
    const Completion c = runToCompletion(p, chatRequest("claude-test", false));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "HTTP 529): Overloaded"));
}

void TestProviderFaults::bedrockThrottlingException()
{
    m_server.route(kBedrockPath + "/converse-stream", [](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", "application/vnd.amazon.eventstream" } });
        w.chunk(bedrockEventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})"));
        w.chunk(bedrockExceptionFrame("throttlingException", "Too many requests, please wait"));
        w.endChunked();
    });
    EndpointSettings s;
    s.baseUrl = m_server.baseUrl();
    BedrockOptions o;
    o.credentials = { "AKID", "secret", {} };
    BedrockProvider p(m_client, s, o);
    const Completion c = runToCompletion(p, chatRequest(kBedrockModel, true));
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::RateLimited);
    QVERIFY(contains(c.error->error.message, "throttlingException: Too many requests"));
    QCOMPARE(c.text, std::string("Hi"));
}

void TestProviderFaults::bedrockCorruptFrame()
{
    const Completion c = bedrockCall([](const RecordedRequest&, ResponseWriter& w) {
        std::string bad = bedrockEventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"XY"}})");
        bad[bad.size() - 10] = '!';
        w.beginChunked(200, { { "Content-Type", "application/vnd.amazon.eventstream" } });
        w.chunk(bedrockEventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"ok"}})"));
        w.chunk(bad);
        w.endChunked();
    });
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "corrupt (message checksum mismatch)"));
    QCOMPARE(c.text, std::string("ok"));
}

void TestProviderFaults::bedrockTruncatedFrame()
{
    const Completion c = bedrockCall([](const RecordedRequest&, ResponseWriter& w) {
        const std::string frame
            = bedrockEventFrame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"a"}})");
        w.beginChunked(200, { { "Content-Type", "application/vnd.amazon.eventstream" } });
        w.chunk(frame);
        w.chunk(frame.substr(0, frame.size() / 2));
        w.endChunked();
    });
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Provider);
    QVERIFY(contains(c.error->error.message, "cut in the middle of a frame"));
    QCOMPARE(c.text, std::string("a"));
}

void TestProviderFaults::bedrockBadSignatureStatus()
{
    const Completion c = bedrockCall(
        jsonStatus(403,
            R"({"message":"The request signature we calculated does not match the signature you provided."})",
            { { "x-amzn-ErrorType", "InvalidSignatureException:http://internal.amazon.com/" } }),
        false);
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Unauthorized);
    QVERIFY2(contains(c.error->error.message, "InvalidSignatureException: The request signature"),
        c.error->error.message.c_str());
    QVERIFY(!contains(c.error->error.describe(), "wJalrXUtnFEMI"));
}

void TestProviderFaults::totalTimeout()
{
    auto finished = std::make_shared<std::atomic<bool>>(false);
    m_server.route("/v1/chat/completions",
        tracked(
            [](const RecordedRequest&, ResponseWriter& w) {
                w.sleepMs(120'000); // far past the 0.3 s limit (cut short at teardown)
                w.send(200, {}, "{}");
            },
            finished));
    EndpointSettings s;
    s.baseUrl = m_server.baseUrl() + "/v1";
    s.totalTimeoutMs = 300;
    OpenAiProvider p(m_client, s);
    const Completion c = runToCompletion(p, chatRequest("test-model", false));
    QVERIFY(!finished->load()); // the server had not answered: the time limit ended the call
    QVERIFY(!c.ok());
    QCOMPARE(c.error->error.code, ErrorCode::Timeout);
    QVERIFY2(contains(c.error->error.message, "time limit of 0.3 s"), c.error->error.message.c_str());
}

QTEST_GUILESS_MAIN(TestProviderFaults)
#include "tst_providerfaults.moc"
