// SPDX-License-Identifier: MIT
// assay-cli's offline mode, as a user in an air-gapped site meets it: --offline, ASSAY_OFFLINE=1 or the workspace's
// own setting make a cell for a cloud host (https://api.openai.com/v1) fail with a sentence that names the host,
// while an endpoint on this computer is still called. Under strace inside a network namespace of its own
// (unshare -n), the offline run opens no internet socket, connects nowhere and looks up no name (no resolver port 53,
// no nscd); the same run without offline mode does try the lookup, which shows the trace would see one.
#include "clitest.h"
#include "loopbackserver.h"
#include "replies.h"
#include "runfixture.h"

#include "http/offline.h"
#include "storage/auditlog.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "storage/workspacesettings.h"

#include <QStandardPaths>

#include <algorithm>
#include <atomic>
#include <memory>

using namespace assay::core;
using namespace assay::clitest;
using nlohmann::json;

namespace {
const QString kRemoteHost = QStringLiteral("api.openai.com");

/// A needed tool is missing: fail under CI=true (CI must not pass on a skip), skip on a developer's machine.
#define SKIP_OR_FAIL_IN_CI(message)                                                                                    \
    do {                                                                                                               \
        if (qEnvironmentVariable("CI") == QStringLiteral("true"))                                                      \
            QFAIL(message);                                                                                            \
        QSKIP(message);                                                                                                \
    } while (false)

/// What a strace log of connect/sendto/socket shows about the network: every internet socket opened, every
/// address connected or sent to that is not this computer, and every name lookup (port 53, nscd, systemd-resolved).
struct NetworkTrace {
    QStringList internetSockets;
    QStringList remoteAddresses;
    QStringList lookups;
    QStringList loopbackConnects;
};

NetworkTrace parseTrace(const QString& log)
{
    static const QRegularExpression v4(
        QStringLiteral("sin_port=htons\\((\\d+)\\), sin_addr=inet_addr\\(\"([^\"]+)\"\\)"));
    static const QRegularExpression v6(
        QStringLiteral("sin6_port=htons\\((\\d+)\\).*inet_pton\\(AF_INET6, \"([^\"]+)\""));
    static const QRegularExpression unixPath(QStringLiteral("sun_path=\"([^\"]+)\""));
    static const QRegularExpression inetSocket(QStringLiteral("\\bsocket\\((AF_INET6?|PF_INET6?),"));
    NetworkTrace t;
    for (const QString& line : log.split(QLatin1Char('\n'))) {
        if (inetSocket.match(line).hasMatch())
            t.internetSockets << line;
        QRegularExpressionMatch m = v4.match(line);
        if (!m.hasMatch())
            m = v6.match(line);
        if (m.hasMatch()) {
            const QString address = m.captured(2);
            if (m.captured(1) == QStringLiteral("53"))
                t.lookups << line;
            else if (!isLoopbackIp(address.toStdString()))
                t.remoteAddresses << line;
            else if (line.contains(QStringLiteral("connect(")))
                t.loopbackConnects << line;
        }
        const QRegularExpressionMatch u = unixPath.match(line);
        if (u.hasMatch()
            && (u.captured(1).contains(QStringLiteral("nscd")) || u.captured(1).contains(QStringLiteral("resolve"))))
            t.lookups << line;
    }
    return t;
}
} // namespace

class TestCliOffline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void refusesRemoteHost_data();
    void refusesRemoteHost();
    void endpointsTestOffline();
    void workspaceSetting();
    void traceParserSeesLookupsAndConnects();
    void noSocketNoLookupUnderStrace();

private:
    /// A workspace with e0 (the loopback server) and "remote" (https://api.openai.com/v1), added with assay-cli.
    QString makeWorkspace(const QString& name);
    QString writeDefinition(const json& j, const QString& name);

    QTemporaryDir m_dir;
    assay::test::LoopbackServer m_server;
    std::shared_ptr<std::atomic<int>> m_loopbackCalls = std::make_shared<std::atomic<int>>(0);
};

