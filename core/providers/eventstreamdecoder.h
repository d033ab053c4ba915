// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace assay::core {

/// One AWS eventstream message (application/vnd.amazon.eventstream). Header values are kept as text:
/// strings and byte arrays as they are, integers and timestamps in decimal, booleans "true"/"false",
/// UUIDs in hex.
struct EventStreamMessage {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string payload;
    [[nodiscard]] std::string header(std::string_view name) const; ///< "" when absent
};

/// Incremental decoder of AWS eventstream frames:
///   [total length u32 BE][headers length u32 BE][prelude CRC32][headers][payload][message CRC32]
/// Both CRCs are checked. Frames may arrive split at any byte. After the first error every feed fails.
class EventStreamDecoder {
public:
    using MessageCallback = std::function<bool(EventStreamMessage&&)>; ///< false = stop

    explicit EventStreamDecoder(std::size_t maxMessageBytes = 16u << 20);

    /// Fails (Provider) on a bad CRC, an impossible length or malformed headers.
    Status feed(std::string_view bytes, const MessageCallback& onMessage);

    /// True when part of a frame is buffered (the stream was cut mid-frame).
    [[nodiscard]] bool hasPartialMessage() const { return !m_buffer.empty(); }

private:
    Status decodeOne(std::string_view frame, EventStreamMessage& out) const;

    std::size_t m_maxMessageBytes;
    std::string m_buffer;
    std::optional<Error> m_failure;
    bool m_stopped = false;
};

} // namespace assay::core
