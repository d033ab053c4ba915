// SPDX-License-Identifier: MIT
// Which secret store the GUI uses: the OS keyring when it answers, else the 0600 file, and never a plaintext
// fallback inside the keyring library. ctest runs this through with-secret-service.sh: a private D-Bus session with a
// real Secret Service (gnome-keyring-daemon), so the round trip below goes through the keyring CI users have.
#include "keychainsecretstore.h"

#include <QDirIterator>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace assay;

namespace {
bool inCi()
{
    const QByteArray v = qgetenv("CI").trimmed().toLower();
    return !v.isEmpty() && v != "0" && v != "false";
}

/// Files under @p dir whose bytes contain @p needle.
QStringList filesContaining(const QString& dir, const QByteArray& needle)
{
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            hits << f.fileName();
    }
    return hits;
}

/// A Unix socket that accepts D-Bus clients into its backlog and never answers them: a session bus that hangs.
class SilentBus {
public:
    explicit SilentBus(const QString& path)
        : m_path(path.toStdString())
    {
        m_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr {};
        addr.sun_family = AF_UNIX;
        m_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_fd, 16) != 0)
            close();
    }
    ~SilentBus() { close(); }
    bool ok() const { return m_fd >= 0; }
    /// Every client waiting in the backlog sees its connection reset.
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        ::unlink(m_path.c_str());
    }

private:
    std::string m_path;
    int m_fd = -1;
};
} // namespace

class TestSecretStores : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void forcedFileStore();
    // These two run before the round trip: a process keeps its first working D-Bus connection.
    void withoutAKeyringFallsBackToTheFile();
    void probeRunsOffTheGuiThread();
    void roundTripThroughTheOsKeyring();

private:
    QByteArray m_bus; // the session bus with-secret-service.sh started (empty without one)
};

void TestSecretStores::initTestCase()
{
    m_bus = qgetenv("DBUS_SESSION_BUS_ADDRESS");
}

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
    // The GUI's store decides at once when the file is forced: no probe thread, no wait.
    app::ProbedSecretStore probed;
    QVERIFY(probed.isDecided());
    QCOMPARE(*probed.get("probe"), std::string("sk-test-value"));
    qunsetenv("ASSAY_SECRETS");
}

void TestSecretStores::withoutAKeyringFallsBackToTheFile()
{
    // A session bus address where nothing listens: no Secret Service and no KWallet can answer, so a keyring that
    // "answers" here would be QtKeychain's plaintext fallback, the very thing this guards against.
    QTemporaryDir dir;
    qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray("unix:path=") + dir.filePath(QStringLiteral("no-bus")).toUtf8());
    qputenv("XDG_CONFIG_HOME", dir.path().toUtf8());
    QString why;
    auto keychain = app::KeychainSecretStore::open(&why);
    QVERIFY2(!keychain, "a keyring answered with no session bus: a plaintext fallback inside QtKeychain?");
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

void TestSecretStores::probeRunsOffTheGuiThread()
{
    // A session bus that never answers: the probe hangs until the bus goes away. The store is built at once
    // meanwhile (the main window does not wait for the keyring), the GUI thread keeps its event loop, a call from the
    // GUI thread fails instead of waiting, and a call from another thread waits for the answer.
    QTemporaryDir dir;
    SilentBus bus(dir.filePath(QStringLiteral("silent-bus")));
    QVERIFY(bus.ok());
    qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray("unix:path=") + dir.filePath(QStringLiteral("silent-bus")).toUtf8());
    qputenv("XDG_CONFIG_HOME", dir.path().toUtf8());
    app::ProbedSecretStore store;
    QSignalSpy decided(&store, &app::ProbedSecretStore::decided);
    QVERIFY(!store.isDecided());
    QVERIFY2(store.description().contains(QStringLiteral("asking")), qPrintable(store.description()));
    const auto onGui = store.names();
    QVERIFY(!onGui.ok());
    QVERIFY2(QString::fromStdString(onGui.error().message).contains(QStringLiteral("not answered yet")),
        onGui.error().message.c_str());
    std::optional<core::Result<std::vector<std::string>>> fromWorker;
    std::atomic<bool> workerDone { false };
    std::thread worker([&] {
        fromWorker.emplace(store.names());
        workerDone = true;
    });
    const auto joinWorker = qScopeGuard([&] { // also when a check below returns early
        bus.close();
        worker.join();
    });
    bool ticked = false; // the GUI thread's event loop runs while the probe hangs
    QTimer::singleShot(0, this, [&] { ticked = true; });
    QTRY_VERIFY(ticked);
    QVERIFY(!store.isDecided());
    QVERIFY(!workerDone);
    bus.close(); // the probe's connection is reset: no keyring, the file it is
    QTRY_VERIFY_WITH_TIMEOUT(workerDone, 60000);
    QVERIFY(store.isDecided());
    QVERIFY2(fromWorker->ok(), fromWorker->ok() ? "" : fromWorker->error().message.c_str());
    QTRY_COMPARE_WITH_TIMEOUT(decided.count(), 1, 60000);
    const QString description = decided.at(0).at(0).toString();
    QVERIFY2(description.contains(QStringLiteral("0600")), qPrintable(description));
    QCOMPARE(store.description(), description);
}

