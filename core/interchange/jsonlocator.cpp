// SPDX-License-Identifier: MIT
#include "interchange/jsonlocator.h"

#include <nlohmann/json.hpp>

#include <iterator>
#include <vector>

namespace assay::core {

namespace {

struct Segment {
    bool isIndex = false;
    std::size_t index = 0;
    std::string key;
    bool operator==(const Segment&) const = default;
};

std::vector<Segment> splitPath(const std::string& path)
{
    std::vector<Segment> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '.') {
            ++i;
        } else if (path[i] == '[') {
            const auto close = path.find(']', i);
            if (close == std::string::npos)
                break;
            Segment s;
            s.isIndex = true;
            for (std::size_t k = i + 1; k < close; ++k)
                if (path[k] >= '0' && path[k] <= '9')
                    s.index = s.index * 10 + static_cast<std::size_t>(path[k] - '0');
            out.push_back(s);
            i = close + 1;
        } else {
            const auto end = path.find_first_of(".[", i);
            Segment s;
            s.key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
            out.push_back(std::move(s));
            i = end == std::string::npos ? path.size() : end;
        }
    }
    return out;
}

/// A char iterator that remembers the last byte the parser read.
struct TrackingIterator {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char* p = nullptr;
    const char** last = nullptr;

    reference operator*() const
    {
        *last = p;
        return *p;
    }
    TrackingIterator& operator++()
    {
        ++p;
        return *this;
    }
    TrackingIterator operator++(int)
    {
        TrackingIterator old = *this;
        ++p;
        return old;
    }
    bool operator==(const TrackingIterator& other) const { return p == other.p; }
};

using json = nlohmann::json;

class Locator : public nlohmann::json_sax<json> {
public:
    Locator(std::string_view text, const char** last, std::vector<Segment> target)
        : m_text(text)
        , m_last(last)
        , m_target(std::move(target))
    {
    }

    std::optional<std::size_t> found() const { return m_best; }

    bool null() override { return value(false); }
    bool boolean(bool) override { return value(false); }
    bool number_integer(number_integer_t) override { return value(false); }
    bool number_unsigned(number_unsigned_t) override { return value(false); }
    bool number_float(number_float_t, const string_t&) override { return value(false); }
    bool string(string_t&) override { return value(false); }
    bool binary(binary_t&) override { return value(false); }
    bool start_object(std::size_t) override { return value(true); }
    bool start_array(std::size_t) override { return value(true); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override
    {
        const std::size_t start = tokenStart();
        m_frames.back().key = k;
        Segment s;
        s.key = k;
        return !matched(s, start, true);
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    struct Frame {
        bool isArray = false;
        std::size_t next = 0;
        std::string key;
    };

    /// The first byte of the token just read: skips what separates it from the previous one.
    std::size_t tokenStart()
    {
        std::size_t i = m_end;
        while (i < m_text.size()
            && (m_text[i] == ' ' || m_text[i] == '\t' || m_text[i] == '\r' || m_text[i] == '\n' || m_text[i] == ','
                || m_text[i] == ':'))
            ++i;
        m_end = *m_last ? static_cast<std::size_t>(*m_last - m_text.data()) + 1 : 0;
        return i;
    }

    /// Records @p s (a child of the current path) when it is on the target path; true when it is the target.
    bool matched(const Segment& s, std::size_t start, bool isKey)
    {
        const std::size_t depth = m_path.size();
        if (m_prefixOk != depth || depth >= m_target.size() || !(m_target[depth] == s))
            return false;
        if (depth + 1 > m_bestDepth || (isKey && depth + 1 == m_bestDepth)) {
            m_bestDepth = depth + 1;
            m_best = start;
        }
        return isKey && depth + 1 == m_target.size();
    }

    bool value(bool opens)
    {
        const std::size_t start = tokenStart();
        Segment s;
        if (!m_frames.empty()) {
            auto& f = m_frames.back();
            if (f.isArray) {
                s.isIndex = true;
                s.index = f.next++;
            } else {
                s.key = f.key;
            }
        }
        bool done = false;
        if (!m_frames.empty()) {
            // A keyed value was located by its key already; an element is located here.
            if (s.isIndex)
                done = matched(s, start, false) && m_path.size() + 1 == m_target.size();
        } else if (m_best == std::nullopt) {
            m_best = start; // the root
        }
        if (done)
            return false;
        if (opens) {
            const bool onTarget = !m_frames.empty() && m_prefixOk == m_path.size() && m_path.size() < m_target.size()
                && m_target[m_path.size()] == s;
            if (!m_frames.empty()) {
                m_path.push_back(s);
                if (onTarget)
                    m_prefixOk = m_path.size();
            }
            Frame f;
            f.isArray = m_text[start] == '[';
            m_frames.push_back(std::move(f));
        }
        return true;
    }

    bool close()
    {
        tokenStart();
        m_frames.pop_back();
        if (!m_path.empty()) {
            if (m_prefixOk == m_path.size())
                --m_prefixOk;
            m_path.pop_back();
        }
        return true;
    }

    std::string_view m_text;
    const char** m_last;
    std::vector<Segment> m_target;
    std::vector<Segment> m_path; ///< path of the innermost open container (root excluded)
    std::vector<Frame> m_frames;
    std::size_t m_prefixOk = 0; ///< how many leading segments of m_path are on the target path
    std::size_t m_end = 0; ///< just past the last token
    std::optional<std::size_t> m_best;
    std::size_t m_bestDepth = 0;
};

} // namespace

std::optional<std::size_t> locateJsonField(std::string_view text, const std::string& path)
{
    const char* last = nullptr;
    Locator locator(text, &last, splitPath(path));
    TrackingIterator first { text.data(), &last };
    TrackingIterator end { text.data() + text.size(), &last };
    try {
        (void)json::sax_parse(first, end, &locator);
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    return locator.found();
}

} // namespace assay::core
