// SPDX-License-Identifier: MIT
#include "filehash.h"
#include "ggufwriter.h"
#include "gputestsupport.h"
#include "modellibrary.h"
#include "requirerunner.h"
#include "util/displaytext.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace assay::gpu;
using assay::test::qs;

namespace {
void writeText(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text);
}

const LibraryEntry* find(const std::vector<LibraryEntry>& entries, const std::string& path)
{
    for (const auto& e : entries)
        if (e.path == path)
            return &e;
    return nullptr;
}
} // namespace

class TstModelLibrary : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_models;
    assay::test::TinyModel m_tiny;
    std::string m_bad;

private Q_SLOTS:
    void initTestCase()
    {
        m_models = m_dir.filePath(QStringLiteral("models"));
        QVERIFY(QDir().mkpath(m_models + QStringLiteral("/sub")));
        ASSAY_REQUIRE_RUNNER(); // the tiny model is made from the install's vocabulary
        auto t = assay::test::makeTinyModelIn(m_models);
        QVERIFY(t);
        m_tiny = *t;
        // A file that claims to be GGUF but is not, a non-GGUF file (ignored), and a copy in a subfolder.
        m_bad = (m_models + QStringLiteral("/sub/broken.gguf")).toStdString();
        writeText(qs(m_bad), QByteArray("GGUF\x03\0\0\0", 8) + QByteArray(40, '\xff'));
        writeText(m_models + QStringLiteral("/readme.txt"), "not a model");
    }

    void scanReadsMetadataAndAttachesAdapters()
    {
        ModelLibrary lib(m_dir.filePath(QStringLiteral("hashes.json")).toStdString());
        lib.setFolders({ m_models.toStdString() });
        QVERIFY(lib.scan().ok());
        const auto entries = lib.entries();
        QCOMPARE(entries.size(), std::size_t(3));
        const auto* model = find(entries, m_tiny.model);
        const auto* lora = find(entries, m_tiny.lora);
        const auto* bad = find(entries, m_bad);
        QVERIFY(model && lora && bad);
        QVERIFY(model->info && !model->info->isAdapter());
        QCOMPARE(model->info->name, std::string("tiny-random-llama"));
        QCOMPARE(model->adapters, std::vector<std::string> { m_tiny.lora });
        QCOMPARE(lora->basePath, m_tiny.model);
        QVERIFY(!bad->info);
        QVERIFY2(qs(bad->error).contains(qs(m_bad)) && qs(bad->error).contains(QStringLiteral("invalid GGUF")),
            bad->error.c_str());
        QVERIFY(model->sha256.empty()); // nothing hashed yet
    }

    void adapterForAnotherShapeIsNotAttached()
    {
        QTemporaryDir d;
        assay::gpu::TinyModelSpec wide;
        wide.nEmbd = 128;
        wide.name = "wide-random-llama";
        auto w = assay::test::makeTinyModelIn(d.path(), wide);
        QVERIFY(w);
        // The 64-wide adapter from the other folder must not attach to a 128-wide base, even by name.
        ModelLibrary lib({});
        lib.setFolders({ d.path().toStdString(), m_models.toStdString() });
        QVERIFY(lib.scan().ok());
        const auto entries = lib.entries();
        QCOMPARE(find(entries, m_tiny.lora)->basePath, m_tiny.model);
        QCOMPARE(find(entries, w->lora)->basePath, w->model);
        QCOMPARE(find(entries, w->model)->adapters.size(), std::size_t(1));
    }

    void hashesInBackgroundAndCaches()
    {
        const auto cache = m_dir.filePath(QStringLiteral("hashes.json")).toStdString();
        QFile::remove(qs(cache));
        const auto expected = sha256File(m_tiny.model).value();
        {
            ModelLibrary lib(cache);
            lib.setFolders({ m_models.toStdString() });
            QVERIFY(lib.scan().ok());
            int progressCalls = 0;
            lib.startHashing([&](const std::string&, std::uint64_t done, std::uint64_t total) {
                QVERIFY(done <= total);
                ++progressCalls;
            });
            QVERIFY(lib.waitForHashing(std::chrono::seconds(60)));
            QVERIFY(progressCalls >= 3);
            QCOMPARE(lib.entry(m_tiny.model)->sha256, expected);
            QCOMPARE(lib.entry(m_bad)->sha256.size(), std::size_t(64)); // invalid files are hashed too
        }
        // The cache is JSON with path, size, mtime and hash — and a new library uses it without hashing.
        QFile f(qs(cache));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto doc = QJsonDocument::fromJson(f.readAll());
        QCOMPARE(doc.object().value(QStringLiteral("files")).toArray().size(), 3);
        ModelLibrary again(cache);
        again.setFolders({ m_models.toStdString() });
        QVERIFY(again.scan().ok());
        QCOMPARE(again.entry(m_tiny.model)->sha256, expected);
        // A changed mtime invalidates the cached hash.
        std::filesystem::last_write_time(m_tiny.lora, std::filesystem::file_time_type::clock::now());
        QVERIFY(again.scan().ok());
        QVERIFY(again.entry(m_tiny.lora)->sha256.empty());
        QCOMPARE(again.entry(m_tiny.model)->sha256, expected);
        // A damaged cache is ignored, not fatal.
        writeText(qs(cache), "{ not json");
        ModelLibrary damaged(cache);
        damaged.setFolders({ m_models.toStdString() });
        QVERIFY(damaged.scan().ok());
        QVERIFY(damaged.entry(m_tiny.model)->sha256.empty());
    }

    void hashingCanBeCancelled()
    {
        QTemporaryDir d;
        const auto big = d.filePath(QStringLiteral("big.gguf")).toStdString();
        {
            std::ofstream out(big, std::ios::binary);
            out.seekp((3ll << 30) - 1); // sparse 3 GiB: takes seconds to hash
            out.put('\0');
        }
        ModelLibrary lib({});
        lib.setFolders({ d.path().toStdString() });
        QVERIFY(lib.scan().ok());
        std::atomic<bool> started { false };
        lib.startHashing([&](const std::string&, std::uint64_t, std::uint64_t) { started = true; });
        QTRY_VERIFY_WITH_TIMEOUT(started.load(), 10000);
        // No wall-clock limit: a cancel that did not stop the hash would leave cancelHashing() waiting for the whole
        // 3 GiB and the entry with its SHA-256, which the next line refuses.
        lib.cancelHashing();
        QVERIFY(lib.entry(big)->sha256.empty());
        QVERIFY(lib.waitForHashing(std::chrono::milliseconds(0)));
    }

    void verifiesManifest()
    {
        ModelLibrary lib({});
        lib.setFolders({ m_models.toStdString() });
        QVERIFY(lib.scan().ok());
        const auto good = sha256File(m_tiny.model).value();
        const QByteArray manifest = "# models brought in on media\n" + QByteArray::fromStdString(good)
            + "  tiny-llama-f16.gguf\n" + QByteArray(64, 'a') + " *tiny-lora.gguf\n" + QByteArray(64, 'b')
            + "  sub/gone.gguf\n";
        const auto path = m_models + QStringLiteral("/SHA256SUMS");
        writeText(path, manifest);
        auto report = lib.verifyManifest(path.toStdString());
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().message.c_str());
        QCOMPARE(report->matched, std::size_t(1));
        QCOMPARE(report->mismatched, std::size_t(1));
        QCOMPARE(report->missing, std::size_t(1));
        QVERIFY(!report->allMatch());
        QCOMPARE(lib.entry(m_tiny.model)->manifest, ManifestStatus::Match);
        QCOMPARE(lib.entry(m_tiny.lora)->manifest, ManifestStatus::Mismatch);
        QCOMPARE(lib.entry(m_bad)->manifest, ManifestStatus::NotListed);
        // A malformed manifest names its line.
        writeText(path, "# ok\n" + QByteArray::fromStdString(good) + "  tiny-llama-f16.gguf\nnot a hash line\n");
        auto bad = lib.verifyManifest(path.toStdString());
        QVERIFY(!bad.ok());
        QVERIFY2(qs(bad.error().message).contains(QStringLiteral("SHA256SUMS:3:")), bad.error().message.c_str());
    }

    void fileNameThatIsNotUtf8IsShownValidAndStaysUsable()
    {
        // Linux file names are bytes: "mod\xff\xfel.gguf" is a valid name that is not UTF-8.
        QTemporaryDir d;
        const std::string raw = d.path().toStdString() + "/mod\xff\xfel.gguf";
        std::filesystem::copy_file(m_tiny.model, raw);
        const std::string cache = d.path().toStdString() + "/hashes.json";
        ModelLibrary lib(cache);
        lib.setFolders({ d.path().toStdString() });
        QVERIFY(lib.scan().ok());
        const auto entries = lib.entries();
        QCOMPARE(entries.size(), std::size_t(1));
        const LibraryEntry& e = entries.front();
        // The path to open is the raw bytes; what is shown is valid UTF-8, the bad bytes as U+FFFD.
        QCOMPARE(e.path, raw);
        QCOMPARE(e.displayPath, d.path().toStdString() + "/mod\uFFFD\uFFFDl.gguf");
        QVERIFY(e.info);
        QCOMPARE(e.info->path, raw);
        QCOMPARE(e.info->name, std::string("tiny-random-llama")); // general.name
        QVERIFY(lib.entry(raw));
        // Still usable: hashed through its raw path, and the hash cache (JSON, UTF-8 only) keeps it.
        lib.startHashing();
        QVERIFY(lib.waitForHashing(std::chrono::seconds(60)));
        QCOMPARE(lib.entry(raw)->sha256, sha256File(m_tiny.model).value());
        QFile f(qs(cache));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(QJsonDocument::fromJson(f.readAll()).isObject());
        ModelLibrary again(cache);
        again.setFolders({ d.path().toStdString() });
        QVERIFY(again.scan().ok());
        QCOMPARE(again.entry(raw)->sha256, lib.entry(raw)->sha256);

        // A file without general.name is named after the file: valid UTF-8 too; a rejected file's error as well.
        assay::gpu::GgufWriter w;
        w.setString("general.architecture", "llama");
        QVERIFY(w.writeTo(d.path().toStdString() + "/bare\xe9.gguf").ok());
        QFile broken(QString::fromStdString(d.path().toStdString()) + QStringLiteral("/x.gguf"));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("GGUF");
        broken.close();
        std::filesystem::rename(d.path().toStdString() + "/x.gguf", d.path().toStdString() + "/broken\xfe.gguf");
        QVERIFY(lib.scan().ok());
        for (const auto& entry : lib.entries()) {
            QVERIFY2(entry.displayPath == assay::core::validUtf8(entry.path), entry.displayPath.c_str());
            QVERIFY2(assay::core::validUtf8(entry.error) == entry.error, entry.error.c_str());
            if (entry.info)
                QVERIFY2(assay::core::validUtf8(entry.info->name) == entry.info->name, entry.info->name.c_str());
        }
        const auto bare = lib.entry(d.path().toStdString() + "/bare\xe9.gguf");
        QVERIFY(bare && bare->info);
        QCOMPARE(bare->info->name, std::string("bare\uFFFD"));
        const auto bad = lib.entry(d.path().toStdString() + "/broken\xfe.gguf");
        QVERIFY(bad && !bad->info);
        QVERIFY2(bad->error.find("broken\uFFFD.gguf") != std::string::npos, bad->error.c_str());
    }

    void missingFolderIsAnError()
    {
        ModelLibrary lib({});
        lib.setFolders({ m_dir.filePath(QStringLiteral("does-not-exist")).toStdString() });
        const auto st = lib.scan();
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, assay::core::ErrorCode::Io);
    }
};

QTEST_GUILESS_MAIN(TstModelLibrary)
#include "tst_modellibrary.moc"
