// SPDX-License-Identifier: MIT
#include "keychainsecretstore.h"

#include "secrets/filesecretstore.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThread>

#include <future>

#include <algorithm>

#ifdef ASSAY_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace assay::app {

namespace {
const QString kService = QStringLiteral("Assay");
const QString kIndex = QStringLiteral("assay.index");
} // namespace

bool KeychainSecretStore::compiledIn()
{
#ifdef ASSAY_HAVE_QTKEYCHAIN
    return true;
#else
    return false;
#endif
}

#ifdef ASSAY_HAVE_QTKEYCHAIN
namespace {
/// QtKeychain is not thread-safe: every job goes through one process-wide JobExecutor (a QObject made by the first
/// job, in that job's thread) that starts the next job from its own thread's event loop. Jobs started on several
/// threads race on its queue, and a job that finishes on a thread that then exits leaves the executor a dangling
/// pointer. So every job runs on this one thread, alive as long as the application, and callers wait for it.
struct KeyringThread {
    QThread thread;
    QObject* context = nullptr; // lives in `thread`
};
KeyringThread* g_keyring = nullptr; // made on first use, stopped when the QCoreApplication goes
std::mutex g_keyringMutex;

KeyringThread* keyringThread()
{
    std::lock_guard lock(g_keyringMutex);
    if (!g_keyring) {
        g_keyring = new KeyringThread;
        g_keyring->thread.setObjectName(QStringLiteral("keyring"));
        g_keyring->context = new QObject;
        g_keyring->context->moveToThread(&g_keyring->thread);
        g_keyring->thread.start();
        qAddPostRoutine([] {
            std::lock_guard stopLock(g_keyringMutex);
            g_keyring->thread.quit();
            g_keyring->thread.wait();
            delete g_keyring->context;
            delete g_keyring;
            g_keyring = nullptr;
        });
    }
    return g_keyring;
}

/// Runs @p f on the keyring thread and returns its result; the calling thread waits (without an event loop).
template <typename F> auto onKeyringThread(F f) -> decltype(f())
{
    KeyringThread* k = keyringThread();
    if (QThread::currentThread() == &k->thread)
        return f();
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    QMetaObject::invokeMethod(
        k->context, [&task] { task(); }, Qt::QueuedConnection);
    return result.get();
}

/// Runs @p job to completion on this thread (the keyring thread).
void runJob(QKeychain::Job& job)
{
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.start();
    loop.exec();
}

core::Error keychainError(const QKeychain::Job& job, const std::string& name)
{
    const auto code = job.error() == QKeychain::EntryNotFound ? core::ErrorCode::NotFound : core::ErrorCode::Io;
    // errorString() comes from the keyring service; it never contains the value.
    return core::makeError(code,
        "the OS keyring could not " + std::string(job.error() == QKeychain::EntryNotFound ? "find" : "use")
            + " the key '" + name + "': " + job.errorString().toStdString());
}
} // namespace

std::unique_ptr<KeychainSecretStore> KeychainSecretStore::open(QString* why)
{
    return onKeyringThread([why] { return probe(why); });
}

std::unique_ptr<KeychainSecretStore> KeychainSecretStore::probe(QString* why)
{
    QKeychain::ReadPasswordJob probe(kService);
    probe.setKey(kIndex);
    runJob(probe);
    if (probe.error() == QKeychain::NoError || probe.error() == QKeychain::EntryNotFound)
        return std::unique_ptr<KeychainSecretStore>(new KeychainSecretStore);
    if (why)
        *why = probe.error() == QKeychain::NoBackendAvailable || probe.errorString() == QLatin1String("Unknown error")
            ? QStringLiteral("no keyring service (Secret Service or KWallet) answered")
            : probe.errorString();
    return nullptr;
}

core::Result<std::string> KeychainSecretStore::get(const std::string& name)
{
    return onKeyringThread([&]() -> core::Result<std::string> { return getHere(name); });
}

core::Result<std::string> KeychainSecretStore::getHere(const std::string& name)
{
    QKeychain::ReadPasswordJob job(kService);
    job.setKey(QString::fromStdString(name));
    runJob(job);
    if (job.error() != QKeychain::NoError) {
        if (job.error() == QKeychain::EntryNotFound)
            return core::makeError(core::ErrorCode::NotFound,
                "there is no API key named '" + name + "' in the OS keyring; add it in Models & Runner → Endpoints");
        return keychainError(job, name);
    }
    return job.textData().toStdString();
}

