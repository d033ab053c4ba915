// SPDX-License-Identifier: MIT
// FileSecretStore: file mode 0600 from the first byte, refusal of readable-by-others files, the environment
// override, and no value in any error message.
#include "secrets/filesecretstore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

using namespace assay::core;

namespace {
const std::string kKey = "sk-live-0123456789abcdefSECRET";

mode_t modeOf(const std::string& path)
{
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0)
        return 0;
    return st.st_mode & 07777;
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}
} // namespace

class TestSecretStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void setGetListRemove();
    void fileIsCreatedPrivate();
    void refusesGroupOrOtherReadable();
    void environmentOverride();
    void environmentVariableName();
    void missingSecretNamesItNotAValue();
    void corruptFileNeverQuotesContent();
    void invalidNames();
    void defaultPathFollowsXdg();

private:
    std::string path() const { return m_dir->filePath(QStringLiteral("cfg/assay/secrets.json")).toStdString(); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSecretStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    ::unsetenv("ASSAY_KEY_OPENAI_PROD");
}

void TestSecretStore::setGetListRemove()
{
    FileSecretStore store(path(), false);
    QVERIFY(store.names().ok());
    QVERIFY(store.names()->empty());
    QVERIFY(store.set("openai-prod", kKey).ok());
    QVERIFY(store.set("anthropic", "other-value").ok());
    auto got = store.get("openai-prod");
    QVERIFY(got.ok());
    QCOMPARE(*got, kKey);
    QCOMPARE(*store.names(), (std::vector<std::string> { "anthropic", "openai-prod" }));
    QVERIFY(store.set("openai-prod", "replaced").ok());
    QCOMPARE(*store.get("openai-prod"), std::string("replaced"));
    QVERIFY(store.remove("openai-prod").ok());
    QCOMPARE(store.get("openai-prod").error().code, ErrorCode::NotFound);
    QCOMPARE(store.remove("openai-prod").error().code, ErrorCode::NotFound);
    // A second store on the same file sees the same content (nothing cached in memory).
    FileSecretStore again(path(), false);
    QCOMPARE(*again.get("anthropic"), std::string("other-value"));
}

void TestSecretStore::fileIsCreatedPrivate()
{
    const mode_t old = ::umask(0); // the most permissive umask must still give 0600
    FileSecretStore store(path(), false);
    const bool ok = store.set("openai-prod", kKey).ok();
    ::umask(old);
    QVERIFY(ok);
    QCOMPARE(modeOf(path()), mode_t(0600));
    QCOMPARE(modeOf(m_dir->filePath(QStringLiteral("cfg/assay")).toStdString()), mode_t(0700));
    // No temp file is left next to it.
    QCOMPARE(QDir(m_dir->filePath(QStringLiteral("cfg/assay"))).entryList(QDir::Files).size(), 1);
}

void TestSecretStore::refusesGroupOrOtherReadable()
{
    FileSecretStore store(path(), false);
    QVERIFY(store.set("openai-prod", kKey).ok());
    QCOMPARE(::chmod(path().c_str(), 0644), 0);
    auto got = store.get("openai-prod");
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::Unauthorized);
    const std::string& m = got.error().message;
    QVERIFY2(contains(m, path()), m.c_str());
    QVERIFY2(contains(m, "chmod 600 " + path()), m.c_str());
    QVERIFY2(contains(m, "0644"), m.c_str());
    QVERIFY(!contains(m, kKey));
    QVERIFY(!store.names().ok());
    QVERIFY(!store.set("x", "y").ok()); // never rewrites (and so never "fixes") a file it refused
    QCOMPARE(::chmod(path().c_str(), 0640), 0);
    QVERIFY(!store.get("openai-prod").ok());
    QCOMPARE(::chmod(path().c_str(), 0600), 0);
    QCOMPARE(*store.get("openai-prod"), kKey);
}

void TestSecretStore::environmentOverride()
{
    FileSecretStore store(path(), true);
    QVERIFY(store.set("openai-prod", "from-file").ok());
    QCOMPARE(::setenv("ASSAY_KEY_OPENAI_PROD", "from-env", 1), 0);
    QCOMPARE(*store.get("openai-prod"), std::string("from-env"));
    FileSecretStore noOverride(path(), false);
    QCOMPARE(*noOverride.get("openai-prod"), std::string("from-file"));
    ::unsetenv("ASSAY_KEY_OPENAI_PROD");
    QCOMPARE(*store.get("openai-prod"), std::string("from-file"));
    // The override works without any file at all (CI).
    QCOMPARE(::setenv("ASSAY_KEY_OPENAI_PROD", "ci", 1), 0);
    FileSecretStore none(m_dir->filePath(QStringLiteral("nowhere/secrets.json")).toStdString(), true);
    QCOMPARE(*none.get("openai-prod"), std::string("ci"));
    ::unsetenv("ASSAY_KEY_OPENAI_PROD");
}

void TestSecretStore::environmentVariableName()
{
    QCOMPARE(FileSecretStore::environmentVariable("openai-prod"), std::string("ASSAY_KEY_OPENAI_PROD"));
    QCOMPARE(FileSecretStore::environmentVariable("a.b_C9"), std::string("ASSAY_KEY_A_B_C9"));
}

void TestSecretStore::missingSecretNamesItNotAValue()
{
    FileSecretStore store(path(), true);
    QVERIFY(store.set("other", kKey).ok());
    auto got = store.get("openai-prod");
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::NotFound);
    QVERIFY(contains(got.error().message, "'openai-prod'"));
    QVERIFY(contains(got.error().message, "ASSAY_KEY_OPENAI_PROD"));
    QVERIFY(!contains(got.error().describe(), kKey));
}

void TestSecretStore::corruptFileNeverQuotesContent()
{
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("cfg/assay"))));
    {
        std::ofstream f(path());
        f << "{\"version\":1,\"secrets\":{\"openai-prod\":\"" << kKey << "\" oops";
    }
    QCOMPARE(::chmod(path().c_str(), 0600), 0);
    FileSecretStore store(path(), false);
    auto got = store.get("openai-prod");
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::Corrupt);
    QVERIFY(contains(got.error().message, path()));
    QVERIFY2(!contains(got.error().describe(), kKey), got.error().describe().c_str());
    QVERIFY2(!contains(got.error().describe(), "SECRET"), got.error().describe().c_str());
}

void TestSecretStore::invalidNames()
{
    FileSecretStore store(path(), false);
    for (const char* bad : { "", "has space", "slash/x", "quote\"" })
        QCOMPARE(store.set(bad, "v").error().code, ErrorCode::Invalid);
    QCOMPARE(store.set("ok", "").error().code, ErrorCode::Invalid); // an empty value is refused
}

void TestSecretStore::defaultPathFollowsXdg()
{
    const QByteArray oldXdg = qgetenv("XDG_CONFIG_HOME");
    qputenv("XDG_CONFIG_HOME", "/tmp/xdg-test");
    QCOMPARE(FileSecretStore::defaultPath(), std::string("/tmp/xdg-test/assay/secrets.json"));
    qunsetenv("XDG_CONFIG_HOME");
    const std::string home = qgetenv("HOME").toStdString();
    QCOMPARE(FileSecretStore::defaultPath(), home + "/.config/assay/secrets.json");
    if (!oldXdg.isNull())
        qputenv("XDG_CONFIG_HOME", oldXdg);
}

QTEST_GUILESS_MAIN(TestSecretStore)
#include "tst_secretstore.moc"
