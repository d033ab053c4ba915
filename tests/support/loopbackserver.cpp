// SPDX-License-Identifier: MIT
#include "loopbackserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace assay::test {

namespace {
std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(
        out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

const char* reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

std::string head(int status, const Headers& headers)
{
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
    for (const auto& [k, v] : headers)
        out += k + ": " + v + "\r\n";
    return out;
}
} // namespace

std::string RecordedRequest::header(std::string_view name) const
{
    const std::string want = lower(name);
    for (const auto& [k, v] : headers) {
        if (lower(k) == want)
            return v;
    }
    return {};
}

ResponseWriter::ResponseWriter(int fd, const std::atomic<bool>* stop)
    : m_fd(fd)
    , m_stop(stop)
{
}

bool ResponseWriter::writeAll(std::string_view bytes)
{
    if (m_dropped)
        return false;
    m_wrote = true;
    while (!bytes.empty()) {
        const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            m_dropped = true;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool ResponseWriter::send(int status, const Headers& headers, std::string_view body)
{
    std::string out = head(status, headers);
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (m_closeAfter)
        out += "Connection: close\r\n";
    out += "\r\n";
    out += body;
    return writeAll(out);
}

bool ResponseWriter::beginChunked(int status, const Headers& headers)
{
    std::string out = head(status, headers);
    out += "Transfer-Encoding: chunked\r\n";
    if (m_closeAfter)
        out += "Connection: close\r\n";
    out += "\r\n";
    return writeAll(out);
}

bool ResponseWriter::chunk(std::string_view data)
{
    if (data.empty())
        return true; // an empty chunk would end the body
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out(size);
    out += data;
    out += "\r\n";
    return writeAll(out);
}

bool ResponseWriter::endChunked()
{
    return writeAll("0\r\n\r\n");
}

bool ResponseWriter::raw(std::string_view bytes)
{
    return writeAll(bytes);
}

void ResponseWriter::sleepMs(int ms)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until && !(m_stop && m_stop->load()))
        std::this_thread::sleep_for(std::min(std::chrono::milliseconds(5),
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())));
}

void ResponseWriter::drop()
{
    if (!m_dropped)
        ::shutdown(m_fd, SHUT_RDWR);
    m_dropped = true;
    m_wrote = true;
}

LoopbackServer::LoopbackServer() = default;

LoopbackServer::~LoopbackServer()
{
    stop();
}

std::string LoopbackServer::baseUrl() const
{
    return "http://127.0.0.1:" + std::to_string(m_port);
}

bool LoopbackServer::start()
{
    m_listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listenFd < 0) {
        m_error = std::strerror(errno);
        return false;
    }
    int one = 1;
    ::setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(m_listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listenFd, 1024) != 0) {
        m_error = std::strerror(errno);
        ::close(m_listenFd);
        m_listenFd = -1;
        return false;
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_acceptThread = std::thread([this] { acceptLoop(); });
    return true;
}

void LoopbackServer::stop()
{
    if (m_listenFd < 0)
        return;
    m_stopping = true;
    ::shutdown(m_listenFd, SHUT_RDWR);
    if (m_acceptThread.joinable())
        m_acceptThread.join();
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_openFds)
            ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& c : m_connections) {
        if (c.thread.joinable())
            c.thread.join();
    }
    m_connections.clear();
    ::close(m_listenFd);
    m_listenFd = -1;
}

void LoopbackServer::route(const std::string& path, Handler handler)
{
    std::lock_guard lock(m_mutex);
    m_routes[path] = std::move(handler);
}

std::vector<RecordedRequest> LoopbackServer::requests() const
{
    std::lock_guard lock(m_mutex);
    return m_requests;
}

void LoopbackServer::clearRequests()
{
    std::lock_guard lock(m_mutex);
    m_requests.clear();
}

