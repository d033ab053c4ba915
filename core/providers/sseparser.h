// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace assay::core {

/// One dispatched server-sent event.
struct SseEvent {
    std::string event; ///< the "event:" field; empty means "message"
    std::string data; ///< "data:" lines joined by '\n'
    std::string id;
};

/// Incremental parser for text/event-stream (WHATWG HTML §9.2): bytes may be split anywhere (even inside a
/// "\r\n"); lines end in \r\n, \n or \r; ':' lines are comments; several data lines join with '\n'; one leading
/// space after the colon is dropped; an event is dispatched at a blank line when it has data; a UTF-8 BOM at the
/// very start is skipped. Not thread-safe (one parser per stream).
class SseParser {
public:
    /// Return false from the callback to stop parsing (feed then returns early with ok status).
    using EventCallback = std::function<bool(const SseEvent&)>;

    explicit SseParser(std::size_t maxEventBytes = 8u << 20);

    /// Feeds the next bytes. Fails (Provider) only when one event grows beyond maxEventBytes.
    Status feed(std::string_view bytes, const EventCallback& onEvent);

    /// True when bytes of an event that has not been dispatched yet are buffered (a truncated stream).
    [[nodiscard]] bool hasPendingEvent() const;

private:
    bool processLine(std::string_view line, const EventCallback& onEvent);
    bool dispatch(const EventCallback& onEvent);

    std::size_t m_maxEventBytes;
    std::string m_line;
    std::string m_data;
    std::string m_event;
    std::string m_id;
    bool m_hasData = false;
    bool m_skipLf = false; ///< the previous chunk ended in '\r'; a leading '\n' belongs to it
    bool m_atStart = true; ///< BOM check pending
    bool m_stopped = false;
};

} // namespace assay::core
