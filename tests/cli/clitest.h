// SPDX-License-Identifier: MIT
#pragma once
// Shared by the assay-cli suites: run the real binary, describe a result, hash a file, damage a file.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

namespace assay::clitest {

struct CliResult {
    int code = -1;
    QString out;
    QString err;
};

// Exit codes as documented in cli/exitcodes.h and README.md (spelled out here so a renumbering fails the test).
constexpr int kOk = 0;
constexpr int kProblem = 1;
constexpr int kUsage = 2;
constexpr int kCannotOpen = 3;
constexpr int kNewerSchema = 4;
constexpr int kNotAWorkspace = 5;

inline CliResult runCli(const QStringList& args, const QString& workDir = {})
{
    QProcess p;
    p.setProgram(QStringLiteral(ASSAY_CLI_PATH));
    p.setArguments(args);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start();
    CliResult r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000)) {
        r.err = QStringLiteral("assay-cli did not run: ") + p.errorString();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

inline QByteArray describe(const QStringList& args, const CliResult& r)
{
    return (QStringLiteral("assay-cli ") + args.join(QLatin1Char(' ')) + QStringLiteral(" -> exit ")
        + QString::number(r.code) + QStringLiteral("\nstdout: ") + r.out + QStringLiteral("\nstderr: ") + r.err)
        .toUtf8();
}

#define CHECK_EXIT(args, result, expected) QVERIFY2((result).code == (expected), describe((args), (result)).constData())

/// The names listed under "Commands:" in a help text.
inline QStringList commandsIn(const QString& help)
{
    QStringList names;
    bool inCommands = false;
    for (const QString& line : help.split(QLatin1Char('\n'))) {
        if (line == QStringLiteral("Commands:")) {
            inCommands = true;
        } else if (inCommands) {
            if (!line.startsWith(QStringLiteral("  ")))
                break;
            names << line.trimmed().section(QLatin1Char(' '), 0, 0);
        }
    }
    return names;
}

inline QByteArray sha256Of(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

inline void overwriteMiddle(const QString& path)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    const qint64 size = f.size();
    QVERIFY(size > 3 * 4096);
    QVERIFY(f.seek(size / 2));
    QCOMPARE(f.write(QByteArray(4096, static_cast<char>(0xA5))), qint64(4096));
}

} // namespace assay::clitest

namespace assay::clitest {
/// A fresh workspace with the sample content, made through `workspace init --samples`.
inline QString seededWorkspace(const QTemporaryDir& dir, const char* name)
{
    const QString file = dir.filePath(QString::fromLatin1(name));
    const QStringList init { QStringLiteral("workspace"), QStringLiteral("init"), file, QStringLiteral("--samples") };
    const auto r = runCli(init);
    if (r.code != kOk)
        qFatal("%s", describe(init, r).constData());
    return file;
}
} // namespace assay::clitest
