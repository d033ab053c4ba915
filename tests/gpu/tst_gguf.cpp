// SPDX-License-Identifier: MIT
#include "filehash.h"
#include "ggmltypes.h"
#include "gguf.h"
#include "ggufwriter.h"
#include "gputestsupport.h"
#include "modelinfo.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>

using namespace assay::gpu;
using assay::test::qs;

namespace {
// Known bytes of the default tiny model and adapter: the generator must write the same files on every machine.
constexpr const char* kTinySha = "b82e0915322cf161a438ecfe1c09596ed45a149242930a5ecff9765ae72e0220";
constexpr const char* kLoraSha = "ea098bc71671a8fe62a64afd8dff67e4c169e40cbbdfbcd0f182de7c6c2dba10";

/// Little-endian GGUF byte builder for hand-made (often malformed) files.
class Bytes {
public:
    Bytes& u32(std::uint32_t v) { return raw(&v, 4); }
    Bytes& u64(std::uint64_t v) { return raw(&v, 8); }
    Bytes& i64(std::int64_t v) { return raw(&v, 8); }
    Bytes& str(const std::string& s) { return u64(s.size()).raw(s.data(), s.size()); }
    Bytes& raw(const void* p, std::size_t n)
    {
        m_b.append(static_cast<const char*>(p), static_cast<qsizetype>(n));
        return *this;
    }
    Bytes& header(std::uint64_t nTensors, std::uint64_t nKv, std::uint32_t version = 3)
    {
        return raw("GGUF", 4).u32(version).u64(nTensors).u64(nKv);
    }
    Bytes& kvU32(const std::string& key, std::uint32_t v) { return str(key).u32(4).u32(v); }
    Bytes& kvStr(const std::string& key, const std::string& v) { return str(key).u32(8).str(v); }
    Bytes& tensor(const std::string& name, std::vector<std::int64_t> ne, std::uint32_t type, std::uint64_t offset)
    {
        str(name).u32(static_cast<std::uint32_t>(ne.size()));
        for (const auto v : ne)
            i64(v);
        return u32(type).u64(offset);
    }
    Bytes& padTo(std::size_t align)
    {
        while (m_b.size() % static_cast<qsizetype>(align))
            m_b.append('\0');
        return *this;
    }
    Bytes& zeros(std::size_t n)
    {
        m_b.append(QByteArray(static_cast<qsizetype>(n), '\0'));
        return *this;
    }
    QByteArray bytes() const { return m_b; }

private:
    QByteArray m_b;
};

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

class TstGguf : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    assay::test::TinyModel m_tiny;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto t = assay::test::makeTinyModelIn(m_dir.path());
        if (!t)
            QSKIP("llama.cpp install (vocabulary) not found; run packaging/build-llama.sh");
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
        if (!install)
            QSKIP("llama.cpp not installed");
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

    void writerRoundTrip()
    {
        GgufWriter w;
        GgufValue i8;
        i8.type = GgufType::Int8;
        i8.i = -5;
        GgufValue u64;
        u64.type = GgufType::UInt64;
        u64.u = 1ull << 40;
        GgufValue f64;
        f64.type = GgufType::Float64;
        f64.f = 3.25;
        GgufValue arr;
        arr.type = GgufType::Array;
        arr.elemType = GgufType::Int32;
        arr.count = 3;
        const std::int32_t vals[] = { 1, -2, 3 };
        arr.raw.assign(reinterpret_cast<const std::uint8_t*>(vals), reinterpret_cast<const std::uint8_t*>(vals) + 12);
        GgufValue sarr;
        sarr.type = GgufType::Array;
        sarr.elemType = GgufType::String;
        sarr.count = 2;
        sarr.strings = { "a", "" };
        w.set("k.i8", i8);
        w.set("k.u64", u64);
        w.set("k.f64", f64);
        w.set("k.arr", arr);
        w.set("k.sarr", sarr);
        w.set("k.bool", GgufValue::ofBool(true));
        w.setString("k.s", "héllo");
        w.setFloat32("k.f32", 0.5f);
        w.addTensor("t", 8 /* q8_0 */, { 64, 2 }, [] { return std::vector<std::uint8_t>(4 * 34, 7); });
        const auto path = QTemporaryDir().path().toStdString(); // just a unique name
        const auto file = m_dir.filePath(QStringLiteral("roundtrip.gguf")).toStdString();
        QVERIFY(w.writeTo(file).ok());
        auto g = readGguf(file);
        QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
        QCOMPARE(g->kvs.size(), std::size_t(8));
        QCOMPARE(g->find("k.i8")->i, std::int64_t(-5));
        QCOMPARE(g->find("k.u64")->u, 1ull << 40);
        QCOMPARE(g->find("k.f64")->f, 3.25);
        QCOMPARE(g->find("k.arr")->raw, arr.raw);
        QCOMPARE(g->find("k.sarr")->strings, sarr.strings);
        QCOMPARE(g->find("k.bool")->u, 1ull);
        QCOMPARE(g->getString("k.s").value(), std::string("héllo"));
        QCOMPARE(g->getFloat("k.f32").value(), 0.5);
        QCOMPARE(g->tensors.size(), std::size_t(1));
        QCOMPARE(g->tensors[0].byteSize, 136ull);
        QCOMPARE(g->dataOffset % 32, 0ull);
        QCOMPARE(g->dataOffset + 160, g->fileSize); // 136 bytes padded to 160
        Q_UNUSED(path);
    }

