// SPDX-License-Identifier: MIT
#pragma once
// Shared by the assay-cli suites: run the real binary (always with the planted key of plantedkey.h, and a check that
// it leaked nowhere), describe a result, hash a file, damage a file.
#include "plantedkey.h"

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

/// Prepares @p p to run assay-cli with @p args: the planted key's environment (private HOME, XDG_CONFIG_HOME with the
/// planted secrets file, the key in every key variable), plus @p extraEnv (e.g. ASSAY_OFFLINE=1).
inline void prepareCli(QProcess& p, const QStringList& args, const QString& workDir = {},
    const QProcessEnvironment& extraEnv = QProcessEnvironment())
{
    QProcessEnvironment env = PlantedKey::instance().environment();
    for (const QString& name : extraEnv.keys())
        env.insert(name, extraEnv.value(name));
    p.setProcessEnvironment(env);
    p.setProgram(QStringLiteral(ASSAY_CLI_PATH));
    p.setArguments(args);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
}

/// Fails the current test (QTest::qFail, the test function goes on) when the planted key appears in @p out,
/// @p err or a file the command with @p args could have written (PlantedKey::leaks). Returns true when clean.
inline bool checkNoPlantedKey(const QStringList& args, const QByteArray& out, const QByteArray& err,
    const QString& workDir = {}, const char* file = __builtin_FILE(), int line = __builtin_LINE())
{
    const PlantedKey& key = PlantedKey::instance();
    if (!key.ready()) {
        QTest::qFail("the planted key could not be written to its secrets file", file, line);
        return false;
    }
    const QStringList where = key.leaks(args, out, err, workDir);
    if (where.isEmpty())
        return true;
    const QString message = QStringLiteral("the planted API key leaked (") + where.join(QStringLiteral(", "))
        + QStringLiteral(") from: assay-cli ") + key.masked(args.join(QLatin1Char(' '))) + QStringLiteral("\nstdout: ")
        + key.masked(QString::fromUtf8(out)) + QStringLiteral("\nstderr: ") + key.masked(QString::fromUtf8(err));
    QTest::qFail(message.toUtf8().constData(), file, line);
    return false;
}

/// Runs assay-cli with the planted key and fails the test if the key leaked (checkNoPlantedKey). @p stdinData, when
/// not null, is written to its stdin (then closed); otherwise stdin is closed at once.
inline CliResult runCli(const QStringList& args, const QString& workDir = {}, const QByteArray& stdinData = {},
    const QProcessEnvironment& extraEnv = QProcessEnvironment(), const char* file = __builtin_FILE(),
    int line = __builtin_LINE())
{
    QProcess p;
    prepareCli(p, args, workDir, extraEnv);
    p.start();
    CliResult r;
    if (!p.waitForStarted(10000)) {
        r.err = QStringLiteral("assay-cli did not run: ") + p.errorString();
        return r;
    }
    if (!stdinData.isNull())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(120000)) {
        r.err = QStringLiteral("assay-cli did not finish: ") + p.errorString();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    const QByteArray out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    r.out = QString::fromUtf8(out);
    r.err = QString::fromUtf8(err);
    checkNoPlantedKey(args, out, err, workDir, file, line);
    return r;
}

inline QByteArray describe(const QStringList& args, const CliResult& r)
{
    const PlantedKey& key = PlantedKey::instance();
    return key
        .masked(QStringLiteral("assay-cli ") + args.join(QLatin1Char(' ')) + QStringLiteral(" -> exit ")
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