Handler LoopbackServer::handlerFor(const std::string& path) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_routes.find(path);
    if (it != m_routes.end())
        return it->second;
    return [](const RecordedRequest& r, ResponseWriter& w) {
        w.send(404, { { "Content-Type", "application/json" } },
            R"({"error":{"message":"no route for )" + r.path + R"(","type":"not_found_error"}})");
    };
}

void LoopbackServer::reapFinished()
{
    for (auto it = m_connections.begin(); it != m_connections.end();) {
        if (it->done->load()) {
            it->thread.join();
            it = m_connections.erase(it);
        } else {
            ++it;
        }
    }
}

void LoopbackServer::acceptLoop()
{
    while (!m_stopping.load()) {
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; // shut down
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
            std::lock_guard lock(m_mutex);
            m_openFds.insert(fd);
        }
        const std::uint64_t id = ++m_connectionCount;
        reapFinished();
        auto done = std::make_shared<std::atomic<bool>>(false);
        m_connections.push_back({ std::thread([this, fd, id, done] {
                                     serve(fd, id);
                                     done->store(true);
                                 }),
            done });
    }
}

void LoopbackServer::serve(int fd, std::uint64_t connectionId)
{
    std::string buf;
    char tmp[16384];
    auto fill = [&]() {
        const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0)
            return false;
        buf.append(tmp, static_cast<std::size_t>(n));
        return true;
    };
    std::uint64_t served = 0; // requests read on this connection
    while (!m_stopping.load()) {
        std::size_t headerEnd;
        bool alive = true;
        while ((headerEnd = buf.find("\r\n\r\n")) == std::string::npos && (alive = fill())) { }
        if (!alive)
            break;
        RecordedRequest req;
        req.connection = connectionId;
        const std::string_view block(buf.data(), headerEnd);
        const auto firstEol = block.find("\r\n");
        const std::string_view requestLine = block.substr(0, firstEol);
        const auto sp1 = requestLine.find(' ');
        const auto sp2 = requestLine.rfind(' ');
        if (sp1 == std::string_view::npos || sp2 == sp1)
            break;
        req.method = std::string(requestLine.substr(0, sp1));
        req.target = std::string(requestLine.substr(sp1 + 1, sp2 - sp1 - 1));
        const auto q = req.target.find('?');
        req.path = req.target.substr(0, q);
        req.query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
        std::size_t pos = firstEol == std::string_view::npos ? block.size() : firstEol + 2;
        while (pos < block.size()) {
            auto eol = block.find("\r\n", pos);
            if (eol == std::string_view::npos)
                eol = block.size();
            const std::string_view line = block.substr(pos, eol - pos);
            const auto colon = line.find(':');
            if (colon != std::string_view::npos) {
                std::string_view v = line.substr(colon + 1);
                while (!v.empty() && v.front() == ' ')
                    v.remove_prefix(1);
                req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
            }
            pos = eol + 2;
        }
        buf.erase(0, headerEnd + 4);
        const std::string cl = req.header("Content-Length");
        const std::size_t length = cl.empty() ? 0 : std::stoul(cl);
        if (lower(req.header("Expect")) == "100-continue")
            ::send(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
        while (buf.size() < length && (alive = fill())) { }
        if (!alive)
            break;
        req.body = buf.substr(0, length);
        buf.erase(0, length);
        ++m_requestCount;
        if (m_recording.load()) {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(req);
        }
        if (served++ > 0 && m_closeReused.load()) {
            ++m_unanswered;
            break; // closed below without answering
        }
        ResponseWriter writer(fd, &m_stopping);
        if (lower(req.header("Connection")) == "close")
            writer.closeAfter();
        handlerFor(req.path)(req, writer);
        if (!writer.wroteAnything())
            writer.send(500, {}, "the test handler wrote nothing");
        if (writer.closeAfterResponse())
            break;
    }
    {
        std::lock_guard lock(m_mutex);
        m_openFds.erase(fd);
    }
    ::close(fd);
}

} // namespace assay::test
