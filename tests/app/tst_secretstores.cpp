// SPDX-License-Identifier: MIT
// Which secret store the GUI uses: the OS keyring when it answers, else the 0600 file — and never a plaintext
// fallback inside the keyring library.
#include "keychainsecretstore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace assay;

class TestSecretStores : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void forcedFileStore();
    void withoutAKeyringFallsBackToTheFile();
};

void TestSecretStores::forcedFileStore()
{
    QTemporaryDir dir;
    qputenv("XDG_CONFIG_HOME", dir.path().toUtf8());
    qputenv("ASSAY_SECRETS", "file");
    QString description;
    auto store = app::makeSecretStore(&description);
    QVERIFY(store);
    QVERIFY2(description.contains(QStringLiteral("0600")), qPrintable(description));
    QVERIFY(store->set("probe", "sk-test-value").ok());
    QCOMPARE(*store->get("probe"), std::string("sk-test-value"));
    struct stat st { };
    QCOMPARE(::stat(QString(dir.path() + QStringLiteral("/assay/secrets.json")).toUtf8().constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);
    QVERIFY(!description.contains(QStringLiteral("sk-test")));
}

void TestSecretStores::withoutAKeyringFallsBackToTheFile()
{
    // No session bus: no Secret Service and no KWallet can answer.
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    qunsetenv("ASSAY_SECRETS");
    QTemporaryDir dir;
    qputenv("XDG_CONFIG_HOME", dir.path().toUtf8());
    QString why;
    auto keychain = app::KeychainSecretStore::open(&why);
    if (keychain)
        QSKIP("an OS keyring answers even without a session bus here; nothing to fall back from");
    QVERIFY(!why.isEmpty());
    QString description;
    auto store = app::makeSecretStore(&description);
    QVERIFY(store);
    QVERIFY2(description.contains(QStringLiteral("0600")) && description.contains(QStringLiteral("not used")),
        qPrintable(description));
    QVERIFY(store->set("probe", "sk-test-value").ok());
    QCOMPARE(*store->get("probe"), std::string("sk-test-value"));
    qInfo("%s", qPrintable(description));
}

QTEST_MAIN(TestSecretStores)
#include "tst_secretstores.moc"
