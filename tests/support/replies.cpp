// SPDX-License-Identifier: MIT
#include "replies.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

namespace assay::test {

namespace {
using nlohmann::json;

void putBe32(std::string& out, std::uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFFu));
}

std::uint32_t zcrc(std::string_view bytes)
{
    return static_cast<std::uint32_t>(
        ::crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

/// Frames of one streaming reply, in provider shape.
struct Frames {
    std::string contentType;
    std::vector<std::string> head; ///< before the tokens
    std::vector<std::string> tokens; ///< one per token
    std::vector<std::string> tail; ///< finish, usage, end marker
    std::string garbage; ///< a not-JSON event
};

void writeChunk(ResponseWriter& w, const StreamScript& s, const std::string& frame)
{
    if (s.byteByByte) {
        for (const char c : frame)
            w.chunk(std::string_view(&c, 1));
    } else {
        w.chunk(frame);
    }
}

Handler streamFrames(Frames f, StreamScript s)
{
    return [f = std::move(f), s = std::move(s)](const RecordedRequest&, ResponseWriter& w) {
        w.beginChunked(200, { { "Content-Type", f.contentType }, { "Cache-Control", "no-cache" } });
        for (const auto& h : f.head)
            writeChunk(w, s, h);
        for (std::size_t i = 0; i < f.tokens.size(); ++i) {
            const int n = static_cast<int>(i);
            if (n == s.dropAfter) {
                w.drop();
                return;
            }
            if (n == s.stallAfter)
                w.sleepMs(s.stallMs);
            if (n == s.garbageAfter)
                writeChunk(w, s, f.garbage);
            const int delay = i == 0 ? s.firstDelayMs + s.delayMs : s.delayMs;
            if (delay > 0)
                w.sleepMs(delay);
            writeChunk(w, s, f.tokens[i]);
            if (w.dropped())
                return;
        }
        if (s.dropAfter >= 0 && static_cast<std::size_t>(s.dropAfter) >= f.tokens.size()) {
            w.drop();
            return;
        }
        if (!s.omitEnd) {
            for (const auto& t : f.tail)
                writeChunk(w, s, t);
        }
        w.endChunked();
    };
}

std::string sse(const StreamScript& s, const std::string& data, const std::string& event = {})
{
    const std::string nl = s.crlf ? "\r\n" : "\n";
    std::string out;
    if (s.comments)
        out += ": keep-alive" + nl;
    if (!event.empty())
        out += "event: " + event + nl;
    out += "data: " + data + nl + nl;
    return out;
}
} // namespace

Handler jsonStatus(int status, std::string body, Headers extra)
{
    return [status, body = std::move(body), extra = std::move(extra)](const RecordedRequest&, ResponseWriter& w) {
        Headers h = extra;
        h.emplace_back("Content-Type", "application/json");
        w.send(status, h, body);
    };
}

Handler openAiStream(StreamScript s)
{
    Frames f;
    f.contentType = "text/event-stream";
    const json base = { { "id", "chatcmpl-1" }, { "object", "chat.completion.chunk" }, { "model", "test-model" } };
    json first = base;
    first["choices"] = json::array({ { { "index", 0 }, { "delta", { { "role", "assistant" }, { "content", nullptr } } },
        { "finish_reason", nullptr } } });
    f.head.push_back(sse(s, first.dump()));
    for (const auto& t : s.tokens) {
        json c = base;
        c["choices"]
            = json::array({ { { "index", 0 }, { "delta", { { "content", t } } }, { "finish_reason", nullptr } } });
        f.tokens.push_back(sse(s, c.dump()));
    }
    json fin = base;
    fin["choices"] = json::array({ { { "index", 0 }, { "delta", json::object() },
        { "finish_reason", s.finishReason.empty() ? "stop" : s.finishReason } } });
    f.tail.push_back(sse(s, fin.dump()));
    if (s.usage) {
        json u = base;
        u["choices"] = json::array();
        u["usage"] = { { "prompt_tokens", s.inputTokens }, { "completion_tokens", s.tokens.size() },
            { "total_tokens", s.inputTokens + static_cast<std::int64_t>(s.tokens.size()) } };
        u["timings"]
            = { { "prompt_n", s.inputTokens }, { "predicted_n", s.tokens.size() }, { "predicted_per_second", 123.5 } };
        f.tail.push_back(sse(s, u.dump()));
    }
    f.tail.push_back(sse(s, "[DONE]"));
    f.garbage = sse(s, "{\"choices\": [ this is not json");
    return streamFrames(std::move(f), std::move(s));
}

Handler openAiJson(std::string text, std::int64_t in, std::int64_t out)
{
    const json body = { { "id", "chatcmpl-2" }, { "object", "chat.completion" }, { "model", "test-model" },
        { "system_fingerprint", "b1-test" },
        { "choices",
            json::array({ { { "index", 0 }, { "message", { { "role", "assistant" }, { "content", text } } },
                { "finish_reason", "stop" } } }) },
        { "usage", { { "prompt_tokens", in }, { "completion_tokens", out }, { "total_tokens", in + out } } },
        { "timings", { { "prompt_n", in }, { "predicted_n", out }, { "predicted_per_second", 99.0 } } } };
    return jsonStatus(200, body.dump());
}

Handler anthropicStream(StreamScript s)
{
    Frames f;
    f.contentType = "text/event-stream";
    const json start = { { "type", "message_start" },
        { "message",
            { { "id", "msg_1" }, { "type", "message" }, { "role", "assistant" }, { "model", "claude-test" },
                { "content", json::array() },
                { "usage", { { "input_tokens", s.inputTokens }, { "output_tokens", 1 } } } } } };
    f.head.push_back(sse(s, start.dump(), "message_start"));
    const json blockStart = { { "type", "content_block_start" }, { "index", 0 },
        { "content_block", { { "type", "text" }, { "text", "" } } } };
    f.head.push_back(sse(s, blockStart.dump(), "content_block_start"));
    f.head.push_back(sse(s, R"({"type": "ping"})", "ping"));
    for (const auto& t : s.tokens) {
        const json d = { { "type", "content_block_delta" }, { "index", 0 },
            { "delta", { { "type", "text_delta" }, { "text", t } } } };
        f.tokens.push_back(sse(s, d.dump(), "content_block_delta"));
    }
    f.tail.push_back(sse(s, R"({"type":"content_block_stop","index":0})", "content_block_stop"));
    json md = { { "type", "message_delta" },
        { "delta", { { "stop_reason", s.finishReason.empty() ? "end_turn" : s.finishReason } } } };
    if (s.usage)
        md["usage"] = { { "output_tokens", s.tokens.size() } };
    f.tail.push_back(sse(s, md.dump(), "message_delta"));
    f.tail.push_back(sse(s, R"({"type":"message_stop"})", "message_stop"));
    f.garbage = sse(s, "{not json", "content_block_delta");
    return streamFrames(std::move(f), std::move(s));
}

Handler anthropicJson(std::string text, std::int64_t in, std::int64_t out)
{
    const json body = { { "id", "msg_2" }, { "type", "message" }, { "role", "assistant" }, { "model", "claude-test" },
        { "content", json::array({ { { "type", "text" }, { "text", text } } }) }, { "stop_reason", "end_turn" },
        { "usage", { { "input_tokens", in }, { "output_tokens", out } } } };
    return jsonStatus(200, body.dump());
}

std::string encodeEventStreamFrame(const Headers& headers, std::string_view payload)
{
    std::string h;
    for (const auto& [name, value] : headers) {
        h.push_back(static_cast<char>(name.size()));
        h += name;
        h.push_back(7); // string
        h.push_back(static_cast<char>((value.size() >> 8) & 0xFF));
        h.push_back(static_cast<char>(value.size() & 0xFF));
        h += value;
    }
    std::string out;
    putBe32(out, static_cast<std::uint32_t>(12 + h.size() + payload.size() + 4));
    putBe32(out, static_cast<std::uint32_t>(h.size()));
    putBe32(out, zcrc(out));
    out += h;
    out += payload;
    putBe32(out, zcrc(out));
    return out;
}

std::string bedrockEventFrame(const std::string& eventType, const std::string& jsonPayload)
{
    return encodeEventStreamFrame(
        { { ":event-type", eventType }, { ":content-type", "application/json" }, { ":message-type", "event" } },
        jsonPayload);
}

std::string bedrockExceptionFrame(const std::string& exceptionType, const std::string& message)
{
    return encodeEventStreamFrame({ { ":exception-type", exceptionType }, { ":content-type", "application/json" },
                                      { ":message-type", "exception" } },
        json({ { "message", message } }).dump());
}

Handler bedrockStream(StreamScript s)
{
    Frames f;
    f.contentType = "application/vnd.amazon.eventstream";
    f.head.push_back(bedrockEventFrame("messageStart", R"({"p":"abcd","role":"assistant"})"));
    for (const auto& t : s.tokens) {
        const json d = { { "contentBlockIndex", 0 }, { "delta", { { "text", t } } }, { "p", "abcdefgh" } };
        f.tokens.push_back(bedrockEventFrame("contentBlockDelta", d.dump()));
    }
    f.tail.push_back(bedrockEventFrame("contentBlockStop", R"({"contentBlockIndex":0,"p":"ab"})"));
    f.tail.push_back(bedrockEventFrame("messageStop",
        json({ { "stopReason", s.finishReason.empty() ? "end_turn" : s.finishReason }, { "p", "abc" } }).dump()));
    if (s.usage) {
        const json meta = { { "usage",
                                { { "inputTokens", s.inputTokens }, { "outputTokens", s.tokens.size() },
                                    { "totalTokens", s.inputTokens + static_cast<std::int64_t>(s.tokens.size()) } } },
            { "metrics", { { "latencyMs", 42 } } }, { "p", "abcdef" } };
        f.tail.push_back(bedrockEventFrame("metadata", meta.dump()));
    }
    f.garbage = bedrockEventFrame("contentBlockDelta", "{not json");
    return streamFrames(std::move(f), std::move(s));
}

Handler bedrockJson(std::string text, std::int64_t in, std::int64_t out)
{
    const json body
        = { { "output",
                { { "message", { { "role", "assistant" }, { "content", json::array({ { { "text", text } } }) } } } } },
              { "stopReason", "end_turn" },
              { "usage", { { "inputTokens", in }, { "outputTokens", out }, { "totalTokens", in + out } } },
              { "metrics", { { "latencyMs", 17 } } } };
    return jsonStatus(200, body.dump());
}

} // namespace assay::test