    void halfConversion_data()
    {
        QTest::addColumn<float>("value");
        QTest::addColumn<int>("bits");
        QTest::newRow("one") << 1.0f << 0x3c00;
        QTest::newRow("minus two") << -2.0f << 0xc000;
        QTest::newRow("zero") << 0.0f << 0;
        QTest::newRow("max") << 65504.0f << 0x7bff;
        QTest::newRow("overflow") << 1e6f << 0x7c00;
        QTest::newRow("smallest subnormal") << 5.9604645e-8f << 1;
        QTest::newRow("round to even") << 1.0009765625f << 0x3c01; // 1 + 2^-10
        QTest::newRow("tie to even") << 1.00048828125f << 0x3c00; // 1 + 2^-11 ties down to even
    }
    void halfConversion()
    {
        QFETCH(float, value);
        QFETCH(int, bits);
        QCOMPARE(int(floatToHalf(value)), bits);
    }

    void hostile_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const auto ok = [] { return Bytes().header(0, 1).kvU32("general.alignment", 32); };
        QTest::newRow("empty") << QByteArray() << "too small";
        QTest::newRow("bad magic") << Bytes().raw("GGML", 4).u32(3).u64(0).u64(0).bytes() << "bad magic";
        QTest::newRow("version 1") << Bytes().header(0, 0, 1).bytes() << "version 1";
        QTest::newRow("version 99") << Bytes().header(0, 0, 99).bytes() << "unsupported GGUF version 99";
        QTest::newRow("tensor count") << Bytes().header(~0ull, 0).bytes() << "tensor count";
        QTest::newRow("kv count") << Bytes().header(0, 1ull << 60).bytes() << "key/value count";
        QTest::newRow("key length") << Bytes().header(0, 1).u64(1ull << 62).zeros(16).bytes() << "key length";
        QTest::newRow("empty key") << Bytes().header(0, 1).str("").u32(4).u32(1).bytes() << "empty key";
        QTest::newRow("value type") << Bytes().header(0, 1).str("k").u32(13).u32(0).bytes() << "invalid value type 13";
        QTest::newRow("string length") << Bytes().header(0, 1).str("k").u32(8).u64(1000).raw("abc", 3).bytes()
                                       << "string value length 1000";
        QTest::newRow("array count") << Bytes().header(0, 1).str("k").u32(9).u32(4).u64(1ull << 40).zeros(8).bytes()
                                     << "exceeds the file size";
        QTest::newRow("string array") << Bytes().header(0, 1).str("k").u32(9).u32(8).u64(2).str("a").u64(999).bytes()
                                      << "array string #1";
        QTest::newRow("nested array") << Bytes().header(0, 1).str("k").u32(9).u32(9).u64(1).zeros(16).bytes()
                                      << "nested arrays";
        QTest::newRow("bad bool") << Bytes().header(0, 1).str("k").u32(7).raw("\x02", 1).zeros(8).bytes() << "bool";
        QTest::newRow("duplicate key") << Bytes().header(0, 2).kvU32("a", 1).kvU32("a", 2).bytes() << "duplicate key";
        QTest::newRow("alignment") << Bytes().header(0, 1).kvU32("general.alignment", 48).bytes() << "power of two";
        QTest::newRow("truncated kv") << ok().bytes().left(40) << "key length 17 exceeds the file size";
        QTest::newRow("truncated value") << ok().bytes().left(24 + 8 + 17 + 4 + 2) << "truncated: value needs 4 bytes";
        QTest::newRow("dims") << Bytes().header(1, 0).tensor("t", { 1, 1, 1, 1, 1 }, 0, 0).bytes() << "5 dimensions";
        QTest::newRow("negative ne") << Bytes().header(1, 0).tensor("t", { -4 }, 0, 0).bytes() << "negative";
        QTest::newRow("ne overflow") << Bytes().header(1, 0).tensor("t", { 1ll << 40, 1ll << 40 }, 0, 0).bytes()
                                     << "overflows";
        QTest::newRow("removed type") << Bytes().header(1, 0).tensor("t", { 32 }, 4, 0).bytes() << "removed ggml type";
        QTest::newRow("unknown type") << Bytes().header(1, 0).tensor("t", { 32 }, 400, 0).bytes() << "unknown";
        QTest::newRow("block size") << Bytes().header(1, 0).tensor("t", { 33 }, 8, 0).bytes() << "block size";
        QTest::newRow("long name") << Bytes().header(1, 0).tensor(std::string(64, 'x'), { 1 }, 0, 0).bytes()
                                   << "longer than 63";
        QTest::newRow("duplicate tensor")
            << Bytes().header(2, 0).tensor("t", { 8 }, 0, 0).tensor("t", { 8 }, 0, 32).padTo(32).zeros(64).bytes()
            << "duplicate tensor";
        QTest::newRow("bad offset") << Bytes().header(1, 0).tensor("t", { 8 }, 0, 64).padTo(32).zeros(128).bytes()
                                    << "not the expected";
        QTest::newRow("data beyond end")
            << Bytes().header(1, 0).tensor("t", { 1 << 20 }, 0, 0).padTo(32).zeros(64).bytes() << "beyond the end";
    }
    void hostile()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        auto r = parse(bytes);
        QVERIFY2(!r.ok(), "a malformed file was accepted");
        QCOMPARE(r.error().code, assay::core::ErrorCode::Invalid);
        const auto msg = qs(r.error().message);
        QVERIFY2(msg.contains(expected), qPrintable(msg));
        QVERIFY2(msg.startsWith(QStringLiteral("t: invalid GGUF")), qPrintable(msg)); // names the file
    }

    void validMinimalFile()
    {
        auto r = parse(
            Bytes().header(1, 1).kvStr("general.name", "x").tensor("t", { 8 }, 0, 0).padTo(32).zeros(32).bytes());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->tensors[0].byteSize, 32ull);
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

QTEST_GUILESS_MAIN(TstGguf)
#include "tst_gguf.moc"