core::Result<std::vector<std::string>> KeychainSecretStore::readIndex()
{
    QKeychain::ReadPasswordJob job(kService);
    job.setKey(kIndex);
    runJob(job);
    if (job.error() == QKeychain::EntryNotFound)
        return std::vector<std::string> {};
    if (job.error() != QKeychain::NoError)
        return keychainError(job, kIndex.toStdString());
    std::vector<std::string> names;
    for (const QJsonValue& v : QJsonDocument::fromJson(job.textData().toUtf8()).array())
        names.push_back(v.toString().toStdString());
    return names;
}

core::Status KeychainSecretStore::writeIndex(const std::vector<std::string>& names)
{
    QJsonArray array;
    for (const std::string& n : names)
        array.append(QString::fromStdString(n));
    QKeychain::WritePasswordJob job(kService);
    job.setKey(kIndex);
    job.setTextData(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact)));
    runJob(job);
    if (job.error() != QKeychain::NoError)
        return keychainError(job, kIndex.toStdString());
    return {};
}

core::Status KeychainSecretStore::set(const std::string& name, const std::string& value)
{
    if (name.empty() || QString::fromStdString(name) == kIndex)
        return core::makeError(core::ErrorCode::Invalid, "a key needs a name (and not '" + name + "')");
    return onKeyringThread([&]() -> core::Status { return setHere(name, value); });
}

core::Status KeychainSecretStore::setHere(const std::string& name, const std::string& value)
{
    std::lock_guard lock(m_mutex);
    QKeychain::WritePasswordJob job(kService);
    job.setKey(QString::fromStdString(name));
    job.setTextData(QString::fromStdString(value));
    runJob(job);
    if (job.error() != QKeychain::NoError)
        return keychainError(job, name);
    auto index = readIndex();
    if (!index)
        return index.error();
    if (std::find(index->begin(), index->end(), name) == index->end()) {
        index->push_back(name);
        std::sort(index->begin(), index->end());
        return writeIndex(*index);
    }
    return {};
}

core::Status KeychainSecretStore::remove(const std::string& name)
{
    return onKeyringThread([&]() -> core::Status { return removeHere(name); });
}

core::Status KeychainSecretStore::removeHere(const std::string& name)
{
    std::lock_guard lock(m_mutex);
    QKeychain::DeletePasswordJob job(kService);
    job.setKey(QString::fromStdString(name));
    runJob(job);
    if (job.error() != QKeychain::NoError)
        return keychainError(job, name);
    auto index = readIndex();
    if (!index)
        return index.error();
    index->erase(std::remove(index->begin(), index->end(), name), index->end());
    return writeIndex(*index);
}

core::Result<std::vector<std::string>> KeychainSecretStore::names()
{
    return onKeyringThread([this]() -> core::Result<std::vector<std::string>> {
        std::lock_guard lock(m_mutex);
        return readIndex();
    });
}

void KeychainSecretStore::post(std::function<void()> work)
{
    QMetaObject::invokeMethod(keyringThread()->context, std::move(work), Qt::QueuedConnection);
}
#else
std::unique_ptr<KeychainSecretStore> KeychainSecretStore::open(QString* why)
{
    if (why)
        *why = QStringLiteral("this build has no QtKeychain");
    return nullptr;
}
core::Result<std::string> KeychainSecretStore::get(const std::string&)
{
    return core::makeError(core::ErrorCode::Unsupported, "no OS keyring in this build");
}
core::Status KeychainSecretStore::set(const std::string&, const std::string&)
{
    return core::makeError(core::ErrorCode::Unsupported, "no OS keyring in this build");
}
core::Status KeychainSecretStore::remove(const std::string&)
{
    return core::makeError(core::ErrorCode::Unsupported, "no OS keyring in this build");
}
core::Result<std::vector<std::string>> KeychainSecretStore::names()
{
    return core::makeError(core::ErrorCode::Unsupported, "no OS keyring in this build");
}
core::Result<std::vector<std::string>> KeychainSecretStore::readIndex()
{
    return std::vector<std::string> {};
}
void KeychainSecretStore::post(std::function<void()> work)
{
    work();
}
core::Status KeychainSecretStore::writeIndex(const std::vector<std::string>&)
{
    return {};
}
#endif

