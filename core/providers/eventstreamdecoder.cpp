// SPDX-License-Identifier: MIT
#include "providers/eventstreamdecoder.h"
#include "util/crc32.h"

#include <cstdint>
#include <cstdio>

namespace assay::core {

namespace {
std::uint64_t readBe(std::string_view b, std::size_t at, std::size_t n)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = (v << 8) | static_cast<unsigned char>(b[at + i]);
    return v;
}

Error corrupt(const std::string& why)
{
    return makeError(ErrorCode::Provider, "The Bedrock response stream was corrupt (" + why + ").");
}
} // namespace

std::string EventStreamMessage::header(std::string_view name) const
{
    for (const auto& [k, v] : headers) {
        if (k == name)
            return v;
    }
    return {};
}

EventStreamDecoder::EventStreamDecoder(std::size_t maxMessageBytes)
    : m_maxMessageBytes(maxMessageBytes)
{
}

Status EventStreamDecoder::decodeOne(std::string_view frame, EventStreamMessage& out) const
{
    const std::size_t total = frame.size();
    const auto headersLength = static_cast<std::size_t>(readBe(frame, 4, 4));
    if (headersLength > total - 16)
        return corrupt("header length " + std::to_string(headersLength) + " exceeds the frame");
    const auto messageCrc = static_cast<std::uint32_t>(readBe(frame, total - 4, 4));
    if (crc32(frame.substr(0, total - 4)) != messageCrc)
        return corrupt("message checksum mismatch");
    std::string_view h = frame.substr(12, headersLength);
    std::size_t p = 0;
    auto need = [&](std::size_t n) { return p + n <= h.size(); };
    while (p < h.size()) {
        const std::size_t nameLen = static_cast<unsigned char>(h[p++]);
        if (!need(nameLen + 1))
            return corrupt("truncated header name");
        std::string name(h.substr(p, nameLen));
        p += nameLen;
        const int type = static_cast<unsigned char>(h[p++]);
        std::string value;
        switch (type) {
        case 0:
            value = "true";
            break;
        case 1:
            value = "false";
            break;
        case 2:
        case 3:
        case 4:
        case 5:
        case 8: {
            const std::size_t n = type == 2 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 8;
            if (!need(n))
                return corrupt("truncated header value");
            const std::uint64_t raw = readBe(h, p, n);
            const int shift = static_cast<int>(64 - 8 * n);
            const auto v = static_cast<std::int64_t>(raw << shift) >> shift; // sign-extend
            value = std::to_string(v);
            p += n;
            break;
        }
        case 6:
        case 7: {
            if (!need(2))
                return corrupt("truncated header value");
            const auto n = static_cast<std::size_t>(readBe(h, p, 2));
            p += 2;
            if (!need(n))
                return corrupt("truncated header value");
            value.assign(h.substr(p, n));
            p += n;
            break;
        }
        case 9: {
            if (!need(16))
                return corrupt("truncated header value");
            for (std::size_t i = 0; i < 16; ++i) {
                char hex[3];
                std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(h[p + i]));
                value += hex;
            }
            p += 16;
            break;
        }
        default:
            return corrupt("unknown header type " + std::to_string(type));
        }
        out.headers.emplace_back(std::move(name), std::move(value));
    }
    out.payload.assign(frame.substr(12 + headersLength, total - 16 - headersLength));
    return {};
}

Status EventStreamDecoder::feed(std::string_view bytes, const MessageCallback& onMessage)
{
    if (m_failure)
        return *m_failure;
    if (m_stopped)
        return {};
    m_buffer.append(bytes);
    std::size_t pos = 0;
    while (m_buffer.size() - pos >= 12) {
        const std::string_view view(m_buffer.data() + pos, m_buffer.size() - pos);
        const auto total = static_cast<std::size_t>(readBe(view, 0, 4));
        if (crc32(view.substr(0, 8)) != static_cast<std::uint32_t>(readBe(view, 8, 4))) {
            m_failure = corrupt("prelude checksum mismatch");
            break;
        }
        if (total < 16 || total > m_maxMessageBytes) {
            m_failure = corrupt("impossible frame length " + std::to_string(total));
            break;
        }
        if (view.size() < total)
            break; // wait for the rest of the frame
        EventStreamMessage message;
        if (Status s = decodeOne(view.substr(0, total), message); !s.ok()) {
            m_failure = s.error();
            break;
        }
        pos += total;
        if (!onMessage(std::move(message))) {
            m_stopped = true;
            break;
        }
    }
    m_buffer.erase(0, pos);
    if (m_failure)
        return *m_failure;
    return {};
}

} // namespace assay::core
