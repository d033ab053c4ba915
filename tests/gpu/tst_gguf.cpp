// SPDX-License-Identifier: MIT
// The GGUF reader and writer on their own: hand-made (often malformed) files and a writer round trip. Needs nothing
// installed; the tests on the generated tiny model and on files written by llama.cpp are in tst_ggufmodel.cpp.
#include "ggmltypes.h"
#include "gguf.h"
#include "ggufwriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace assay::gpu;

namespace {
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
} // namespace

class TstGguf : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

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
        const auto msg = QString::fromStdString(r.error().message);
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
};

QTEST_GUILESS_MAIN(TstGguf)
#include "tst_gguf.moc"
