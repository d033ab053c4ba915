// SPDX-License-Identifier: MIT
// GgufWriter never throws across assay_gpu: a bad tensor (unknown type, no or too many dimensions, a dimension
// below 1, a first dimension that is not a multiple of the block size, too many elements), a tensor callback that
// throws or returns the wrong byte count, and an unwritable path come back as an error from writeTo(), with
// nothing left on disk. Pure logic: no llama-server.
#include "ggufwriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <stdexcept>

using namespace assay::gpu;

namespace {
constexpr std::uint32_t kF32 = 0;
constexpr std::uint32_t kQ4_0 = 2; // blocks of 32 elements

GgufWriter::TensorData zeros(std::size_t bytes)
{
    return [bytes] { return std::vector<std::uint8_t>(bytes, 0); };
}
} // namespace

class TestGgufWriter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badTensors_data();
    void badTensors();
    void throwingCallback();
    void wrongByteCount();
    void unwritablePath();
    void goodFileStillWritten();
};

void TestGgufWriter::badTensors_data()
{
    QTest::addColumn<quint32>("type");
    QTest::addColumn<QList<qint64>>("ne");
    QTest::addColumn<QString>("says");
    QTest::newRow("unknown type") << quint32(9999) << QList<qint64> { 4 } << QStringLiteral("unknown ggml type 9999");
    QTest::newRow("no dimension") << kF32 << QList<qint64> {} << QStringLiteral("0 dimensions");
    QTest::newRow("five dimensions") << kF32 << QList<qint64> { 1, 1, 1, 1, 1 } << QStringLiteral("5 dimensions");
    QTest::newRow("zero") << kF32 << QList<qint64> { 4, 0 } << QStringLiteral("dimension 1 is 0");
    QTest::newRow("negative") << kF32 << QList<qint64> { -3 } << QStringLiteral("dimension 0 is -3");
    QTest::newRow("too many elements") << kF32 << QList<qint64> { 1LL << 30, 1LL << 30 }
                                       << QStringLiteral("at most 2^48 elements");
    QTest::newRow("not whole blocks") << kQ4_0 << QList<qint64> { 33 } << QStringLiteral("not a multiple");
}

void TestGgufWriter::badTensors()
{
    QFETCH(quint32, type);
    QFETCH(QList<qint64>, ne);
    QFETCH(QString, says);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("bad.gguf")).toStdString();
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.addTensor("good", kF32, { 8 }, zeros(32));
    std::vector<std::int64_t> dims(ne.begin(), ne.end());
    w.addTensor("bad", type, dims, zeros(4)); // must not throw
    QVERIFY(w.error().has_value());
    const auto st = w.writeTo(path);
    QVERIFY(!st.ok());
    QVERIFY2(QString::fromStdString(st.error().message).contains(says), st.error().message.c_str());
    QVERIFY2(QString::fromStdString(st.error().message).contains(QStringLiteral("'bad'")), st.error().message.c_str());
    QVERIFY(!std::filesystem::exists(path));
    QVERIFY(!std::filesystem::exists(path + ".part"));
}

void TestGgufWriter::throwingCallback()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("throws.gguf")).toStdString();
    GgufWriter w;
    w.addTensor("t", kF32, { 4 }, []() -> std::vector<std::uint8_t> { throw std::runtime_error("generator broke"); });
    const auto st = w.writeTo(path);
    QVERIFY(!st.ok());
    QVERIFY2(QString::fromStdString(st.error().message).contains(QStringLiteral("generator broke")),
        st.error().message.c_str());
    QVERIFY(!std::filesystem::exists(path));
    QVERIFY(!std::filesystem::exists(path + ".part"));
}

void TestGgufWriter::wrongByteCount()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("short.gguf")).toStdString();
    GgufWriter w;
    w.addTensor("t", kF32, { 4 }, zeros(15));
    const auto st = w.writeTo(path);
    QVERIFY(!st.ok());
    QVERIFY(!std::filesystem::exists(path));
    QVERIFY(!std::filesystem::exists(path + ".part"));
}

void TestGgufWriter::unwritablePath()
{
    GgufWriter w;
    w.addTensor("t", kF32, { 4 }, zeros(16));
    const auto st = w.writeTo("/nonexistent-dir/x.gguf");
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, assay::core::ErrorCode::Io);
}

void TestGgufWriter::goodFileStillWritten()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("good.gguf")).toStdString();
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.addTensor("a", kF32, { 8, 2 }, zeros(64));
    w.addTensor("q", kQ4_0, { 64 }, zeros(36)); // 2 blocks of 18 bytes
    QVERIFY(!w.error());
    const auto st = w.writeTo(path);
    QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
    auto f = readGguf(path);
    QVERIFY2(f.ok(), f.ok() ? "" : f.error().message.c_str());
    QCOMPARE(f->tensors.size(), std::size_t(2));
}

QTEST_GUILESS_MAIN(TestGgufWriter)
#include "tst_ggufwriter.moc"