void TestCliOffline::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_server.start(), m_server.lastError().c_str());
    auto calls = m_loopbackCalls;
    assay::test::Handler ok = assay::test::openAiJson("fine");
    m_server.route(
        "/e0/v1/chat/completions", [calls, ok](const assay::test::RecordedRequest& r, assay::test::ResponseWriter& w) {
            ++*calls;
            ok(r, w);
        });
}

QString TestCliOffline::makeWorkspace(const QString& name)
{
    const QString ws = m_dir.filePath(name);
    {
        auto db = Workspace::create(ws.toStdString());
        if (!db || !assay::test::seedRunFixture(*db, { m_server.baseUrl(), 1, 1, 2, {}, "rows" }))
            return {};
    }
    const QStringList add { QStringLiteral("endpoints"), QStringLiteral("add"), QStringLiteral("remote"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--base-url"), QStringLiteral("https://api.openai.com/v1"),
        QStringLiteral("--model"), QStringLiteral("gpt-4o-mini"), QStringLiteral("--secret"),
        QStringLiteral("planted") };
    const auto r = runCli(add);
    return r.code == kOk ? ws : QString();
}

QString TestCliOffline::writeDefinition(const json& j, const QString& name)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(QByteArray::fromStdString(j.dump(2)));
    return path;
}

void TestCliOffline::refusesRemoteHost_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<QString>("reason");
    QTest::newRow("--offline") << QStringLiteral("flag") << QStringLiteral("(--offline)");
    QTest::newRow("ASSAY_OFFLINE=1") << QStringLiteral("env") << QStringLiteral("(ASSAY_OFFLINE is set)");
    QTest::newRow("workspace setting") << QStringLiteral("setting")
                                       << QStringLiteral("(the workspace's offline setting is on)");
}

void TestCliOffline::refusesRemoteHost()
{
    QFETCH(QString, how);
    QFETCH(QString, reason);
    const QString ws = makeWorkspace(how + QStringLiteral(".assay"));
    QVERIFY(!ws.isEmpty());
    if (how == QStringLiteral("setting")) {
        const QStringList on { QStringLiteral("workspace"), QStringLiteral("offline"), ws, QStringLiteral("--on") };
        CHECK_EXIT(on, runCli(on), kOk);
    }
    const json def { { "name", "offline" }, { "prompts", { "p0@prod" } }, { "endpoints", { "e0", "remote" } },
        { "dataset", "rows" }, { "cache", false }, { "stream", false } };
    QStringList args { QStringLiteral("run"), writeDefinition(def, how + QStringLiteral(".json")),
        QStringLiteral("--workspace"), ws, QStringLiteral("--json") };
    QProcessEnvironment env;
    if (how == QStringLiteral("flag"))
        args << QStringLiteral("--offline");
    if (how == QStringLiteral("env"))
        env.insert(QStringLiteral("ASSAY_OFFLINE"), QStringLiteral("1"));
    const int before = m_loopbackCalls->load();
    const auto r = runCli(args, {}, {}, env);
    CHECK_EXIT(args, r, 6); // cells failed
    QVERIFY2(r.err.contains(QStringLiteral("offline mode is on ") + reason), describe(args, r).constData());
    // The stderr summary and every remote cell name the host; the loopback endpoint was still called.
    QVERIFY2(r.err.contains(QStringLiteral("Offline mode is on: Assay does not connect to ") + kRemoteHost),
        describe(args, r).constData());
    QCOMPARE(m_loopbackCalls->load() - before, 2);
    auto db = Workspace::open(ws.toStdString());
    QVERIFY(db.ok());
    const auto runs = RunRepository(*db).list();
    QVERIFY(runs.ok() && runs->size() == 1);
    const auto cells = RunRepository(*db).cells(runs->front().id);
    QVERIFY(cells.ok());
    QCOMPARE(cells->size(), std::size_t(4));
    for (const auto& c : *cells) {
        if (c.provenance.value("endpoint", std::string()) == "remote") {
            QCOMPARE(c.status, CellStatus::Failed);
            QVERIFY2(c.error.find("does not connect to api.openai.com") != std::string::npos, c.error.c_str());
            QVERIFY(c.provenance.value("attempts", 0) <= 1); // refused, never retried
        } else {
            QCOMPARE(c.status, CellStatus::Ok);
        }
    }
}

