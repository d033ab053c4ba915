// SPDX-License-Identifier: MIT
#pragma once
// The planted key: every assay-cli a CLI test starts (clitest.h) runs with one known, fake API key planted in every
// environment variable a key could come from and in the secrets file of a private HOME / XDG_CONFIG_HOME, and the
// test fails when that key shows up in the process's stdout or stderr, or afterwards in a file the command could
// have written: the files named in its arguments (with their -wal/-shm/-journal), the temporary folder they lie in,
// its working folder, the private HOME, XDG and TMPDIR folders, and folders a test registers (scanAlso). The
// developer's real keys are never read or touched: the child gets its own HOME and none of the ASSAY_KEY_* variables
// of the environment it was started from.
#include "secrets/filesecretstore.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace assay::clitest {

class PlantedKey {
public:
    /// The variables that get the planted key: the store's override for the NAMEs "planted" (and the usual names of
    /// provider keys, so nothing that ever starts reading them can echo a key unnoticed).
    static QStringList variables()
    {
        return { QStringLiteral("ASSAY_KEY_PLANTED"), QStringLiteral("OPENAI_API_KEY"),
            QStringLiteral("ANTHROPIC_API_KEY"), QStringLiteral("AZURE_OPENAI_API_KEY"),
            QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AWS_SECRET_ACCESS_KEY"),
            QStringLiteral("AWS_SESSION_TOKEN"), QStringLiteral("GEMINI_API_KEY"), QStringLiteral("HF_TOKEN"),
            QStringLiteral("GITHUB_TOKEN") };
    }
    /// The secret NAME under which the secrets file holds the key.
    static QString fileSecretName() { return QStringLiteral("planted-file"); }

    /// One per test process, made on first use.
    static PlantedKey& instance()
    {
        static PlantedKey key;
        return key;
    }

    /// "sk-plantedAssayKEY" + 24 random letters and digits (per test process).
    [[nodiscard]] const QString& value() const { return m_key; }
    /// The secrets file of the private XDG_CONFIG_HOME (holds fileSecretName() and what tests store with keys set).
    [[nodiscard]] QString secretsFile() const { return m_root.filePath(QStringLiteral("config/assay/secrets.json")); }
    [[nodiscard]] bool ready() const { return m_ready; }

    /// The environment for an assay-cli child: the caller's, less every ASSAY_KEY_* and ASSAY_OFFLINE, with the
    /// planted key and the private HOME, XDG_* and TMPDIR folders.
    [[nodiscard]] QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString& name : env.keys())
            if (name.startsWith(QStringLiteral("ASSAY_KEY_")))
                env.remove(name);
        env.remove(QStringLiteral("ASSAY_OFFLINE"));
        for (const QString& name : variables())
            env.insert(name, m_key);
        env.insert(QStringLiteral("HOME"), m_root.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_root.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_root.filePath(QStringLiteral("home/.local/share")));
        env.insert(QStringLiteral("XDG_STATE_HOME"), m_root.filePath(QStringLiteral("home/.local/state")));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), m_root.filePath(QStringLiteral("home/.cache")));
        env.insert(QStringLiteral("TMPDIR"), m_root.filePath(QStringLiteral("tmp")));
        return env;
    }

    /// Registers a folder whose files every later check scans (recursively).
    void scanAlso(const QString& dir)
    {
        if (!m_extraDirs.contains(dir))
            m_extraDirs << dir;
    }

    /// Where the planted key appears after a command ran with @p args in @p workDir and printed @p out and @p err:
    /// "stdout", "stderr", or "file PATH". Empty when it appears nowhere. The secrets file itself is not scanned.
    [[nodiscard]] QStringList leaks(
        const QStringList& args, const QByteArray& out, const QByteArray& err, const QString& workDir = {}) const
    {
        QStringList found;
        if (containsKey(out))
            found << QStringLiteral("stdout");
        if (containsKey(err))
            found << QStringLiteral("stderr");
        const QDir base(workDir.isEmpty() ? QDir::currentPath() : workDir);
        QStringList files;
        QStringList dirs { m_root.filePath(QStringLiteral("home")), m_root.filePath(QStringLiteral("tmp")),
            m_root.filePath(QStringLiteral("config")) };
        dirs += m_extraDirs;
        if (!workDir.isEmpty())
            dirs << tempFolderOf(workDir);
        for (const QString& arg : args) {
            QStringList candidates { arg };
            if (const auto eq = arg.indexOf(QLatin1Char('=')); eq > 0)
                candidates << arg.mid(eq + 1);
            for (const QString& c : candidates) {
                if (c.isEmpty() || c.size() > 4096)
                    continue;
                const QFileInfo info(base.absoluteFilePath(c));
                const QString path = info.absoluteFilePath();
                for (const char* suffix : { "", "-wal", "-shm", "-journal" })
                    files << path + QString::fromLatin1(suffix);
                if (info.isDir())
                    dirs << path;
                dirs << tempFolderOf(path);
            }
        }
        QSet<QString> seen;
        dirs.removeDuplicates();
        for (const QString& dir : dirs) {
            if (dir.isEmpty() || !QFileInfo(dir).isDir())
                continue;
            QDirIterator it(
                dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks, QDirIterator::Subdirectories);
            while (it.hasNext())
                files << it.next();
        }
        const QString secretsDir = QFileInfo(secretsFile()).absolutePath();
        for (const QString& file : files) {
            const QFileInfo info(file);
            if (!info.isFile() || info.isSymLink() || info.absolutePath() == secretsDir)
                continue; // the secrets file and its temp files hold the key by design
            const QString canonical = info.canonicalFilePath();
            if (seen.contains(canonical))
                continue;
            seen.insert(canonical);
            if (fileContainsKey(canonical))
                found << QStringLiteral("file ") + canonical;
        }
        return found;
    }

    /// True when @p bytes hold the key or a 12-character half of its random part (a partly masked key is a leak).
    [[nodiscard]] bool containsKey(const QByteArray& bytes) const
    {
        for (const QByteArray& needle : m_needles)
            if (bytes.contains(needle))
                return true;
        return false;
    }

    /// @p text with the key replaced by "<planted key>", for failure messages.
    [[nodiscard]] QString masked(QString text) const { return text.replace(m_key, QStringLiteral("<planted key>")); }

