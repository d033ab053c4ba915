// SPDX-License-Identifier: MIT
// The GGUF reader on real files: the generated tiny model and its adapter (made from the vocabulary of the llama.cpp
// install) and a file written by ggml's own writer (llama-quantize). Needs the llama.cpp install (ASSAY_REQUIRE_RUNNER:
// CI fails without it); the reader's pure tests are in tst_gguf.cpp.
#include "filehash.h"
#include "gguf.h"
#include "gputestsupport.h"
#include "modelinfo.h"
#include "requirerunner.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace assay::gpu;
using assay::test::qs;

namespace {
// Known bytes of the default tiny model and adapter: the generator must write the same files on every machine.
constexpr const char* kTinySha = "b82e0915322cf161a438ecfe1c09596ed45a149242930a5ecff9765ae72e0220";
constexpr const char* kLoraSha = "ea098bc71671a8fe62a64afd8dff67e4c169e40cbbdfbcd0f182de7c6c2dba10";

assay::core::Result<GgufFile> parse(const QByteArray& b)
{
    return parseGguf({ reinterpret_cast<const std::uint8_t*>(b.constData()), static_cast<std::size_t>(b.size()) }, "t");
}

QByteArray readAll(const std::string& path)
{
    QFile f(qs(path));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}
} // namespace