std::unique_ptr<core::SecretStore> makeSecretStore(QString* description)
{
    // ASSAY_SECRETS=file forces the file (CI, or a keyring the user does not want to use).
    QString why;
    if (qEnvironmentVariable("ASSAY_SECRETS") != QLatin1String("file")) {
        if (auto keychain = KeychainSecretStore::open(&why)) {
            if (description)
                *description = QCoreApplication::translate("assay", "API keys: the OS keyring");
            return keychain;
        }
    } else {
        why = QStringLiteral("ASSAY_SECRETS=file");
    }
    auto file = std::make_unique<core::FileSecretStore>();
    if (description)
        *description = QCoreApplication::translate("assay", "API keys: %1 (mode 0600; the OS keyring is not used: %2)")
                           .arg(QString::fromStdString(file->path()), why);
    return file;
}

ProbedSecretStore::ProbedSecretStore(QObject* parent)
    : QObject(parent)
    , m_description(QCoreApplication::translate("assay", "API keys: asking the OS keyring…"))
{
    if (qEnvironmentVariable("ASSAY_SECRETS") == QLatin1String("file")) { // no keyring to ask: decide now
        QString description;
        auto chosen = makeSecretStore(&description);
        choose(std::move(chosen), description);
        return;
    }
    KeychainSecretStore::post([this] { // the probe's QtKeychain job runs in the keyring thread's event loop
        QString description;
        auto chosen = makeSecretStore(&description);
        choose(std::move(chosen), description);
    });
}

ProbedSecretStore::~ProbedSecretStore()
{
    std::unique_lock lock(m_mutex);
    m_decided.wait(lock, [this] { return m_probeDone; }); // the probe still holds `this`
}

void ProbedSecretStore::choose(std::unique_ptr<core::SecretStore> chosen, const QString& description)
{
    // Queued to this object's thread (the GUI); posted before m_probeDone, while the destructor still waits.
    QMetaObject::invokeMethod(
        this, [this, description] { Q_EMIT decided(description); }, Qt::QueuedConnection);
    std::lock_guard lock(m_mutex);
    m_store = std::move(chosen);
    m_description = description;
    m_probeDone = true;
    m_decided.notify_all(); // under the lock: the destructor cannot destroy it before this returns
}

bool ProbedSecretStore::isDecided() const
{
    std::lock_guard lock(m_mutex);
    return m_store != nullptr;
}

QString ProbedSecretStore::description() const
{
    std::lock_guard lock(m_mutex);
    return m_description;
}

core::SecretStore* ProbedSecretStore::store(core::Error* notYet)
{
    std::unique_lock lock(m_mutex);
    if (!m_store && QCoreApplication::instance()
        && QThread::currentThread() == QCoreApplication::instance()->thread()) {
        *notYet = core::makeError(core::ErrorCode::Io,
            "the OS keyring has not answered yet; try again in a moment (the status bar says which store holds the "
            "API keys once it has)");
        return nullptr;
    }
    m_decided.wait(lock, [this] { return m_store != nullptr; });
    return m_store.get();
}

core::Result<std::string> ProbedSecretStore::get(const std::string& name)
{
    core::Error notYet;
    core::SecretStore* s = store(&notYet);
    if (!s)
        return notYet;
    return s->get(name);
}

core::Status ProbedSecretStore::set(const std::string& name, const std::string& value)
{
    core::Error notYet;
    core::SecretStore* s = store(&notYet);
    if (!s)
        return notYet;
    return s->set(name, value);
}

core::Status ProbedSecretStore::remove(const std::string& name)
{
    core::Error notYet;
    core::SecretStore* s = store(&notYet);
    if (!s)
        return notYet;
    return s->remove(name);
}

core::Result<std::vector<std::string>> ProbedSecretStore::names()
{
    core::Error notYet;
    core::SecretStore* s = store(&notYet);
    if (!s)
        return notYet;
    return s->names();
}

} // namespace assay::app