private:
    PlantedKey()
        : m_root(QDir::tempPath() + QStringLiteral("/assay-planted-key-XXXXXX"))
    {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        QString tail;
        for (int i = 0; i < 24; ++i)
            tail += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(62)]);
        m_key = QStringLiteral("sk-plantedAssayKEY") + tail;
        m_needles = { tail.left(12).toLatin1(), tail.right(12).toLatin1() };
        if (!m_root.isValid())
            return;
        QDir root(m_root.path());
        for (const char* dir : { "home/.local/share", "home/.local/state", "home/.cache", "tmp", "config" })
            root.mkpath(QString::fromLatin1(dir));
        core::FileSecretStore store(secretsFile().toStdString(), false);
        m_ready = store.set(fileSecretName().toStdString(), m_key.toStdString()).ok();
    }

    /// The folder right below the temp folder that holds @p path (the QTemporaryDir a test made), or "".
    static QString tempFolderOf(const QString& path)
    {
        const QString temp = QDir(QDir::tempPath()).canonicalPath() + QLatin1Char('/');
        QFileInfo info(path);
        while (!info.exists() && info.absolutePath() != info.absoluteFilePath())
            info = QFileInfo(info.absolutePath());
        const QString canonical = info.canonicalFilePath();
        if (!canonical.startsWith(temp))
            return {};
        const QString first = canonical.mid(temp.size()).section(QLatin1Char('/'), 0, 0);
        if (first.isEmpty())
            return {};
        // Never the folder that holds the source or build tree (a checkout under /tmp): only what a test made.
        const QString folder = temp + first;
        QStringList ours { QDir::currentPath(), QCoreApplication::applicationDirPath() };
#ifdef ASSAY_SOURCE_DIR
        ours << QStringLiteral(ASSAY_SOURCE_DIR);
#endif
#ifdef ASSAY_BINARY_DIR
        ours << QStringLiteral(ASSAY_BINARY_DIR);
#endif
        for (const QString& tree : ours) {
            const QString c = QFileInfo(tree).canonicalFilePath();
            if (c == folder || c.startsWith(folder + QLatin1Char('/')))
                return {};
        }
        return folder;
    }

    [[nodiscard]] bool fileContainsKey(const QString& path) const
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return false;
        constexpr qint64 kChunk = 4 << 20;
        QByteArray carry;
        while (!f.atEnd()) {
            const QByteArray chunk = carry + f.read(kChunk);
            if (containsKey(chunk))
                return true;
            carry = chunk.right(64);
        }
        return false;
    }

    QTemporaryDir m_root;
    QString m_key;
    QList<QByteArray> m_needles;
    QStringList m_extraDirs;
    bool m_ready = false;
};

/// The planted key's value (the same for every invocation of this test process).
inline QString plantedKey()
{
    return PlantedKey::instance().value();
}

} // namespace assay::clitest
