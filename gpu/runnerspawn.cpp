// SPDX-License-Identifier: MIT
#include "runnerspawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace assay::gpu::detail {

core::Result<std::uint16_t> freeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return core::makeError(core::ErrorCode::Io, "cannot create a socket", std::strerror(errno));
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    const bool ok = ::bind(fd, sa, sizeof addr) == 0 && ::getsockname(fd, sa, &len) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok)
        return core::makeError(core::ErrorCode::Io, "cannot find a free port on 127.0.0.1", std::strerror(err));
    return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

core::Result<std::string> randomApiKey()
{
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return core::makeError(core::ErrorCode::Io, "the system random generator failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string key;
    for (const auto b : bytes) {
        key += kHex[b >> 4];
        key += kHex[b & 15];
    }
    return key;
}

std::vector<std::string> childEnvironment(const std::vector<std::string>& extra)
{
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string v = *e;
        if (v.rfind("LLAMA_", 0) == 0 || v.rfind("HF_", 0) == 0 || v.rfind("GGML_", 0) == 0)
            continue;
        env.push_back(v);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

core::Result<SpawnedProcess> spawnSupervised(const std::vector<std::string>& argv, const std::vector<std::string>& env)
{
    if (argv.empty())
        return core::makeError(core::ErrorCode::Invalid, "empty command");
    // Everything the child needs is prepared before fork: after fork only async-signal-safe calls are allowed.
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::vector<char*> cenv;
    for (const auto& e : env)
        cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);

    int out[2];
    int err[2]; // reports an exec failure (errno); closed by a successful exec (O_CLOEXEC)
    if (::pipe2(out, O_CLOEXEC) != 0)
        return core::makeError(core::ErrorCode::Io, "pipe failed", std::strerror(errno));
    if (::pipe2(err, O_CLOEXEC) != 0) {
        ::close(out[0]);
        ::close(out[1]);
        return core::makeError(core::ErrorCode::Io, "pipe failed", std::strerror(errno));
    }
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        for (const int fd : { out[0], out[1], err[0], err[1], devnull })
            if (fd >= 0)
                ::close(fd);
        return core::makeError(core::ErrorCode::Io, "fork failed", std::strerror(e));
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the parent died before prctl took effect
            ::_exit(127);
        ::setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int s = 1; s < NSIG; ++s)
            ::signal(s, SIG_DFL);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        if (devnull >= 0)
            ::dup2(devnull, 0);
        // Close every inherited descriptor except the exec-failure pipe (which closes itself on exec).
        if (::syscall(SYS_close_range, 3u, static_cast<unsigned>(err[1]) - 1u, 0u) != 0
            || ::syscall(SYS_close_range, static_cast<unsigned>(err[1]) + 1u, ~0u, 0u) != 0) {
            for (int fd = 3; fd < 65536; ++fd)
                if (fd != err[1])
                    ::close(fd);
        }
        ::execve(cargv[0], cargv.data(), cenv.data());
        const int e = errno;
        [[maybe_unused]] auto w = ::write(err[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    if (devnull >= 0)
        ::close(devnull);
    int childErrno = 0;
    ssize_t n = 0;
    do {
        n = ::read(err[0], &childErrno, sizeof childErrno);
    } while (n < 0 && errno == EINTR);
    ::close(err[0]);
    if (n == static_cast<ssize_t>(sizeof childErrno)) {
        ::close(out[0]);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
        return core::makeError(core::ErrorCode::Runner, "cannot start " + argv[0] + ": " + std::strerror(childErrno));
    }
    return SpawnedProcess { pid, out[0] };
}

} // namespace assay::gpu::detail