void TestCliOffline::endpointsTestOffline()
{
    const QString ws = makeWorkspace(QStringLiteral("test.assay"));
    QVERIFY(!ws.isEmpty());
    const QStringList args { QStringLiteral("endpoints"), QStringLiteral("test"), QStringLiteral("remote"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--offline") };
    const auto r = runCli(args);
    CHECK_EXIT(args, r, kProblem);
    QVERIFY2(r.err.contains(QStringLiteral("does not connect to ") + kRemoteHost), describe(args, r).constData());
    // On this computer it still answers, offline or not.
    m_server.route("/stream/v1/chat/completions", assay::test::openAiStream({}));
    const QStringList add { QStringLiteral("endpoints"), QStringLiteral("add"), QStringLiteral("local"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--base-url"),
        QString::fromStdString(m_server.baseUrl()) + QStringLiteral("/stream/v1"), QStringLiteral("--model"),
        QStringLiteral("m") };
    CHECK_EXIT(add, runCli(add), kOk);
    const QStringList local { QStringLiteral("endpoints"), QStringLiteral("test"), QStringLiteral("local"),
        QStringLiteral("--workspace"), ws, QStringLiteral("--offline") };
    const auto l = runCli(local);
    CHECK_EXIT(local, l, kOk);
}

void TestCliOffline::workspaceSetting()
{
    const QString ws = makeWorkspace(QStringLiteral("toggled.assay"));
    QVERIFY(!ws.isEmpty());
    const QStringList show { QStringLiteral("workspace"), QStringLiteral("offline"), ws };
    auto r = runCli(show);
    CHECK_EXIT(show, r, kOk);
    QCOMPARE(r.out, QStringLiteral("offline    off\n"));
    const QStringList both = show + QStringList { QStringLiteral("--on"), QStringLiteral("--off") };
    CHECK_EXIT(both, runCli(both), kUsage);
    const QStringList on = show + QStringList { QStringLiteral("--on"), QStringLiteral("--json") };
    r = runCli(on);
    CHECK_EXIT(on, r, kOk);
    QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).object().value(QStringLiteral("offline")).toBool(), true);
    {
        auto db = Workspace::open(ws.toStdString());
        QVERIFY(db.ok());
        QCOMPARE(WorkspaceSettings::offline(*db).value(), true);
        const auto events = AuditLog(*db).list("workspace");
        QVERIFY(events.ok());
        QVERIFY(std::any_of(events->begin(), events->end(), [](const AuditEvent& e) {
            return e.action == "workspace.offline" && e.actor == "assay-cli"
                && e.payload.find("true") != std::string::npos;
        }));
    }
    QVERIFY(Workspace::check(ws.toStdString())->healthy()); // the audit chain still holds
    const QStringList off = show + QStringList { QStringLiteral("--off") };
    r = runCli(off);
    CHECK_EXIT(off, r, kOk);
    QCOMPARE(r.out, QStringLiteral("offline    off\n"));
}

void TestCliOffline::traceParserSeesLookupsAndConnects()
{
    // The parser on lines as strace writes them, so a blind parser cannot make the trace test pass.
    const NetworkTrace t = parseTrace(QStringLiteral(
        "101 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 5\n"
        "101 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr(\"10.0.0.2\")}, 16) = -1 "
        "ENETUNREACH (Network is unreachable)\n"
        "101 connect(6, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr(\"162.159.140.245\")}, 16) = 0\n"
        "101 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "
        "\"2606:4700::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0\n"
        "101 connect(8, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n"
        "101 connect(9, {sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}, 110) = -1 ENOENT\n"
        "101 sendto(5, \"abc\", 3, MSG_NOSIGNAL, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
        "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = 3\n"
        "101 socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0\n"));
    QCOMPARE(t.internetSockets.size(), 1);
    QCOMPARE(t.lookups.size(), 3); // port 53 over IPv4 and IPv6, and nscd
    QCOMPARE(t.remoteAddresses.size(), 2);
    QCOMPARE(t.loopbackConnects.size(), 1);
    const NetworkTrace none = parseTrace(QStringLiteral("101 socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0\n"));
    QVERIFY(none.internetSockets.isEmpty() && none.lookups.isEmpty() && none.remoteAddresses.isEmpty());
}

void TestCliOffline::noSocketNoLookupUnderStrace()
{
    const QString strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
    const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
    if (strace.isEmpty() || unshare.isEmpty())
        SKIP_OR_FAIL_IN_CI("strace and unshare are needed (Debian packages strace and util-linux)");
    if (QProcess::execute(unshare, { QStringLiteral("-n"), QStringLiteral("true") }) != 0)
        SKIP_OR_FAIL_IN_CI("unshare -n is not permitted here (it needs root or CAP_SYS_ADMIN)");

    const QString ws = makeWorkspace(QStringLiteral("strace.assay"));
    QVERIFY(!ws.isEmpty());
    // Only the cloud endpoint: an offline run has no reason to open any internet socket at all.
    const json def { { "name", "air-gapped" }, { "prompts", { "p0@prod" } }, { "endpoints", { "remote" } },
        { "dataset", "rows" }, { "cache", false }, { "stream", false }, { "retries", { { "maxAttempts", 1 } } } };
    const QString file = writeDefinition(def, QStringLiteral("strace.json"));
    const auto traced = [&](bool offline, NetworkTrace& trace, int& code, QByteArray& stderrText) {
        const QString log
            = m_dir.filePath(offline ? QStringLiteral("offline.strace") : QStringLiteral("online.strace"));
        QStringList cliArgs { QStringLiteral("run"), file, QStringLiteral("--workspace"), ws };
        if (offline)
            cliArgs << QStringLiteral("--offline");
        QProcess p;
        prepareCli(p, cliArgs);
        // LeakSanitizer cannot run under ptrace (strace): in a sanitizer build it would end the traced run with
        // exit 1 after printing a fatal error. Leaks are checked by every other run of the suite.
        QProcessEnvironment env = p.processEnvironment();
        const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
            asan.isEmpty() ? QStringLiteral("detect_leaks=0") : asan + QStringLiteral(":detect_leaks=0"));
        p.setProcessEnvironment(env);
        p.setProgram(unshare);
        p.setArguments(QStringList { QStringLiteral("-n"), strace, QStringLiteral("-f"), QStringLiteral("-qq"),
                           QStringLiteral("-e"), QStringLiteral("trace=socket,connect,sendto,sendmsg,sendmmsg"),
                           QStringLiteral("-o"), log, QStringLiteral(ASSAY_CLI_PATH) }
            + cliArgs);
        p.start();
        QVERIFY(p.waitForStarted(10000));
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(120000));
        code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        const QByteArray out = p.readAllStandardOutput();
        const QByteArray err = p.readAllStandardError();
        stderrText = err;
        checkNoPlantedKey(cliArgs, out, err);
        QFile f(log); // strace makes it even when nothing it traces happens
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(QString::fromUtf8(err)));
        trace = parseTrace(QString::fromUtf8(f.readAll()));
    };
    NetworkTrace offline;
    int offlineCode = -1;
    QByteArray offlineErr;
    traced(true, offline, offlineCode, offlineErr);
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(offline.lookups.isEmpty(), qPrintable(offline.lookups.join(QLatin1Char('\n'))));
    QVERIFY2(offline.remoteAddresses.isEmpty(), qPrintable(offline.remoteAddresses.join(QLatin1Char('\n'))));
    QVERIFY2(offline.internetSockets.isEmpty(), qPrintable(offline.internetSockets.join(QLatin1Char('\n'))));
    QVERIFY2(offlineCode == 6, offlineErr.constData());
    QVERIFY2(offlineErr.contains("does not connect to api.openai.com"), offlineErr.constData());

    // The control: the same run online tries to look the name up (and fails: the namespace has no network), so the
    // trace does see lookups when there are some.
    NetworkTrace online;
    int onlineCode = -1;
    QByteArray onlineErr;
    traced(false, online, onlineCode, onlineErr);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(onlineCode, 6);
    QVERIFY2(!online.lookups.isEmpty() || !online.remoteAddresses.isEmpty(),
        "the online control run shows no name lookup: the trace would not see one either");
    QVERIFY(!online.internetSockets.isEmpty());
}

QTEST_GUILESS_MAIN(TestCliOffline)
#include "tst_clioffline.moc"