class TstGgufModel : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    assay::test::TinyModel m_tiny;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        ASSAY_REQUIRE_RUNNER();
        auto t = assay::test::makeTinyModelIn(m_dir.path());
        QVERIFY(t);
        m_tiny = *t;
    }

    void readsTinyModel()
    {
        auto info = readModelInfo(m_tiny.model);
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().message.c_str());
        QCOMPARE(info->ggufVersion, 3u);
        QCOMPARE(info->architecture, std::string("llama"));
        QCOMPARE(info->name, std::string("tiny-random-llama"));
        QCOMPARE(info->type, std::string("model"));
        QCOMPARE(info->license, std::string("mit"));
        QCOMPARE(info->quantization, std::string("F16"));
        QCOMPARE(info->tensorCount, 21u);
        QCOMPARE(info->parameterCount, 4'227'392ull); // 2·32000·64 + 64 + 2·(2·64 + 4·64² + 3·64·256)
        QCOMPARE(info->contextLength, 2048u);
        QCOMPARE(info->embeddingLength, 64u);
        QCOMPARE(info->blockCount, 2u);
        QCOMPARE(info->feedForwardLength, 256u);
        QCOMPARE(info->headCount, 4u);
        QCOMPARE(info->headCountKv, 4u);
        QCOMPARE(info->keyLength, 16u);
        QCOMPARE(info->vocabSize, 32000u);
        QVERIFY(info->chatTemplate.find("<|im_start|>") != std::string::npos);
        QCOMPARE(info->fileSize, static_cast<std::uint64_t>(QFileInfo(qs(m_tiny.model)).size()));
        QCOMPARE(info->layerBytes.size(), std::size_t(2));
        std::uint64_t sum = info->inputBytes + info->outputBytes;
        for (const auto b : info->layerBytes)
            sum += b;
        QCOMPARE(sum, info->tensorBytes);
        QCOMPARE(info->outputBytes, 64ull * 32000 * 2 + 64 * 4); // F16 output.weight + F32 output_norm
        bool sawName = false;
        for (const auto& [k, v] : info->generalKeys)
            sawName = sawName || (k == "general.name" && v == "tiny-random-llama");
        QVERIFY(sawName);
        QCOMPARE(qs(info->parameterLabel()), QStringLiteral("4M"));
    }

    /// Our reader against a file written by ggml's own writer (llama-quantize), not by our writer.
    void readsFileWrittenByLlamaQuantize()
    {
        auto install = locateRunner();
        QVERIFY(install); // ASSAY_REQUIRE_RUNNER in initTestCase
        const auto out = m_dir.filePath(QStringLiteral("tiny-q8_0.gguf"));
        QProcess q;
        q.start(qs(install->prefix + "/bin/llama-quantize"), { qs(m_tiny.model), out, QStringLiteral("Q8_0") });
        QVERIFY(q.waitForFinished(120000));
        QCOMPARE(q.exitCode(), 0);
        auto info = readModelInfo(out.toStdString());
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().message.c_str());
        QCOMPARE(info->quantization, std::string("Q8_0"));
        QCOMPARE(info->fileType.value_or(0), 7u);
        QCOMPARE(info->parameterCount, 4'227'392ull);
        QCOMPARE(info->architecture, std::string("llama"));
        QVERIFY(info->tensorBytes < info->fileSize && info->fileSize - info->tensorBytes < 2'000'000);
        auto g = readGguf(out.toStdString());
        QVERIFY(g.ok());
        const auto& last = g->tensors.back();
        QVERIFY(g->dataOffset + last.offset + last.byteSize <= g->fileSize);
        QVERIFY(g->fileSize - (g->dataOffset + last.offset + last.byteSize) < 32);
    }

    void readsLoraAdapter()
    {
        auto info = readModelInfo(m_tiny.lora);
        QVERIFY(info.ok());
        QVERIFY(info->isAdapter());
        QCOMPARE(info->adapterType, std::string("lora"));
        QVERIFY(info->loraAlpha.has_value());
        QCOMPARE(*info->loraAlpha, 8.0);
        QCOMPARE(info->adapterInputWidth, 64u);
        QCOMPARE(info->baseModels.size(), std::size_t(1));
        QCOMPARE(info->baseModels[0].name, std::string("tiny-random-llama"));
    }

    void generatorIsDeterministic()
    {
        QCOMPARE(qs(sha256File(m_tiny.model).value()), QString::fromLatin1(kTinySha));
        QCOMPARE(qs(sha256File(m_tiny.lora).value()), QString::fromLatin1(kLoraSha));
        // The project tool writes the same bytes, run after run.
        QTemporaryDir d2;
        for (int run = 0; run < 2; ++run) {
            const QString m = d2.filePath(QStringLiteral("m%1.gguf").arg(run));
            const QString l = d2.filePath(QStringLiteral("l%1.gguf").arg(run));
            QProcess p;
            p.start(QStringLiteral(MAKE_TINY_MODEL), { m, l });
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 0);
            QCOMPARE(qs(sha256File(m.toStdString()).value()), QString::fromLatin1(kTinySha));
            QCOMPARE(qs(sha256File(l.toStdString()).value()), QString::fromLatin1(kLoraSha));
        }
        // A different seed gives different weights, same shape.
        const QString other = d2.filePath(QStringLiteral("seed7.gguf"));
        QProcess p;
        p.start(QStringLiteral(MAKE_TINY_MODEL), { other, QStringLiteral("-"), QStringLiteral("7") });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(qs(sha256File(other.toStdString()).value()) != QString::fromLatin1(kTinySha));
        QCOMPARE(readModelInfo(other.toStdString())->parameterCount, 4'227'392ull);
    }

    void truncatedFileOnDisk()
    {
        const QByteArray whole = readAll(m_tiny.model);
        QVERIFY(whole.size() > 9'000'000);
        const auto cut = m_dir.filePath(QStringLiteral("cut.gguf")).toStdString();
        {
            std::ofstream out(cut, std::ios::binary);
            out.write(whole.constData(), whole.size() - 1000);
        }
        auto r = readGguf(cut);
        QVERIFY(!r.ok());
        QVERIFY2(qs(r.error().message).contains(qs(cut)), r.error().message.c_str());
        QVERIFY2(qs(r.error().message).contains(QStringLiteral("truncated"))
                || qs(r.error().message).contains(QStringLiteral("beyond the end")),
            r.error().message.c_str());
        QCOMPARE(readGguf(m_dir.filePath(QStringLiteral("nope.gguf")).toStdString()).error().code,
            assay::core::ErrorCode::Io);
    }

    /// Every prefix of a real adapter, and 20 000 deterministic bit flips in it: never a crash, always a clean
    /// Result (the header region must be rejected when cut).
    void mutationsNeverCrash()
    {
        const QByteArray lora = readAll(m_tiny.lora);
        QVERIFY(parse(lora).ok());
        int rejected = 0;
        for (qsizetype n = 0; n < lora.size(); n += (n < 2048 ? 1 : 97)) {
            if (!parse(lora.left(n)).ok())
                ++rejected;
        }
        QVERIFY(rejected > 2000);
        std::uint64_t s = 12345;
        int accepted = 0;
        for (int k = 0; k < 20000; ++k) {
            QByteArray m = lora;
            for (int f = 0; f < 1 + k % 4; ++f) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                const auto pos
                    = static_cast<qsizetype>((s >> 33) % static_cast<std::uint64_t>(m.size() > 4096 ? 4096 : m.size()));
                m[pos] = static_cast<char>(m[pos] ^ (1 << ((s >> 20) % 8)));
            }
            if (parse(m).ok())
                ++accepted;
        }
        qInfo("bit flips: %d of 20000 mutated files still valid", accepted);
    }
};

QTEST_GUILESS_MAIN(TstGgufModel)
#include "tst_ggufmodel.moc"
