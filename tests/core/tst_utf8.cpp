// SPDX-License-Identifier: MIT
// Error messages from outside text: valid UTF-8 through the one helper (util/displaytext.h, validUtf8), cut at a
// character boundary, and one full stop per sentence (providers/providererror.h).
#include "providers/providererror.h"
#include "util/displaytext.h"

#include <QtTest>

using namespace assay::core;

namespace {
const std::string R = "\xEF\xBF\xBD"; // U+FFFD
QByteArray B(const std::string& s)
{
    return QByteArray::fromStdString(s);
}
} // namespace

class TestUtf8 : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void replacesInvalidSequences_data();
    void replacesInvalidSequences();
    void prefixNeverSplitsACharacter();
    void endSentenceAddsOneFullStop_data();
    void endSentenceAddsOneFullStop();
    void errorForHttpStatusReadsAsSentences();
};

void TestUtf8::replacesInvalidSequences_data()
{
    QTest::addColumn<QByteArray>("inBytes");
    QTest::addColumn<QByteArray>("outBytes");
    QTest::newRow("ascii") << B(std::string("plain text")) << B(std::string("plain text"));
    QTest::newRow("valid multibyte") << B(std::string("é € 😀 變數")) << B(std::string("é € 😀 變數"));
    QTest::newRow("FF FE") << B(std::string("\xFF\xFE"
                                            "a"))
                           << B(R + R + "a");
    QTest::newRow("cut 3-byte at end") << B(std::string("x\xE2\x82")) << B("x" + R + R);
    QTest::newRow("cut 4-byte then ascii") << B(std::string("\xF0\x9F\x98"
                                                            "b"))
                                           << B(R + R + R + "b");
    QTest::newRow("lone continuation") << B(std::string("a\x80"
                                                        "b"))
                                       << B("a" + R + "b");
    QTest::newRow("overlong slash") << B(std::string("\xC0\xAF")) << B(R + R);
    QTest::newRow("overlong 3-byte") << B(std::string("\xE0\x80\xAF")) << B(R + R + R);
    QTest::newRow("surrogate") << B(std::string("\xED\xA0\x80")) << B(R + R + R);
    QTest::newRow("above U+10FFFF") << B(std::string("\xF4\x90\x80\x80")) << B(R + R + R + R);
    QTest::newRow("F5") << B(std::string("\xF5\x80")) << B(R + R);
    QTest::newRow("NUL kept") << B(std::string("a\0b", 3)) << B(std::string("a\0b", 3));
}

void TestUtf8::replacesInvalidSequences()
{
    QFETCH(QByteArray, inBytes);
    QFETCH(QByteArray, outBytes);
    const std::string in = inBytes.toStdString();
    const std::string out = outBytes.toStdString();
    QCOMPARE(validUtf8(in), out);
    // Independent oracle: Qt's decoder agrees on what is valid.
    const QByteArray bytes = QByteArray::fromStdString(validUtf8(in));
    QCOMPARE(QString::fromUtf8(bytes).toUtf8(), bytes);
}

void TestUtf8::prefixNeverSplitsACharacter()
{
    const std::string text = "ab€😀"; // 2 + 3 + 4 bytes
    QCOMPARE(std::string(utf8Prefix(text, 100)), text);
    QCOMPARE(std::string(utf8Prefix(text, 2)), std::string("ab"));
    QCOMPARE(std::string(utf8Prefix(text, 3)), std::string("ab"));
    QCOMPARE(std::string(utf8Prefix(text, 4)), std::string("ab"));
    QCOMPARE(std::string(utf8Prefix(text, 5)), std::string("ab€"));
    QCOMPARE(std::string(utf8Prefix(text, 8)), std::string("ab€"));
    QCOMPARE(std::string(utf8Prefix(text, 9)), text);
    QCOMPARE(std::string(utf8Prefix(text, 0)), std::string());
    QCOMPARE(snippet(text, 5), std::string("ab€…"));
    QCOMPARE(snippet("short"), std::string("short"));
}

void TestUtf8::endSentenceAddsOneFullStop_data()
{
    QTest::addColumn<QByteArray>("inBytes");
    QTest::addColumn<QByteArray>("outBytes");
    QTest::newRow("none") << B(std::string("The request failed")) << B(std::string("The request failed."));
    QTest::newRow("one") << B(std::string("Invalid request.")) << B(std::string("Invalid request."));
    QTest::newRow("bang") << B(std::string("Bad key!")) << B(std::string("Bad key!"));
    QTest::newRow("question") << B(std::string("Is it?")) << B(std::string("Is it?"));
    QTest::newRow("ellipsis") << B(std::string("Cut…")) << B(std::string("Cut…"));
    QTest::newRow("trailing space") << B(std::string("Done. ")) << B(std::string("Done."));
    QTest::newRow("quote") << B(std::string("not JSON: \"x\"")) << B(std::string("not JSON: \"x\"."));
    QTest::newRow("empty") << B(std::string()) << B(std::string());
}

void TestUtf8::endSentenceAddsOneFullStop()
{
    QFETCH(QByteArray, inBytes);
    QFETCH(QByteArray, outBytes);
    QCOMPARE(endSentence(inBytes.toStdString()), outBytes.toStdString());
}

void TestUtf8::errorForHttpStatusReadsAsSentences()
{
    for (const long status : { 400L, 401L, 404L, 408L, 429L, 500L, 418L }) {
        for (const std::string said : { "Invalid request.", "no stop", "" }) {
            const Error e = errorForHttpStatus(status, said, std::nullopt);
            QVERIFY2(e.message.find("..") == std::string::npos, e.message.c_str());
            QVERIFY2(e.message.back() == '.', e.message.c_str());
            QVERIFY2(e.message.find(said) != std::string::npos, e.message.c_str());
        }
    }
    const Error limited = errorForHttpStatus(429, "Slow down.", 2000);
    QCOMPARE(limited.message,
        std::string("Rate limited by the provider (HTTP 429): Slow down. The provider asks to retry after 2 s."));
}

QTEST_GUILESS_MAIN(TestUtf8)
#include "tst_utf8.moc"
