// SPDX-License-Identifier: MIT
#include "providers/sseparser.h"

namespace assay::core {

SseParser::SseParser(std::size_t maxEventBytes)
    : m_maxEventBytes(maxEventBytes)
{
}

bool SseParser::hasPendingEvent() const
{
    return m_hasData || !m_line.empty() || !m_event.empty();
}

bool SseParser::dispatch(const EventCallback& onEvent)
{
    if (!m_hasData) {
        m_event.clear();
        return true;
    }
    SseEvent ev;
    ev.event = std::move(m_event);
    ev.data = std::move(m_data);
    if (!ev.data.empty() && ev.data.back() == '\n')
        ev.data.pop_back();
    ev.id = m_id; // the last event id persists across events
    m_event.clear();
    m_data.clear();
    m_hasData = false;
    return onEvent(ev);
}

bool SseParser::processLine(std::string_view line, const EventCallback& onEvent)
{
    if (line.empty())
        return dispatch(onEvent);
    if (line.front() == ':')
        return true; // comment (keep-alive pings)
    std::string_view field = line;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
    }
    if (field == "data") {
        m_data.append(value);
        m_data.push_back('\n');
        m_hasData = true;
    } else if (field == "event") {
        m_event.assign(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos)
            m_id.assign(value);
    }
    // "retry" and unknown fields are ignored.
    return true;
}

Status SseParser::feed(std::string_view bytes, const EventCallback& onEvent)
{
    if (m_stopped)
        return {};
    if (m_atStart && !bytes.empty()) {
        static constexpr std::string_view bom = "\xEF\xBB\xBF";
        // The BOM may itself be split; keep it in m_line until three bytes are known.
        m_line.append(bytes);
        if (m_line.size() < bom.size() && bom.starts_with(m_line))
            return {};
        m_atStart = false;
        std::string first = std::move(m_line);
        m_line.clear();
        std::string_view rest(first);
        if (rest.starts_with(bom))
            rest.remove_prefix(bom.size());
        return feed(std::string(rest), onEvent);
    }
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        if (m_skipLf) {
            m_skipLf = false;
            if (bytes[pos] == '\n') {
                ++pos;
                continue;
            }
        }
        const auto eol = bytes.find_first_of("\r\n", pos);
        if (eol == std::string_view::npos) {
            m_line.append(bytes.substr(pos));
            break;
        }
        bool keepGoing;
        if (m_line.empty()) {
            keepGoing = processLine(bytes.substr(pos, eol - pos), onEvent);
        } else {
            m_line.append(bytes.substr(pos, eol - pos));
            keepGoing = processLine(m_line, onEvent);
            m_line.clear();
        }
        if (bytes[eol] == '\r') {
            if (eol + 1 < bytes.size()) {
                pos = eol + 1 + (bytes[eol + 1] == '\n' ? 1 : 0);
            } else {
                m_skipLf = true;
                pos = eol + 1;
            }
        } else {
            pos = eol + 1;
        }
        if (!keepGoing) {
            m_stopped = true;
            return {};
        }
    }
    if (m_line.size() + m_data.size() > m_maxEventBytes)
        return makeError(ErrorCode::Provider,
            "The provider sent a streaming event larger than " + std::to_string(m_maxEventBytes) + " bytes.");
    return {};
}

} // namespace assay::core
