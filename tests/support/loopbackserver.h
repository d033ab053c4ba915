// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace assay::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One request as the server received it (for assertions on headers, bodies and signatures).
struct RecordedRequest {
    std::string method;
    std::string target; ///< as on the request line: path plus query, still percent-encoded
    std::string path; ///< target without the query
    std::string query;
    Headers headers;
    std::string body;
    std::uint64_t connection = 0; ///< which accepted connection carried it (keep-alive checks)
    [[nodiscard]] std::string header(std::string_view name) const; ///< case-insensitive, "" when absent
};

/// Writes one response on the connection. Every call returns false once the peer has gone.
class ResponseWriter {
public:
    explicit ResponseWriter(int fd, const std::atomic<bool>* stop = nullptr);
    /// A complete response with Content-Length.
    bool send(int status, const Headers& headers, std::string_view body);
    /// Status line and headers with Transfer-Encoding: chunked; follow with chunk() ... endChunked().
    bool beginChunked(int status, const Headers& headers);
    bool chunk(std::string_view data);
    bool endChunked();
    /// Raw bytes, for malformed replies.
    bool raw(std::string_view bytes);
    /// Sleeps (cut short when the server stops).
    void sleepMs(int ms);
    /// Shuts the socket down at once; the client sees a dropped connection.
    void drop();
    /// Close the connection after this response instead of keeping it alive.
    void closeAfter() { m_closeAfter = true; }

    [[nodiscard]] bool dropped() const { return m_dropped; }
    [[nodiscard]] bool wroteAnything() const { return m_wrote; }
    [[nodiscard]] bool closeAfterResponse() const { return m_closeAfter || m_dropped; }

private:
    bool writeAll(std::string_view bytes);
    int m_fd;
    const std::atomic<bool>* m_stop;
    bool m_dropped = false;
    bool m_wrote = false;
    bool m_closeAfter = false;
};

using Handler = std::function<void(const RecordedRequest&, ResponseWriter&)>;

/// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests and benchmarks: one accept thread, one thread
/// per connection, keep-alive, scripted per path. Unknown paths get 404. It records every request unless
/// recording is turned off (benchmarks). Lives in tests/, never in the product.
class LoopbackServer {
public:
    LoopbackServer();
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    /// Binds and starts listening; false (and an errno text in lastError()) when it cannot.
    bool start();
    void stop();

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string baseUrl() const; ///< "http://127.0.0.1:<port>"
    [[nodiscard]] std::string lastError() const { return m_error; }

    /// Handles requests whose path (without query) equals path. Later routes replace earlier ones.
    void route(const std::string& path, Handler handler);

    void setRecording(bool on) { m_recording = on; }
    /// Hostile keep-alive: the first request on each connection is answered as routed (and the connection kept
    /// alive); any later request on it is read in full, recorded and counted, and then the connection is closed
    /// without a byte of answer. A client that silently re-sends on a new connection is caught by the counts.
    void setCloseReusedConnections(bool on) { m_closeReused = on; }
    /// Requests that setCloseReusedConnections left unanswered.
    [[nodiscard]] std::uint64_t unansweredCount() const { return m_unanswered.load(); }
    [[nodiscard]] std::vector<RecordedRequest> requests() const;
    void clearRequests();
    [[nodiscard]] std::uint64_t requestCount() const { return m_requestCount.load(); }
    [[nodiscard]] std::uint64_t connectionCount() const { return m_connectionCount.load(); }

private:
    void acceptLoop();
    void serve(int fd, std::uint64_t connectionId);
    Handler handlerFor(const std::string& path) const;
    void reapFinished();

    struct Connection {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };

    int m_listenFd = -1;
    int m_port = 0;
    std::string m_error;
    std::atomic<bool> m_stopping { false };
    std::atomic<bool> m_recording { true };
    std::atomic<bool> m_closeReused { false };
    std::atomic<std::uint64_t> m_unanswered { 0 };
    std::atomic<std::uint64_t> m_requestCount { 0 };
    std::atomic<std::uint64_t> m_connectionCount { 0 };
    std::thread m_acceptThread;
    mutable std::mutex m_mutex;
    std::map<std::string, Handler> m_routes; // guarded by m_mutex
    std::vector<RecordedRequest> m_requests; // guarded by m_mutex
    std::set<int> m_openFds; // guarded by m_mutex
    std::vector<Connection> m_connections; // accept thread only until stop()
};

} // namespace assay::test