void TestSecretStores::roundTripThroughTheOsKeyring()
{
    // Run by ctest inside with-secret-service.sh; without it (or without QtKeychain) this cannot be checked, which
    // CI does not accept.
    if (!app::KeychainSecretStore::compiledIn()) {
        if (inCi())
            QFAIL("this build has no OS keyring support (QtKeychain, qtkeychain-qt6-dev, was not found at configure)");
        QSKIP("built without QtKeychain");
    }
    if (qEnvironmentVariable("ASSAY_TEST_SECRET_SERVICE") != QLatin1String("1") || m_bus.isEmpty()) {
        if (inCi())
            QFAIL("no Secret Service to test against: run through tests/app/with-secret-service.sh (ctest does)");
        QSKIP("no private Secret Service (tests/app/with-secret-service.sh needs dbus and gnome-keyring)");
    }
    qputenv("DBUS_SESSION_BUS_ADDRESS", m_bus);
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toUtf8());

    app::ProbedSecretStore store;
    QTRY_VERIFY_WITH_TIMEOUT(store.isDecided(), 60000);
    QVERIFY2(store.description().contains(QStringLiteral("OS keyring")), qPrintable(store.description()));

    const std::string name = "assay-ci-round-trip";
    const std::string value
        = "sk-assay-ci-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16).toStdString();
    std::optional<core::Status> stored;
    std::thread([&] { stored.emplace(store.set(name, value)); }).join(); // off the GUI thread, as the GUI calls it
    QVERIFY2(stored->ok(), stored->ok() ? "" : stored->error().message.c_str());
    auto read = store.get(name);
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(*read, value);
    auto listed = store.names();
    QVERIFY(listed.ok());
    QVERIFY(std::find(listed->begin(), listed->end(), name) != listed->end());

    // The value is in the Secret Service itself (QtKeychain's libsecret schema: user = key, server = service), and
    // in no file in plaintext: not the 0600 file, not a QSettings fallback, not the (encrypted) keyring file.
    QProcess lookup;
    lookup.start(QStringLiteral("secret-tool"),
        { QStringLiteral("lookup"), QStringLiteral("user"), QString::fromStdString(name), QStringLiteral("server"),
            QStringLiteral("Assay") });
    QVERIFY2(lookup.waitForFinished(60000), "secret-tool (libsecret-tools) did not run");
    QCOMPARE(lookup.readAllStandardOutput().trimmed().toStdString(), value);
    QVERIFY(!QFile::exists(config.filePath(QStringLiteral("assay/secrets.json"))));
    for (const QByteArray& var : { QByteArrayLiteral("XDG_CONFIG_HOME"), QByteArrayLiteral("XDG_DATA_HOME") }) {
        const QStringList hits
            = filesContaining(qEnvironmentVariable(var.constData()), QByteArray::fromStdString(value));
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QStringLiteral(", "))));
    }

    std::optional<core::Status> removed;
    std::thread([&] { removed.emplace(store.remove(name)); }).join();
    QVERIFY2(removed->ok(), removed->ok() ? "" : removed->error().message.c_str());
    QCOMPARE(store.get(name).error().code, core::ErrorCode::NotFound);
    listed = store.names();
    QVERIFY(listed.ok());
    QVERIFY(std::find(listed->begin(), listed->end(), name) == listed->end());
    QProcess gone;
    gone.start(QStringLiteral("secret-tool"),
        { QStringLiteral("lookup"), QStringLiteral("user"), QString::fromStdString(name), QStringLiteral("server"),
            QStringLiteral("Assay") });
    QVERIFY(gone.waitForFinished(60000));
    QVERIFY(gone.readAllStandardOutput().isEmpty());
}

QTEST_MAIN(TestSecretStores)
#include "tst_secretstores.moc"
