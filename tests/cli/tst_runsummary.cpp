// SPDX-License-Identifier: MIT
// `assay-cli run`'s failure summary on stderr, through the real binary against the loopback server: the distinct
// reasons most frequent first, at most 5, then "and N more reasons"; sentences with one full stop; valid UTF-8
// even when a server replied with garbage bytes.
#include "loopbackserver.h"
#include "replies.h"
#include "runfixture.h"

#include "clitest.h"
#include "storage/workspace.h"

#include <QFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

using namespace assay::core;
using namespace assay::test;
using nlohmann::json;

namespace {
constexpr int kCellsFailed = 6; // cli/exitcodes.h, README

std::string lastUserText(const std::string& body)
{
    const auto j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("messages") || j["messages"].empty())
        return {};
    return j["messages"].back().value("content", "");
}

/// A 400 (never retried) whose message is @p message, plus the row's text when @p perRow.
Handler rejecting(std::string message, bool perRow)
{
    return [message = std::move(message), perRow](const RecordedRequest& r, ResponseWriter& w) {
        const std::string text = perRow ? message + " for '" + lastUserText(r.body) + "'." : message;
        w.send(400, { { "Content-Type", "application/json" } }, json { { "error", { { "message", text } } } }.dump());
    };
}

bool isUtf8(const QByteArray& bytes)
{
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}
} // namespace

class TestRunSummary : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void summarySaysHowManyMore();
};

void TestRunSummary::summarySaysHowManyMore()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    LoopbackServer server;
    QVERIFY2(server.start(), server.lastError().c_str());
    const std::string ws = dir.filePath(QStringLiteral("summary.assay")).toStdString();
    {
        auto db = Workspace::create(ws);
        QVERIFY(db.ok());
        QVERIFY(seedRunFixture(*db, { server.baseUrl(), 1, 7, 2, {}, "rows" }).ok());
    }
    // e0: one reason for both of its cells (the most frequent); e1..e6: a reason per cell (12 more, once each).
    server.route("/e0/v1/chat/completions", rejecting("The same problem every time.", false));
    for (int i = 1; i < 7; ++i)
        server.route(
            "/e" + std::to_string(i) + "/v1/chat/completions", rejecting("Problem " + std::to_string(i), true));
    // e1 answers with raw bytes that are not UTF-8 instead (its two cells: still two distinct reasons).
    server.route("/e1/v1/chat/completions", [](const RecordedRequest& r, ResponseWriter& w) {
        const std::string body = "garbage \xFF\xFE for " + lastUserText(r.body) + " \xE2\x82";
        w.raw("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size())
            + "\r\n\r\n" + body);
    });
    const json definition { { "name", "summary" }, { "prompts", { "p0@prod" } },
        { "endpoints", { "e0", "e1", "e2", "e3", "e4", "e5", "e6" } }, { "dataset", "rows" },
        { "retries", { { "maxAttempts", 1 } } }, { "cache", false } };
    const QString runFile = dir.filePath(QStringLiteral("run.json"));
    {
        QFile f(runFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(definition.dump()));
    }

    // The raw bytes of stderr are needed (runCli decodes them), so the process is started here, with the same
    // planted-key environment and leak check as every other CLI test (clitest.h).
    const QStringList args { QStringLiteral("run"), runFile, QStringLiteral("--workspace"),
        QString::fromStdString(ws) };
    QProcess p;
    assay::clitest::prepareCli(p, args, dir.path(), QProcessEnvironment());
    p.start();
    QVERIFY(p.waitForStarted(10000));
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(120000));
    const QByteArray out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    QVERIFY(assay::clitest::checkNoPlantedKey(args, out, err, dir.path()));
    QVERIFY2(p.exitCode() == kCellsFailed, err.constData());

    QVERIFY2(isUtf8(err), "stderr is not valid UTF-8");
    QVERIFY2(err.contains("\xEF\xBF\xBD"), err.constData()); // the garbage was replaced, not dropped
    QVERIFY2(!err.contains(".."), err.constData());
    QList<QByteArray> reasons;
    for (const QByteArray& line : err.split('\n'))
        if (line.startsWith("  ") && line.contains(" x "))
            reasons.push_back(line);
    QCOMPARE(reasons.size(), 5);
    QVERIFY2(reasons.front().startsWith("  2 x e0: "), reasons.front().constData());
    QVERIFY2(reasons.front().contains("The same problem every time."), reasons.front().constData());
    QVERIFY2(err.contains("\n  and 8 more reasons\n"), err.constData());
    QVERIFY2(err.contains("14 cell(s) failed"), err.constData());
}

QTEST_GUILESS_MAIN(TestRunSummary)
#include "tst_runsummary.moc"
