// SPDX-License-Identifier: MIT
#include "providers/sseparser.h"

#include <QtTest>

#include <string>
#include <vector>

using namespace assay::core;

namespace {
/// Events rendered as "event|data|id" lines for easy comparison.
QStringList parseAll(const std::string& input, std::size_t step)
{
    SseParser parser;
    QStringList out;
    auto cb = [&](const SseEvent& e) {
        out << QString::fromStdString(e.event + "|" + e.data + "|" + e.id);
        return true;
    };
    for (std::size_t pos = 0; pos < input.size(); pos += step) {
        const Status s = parser.feed(std::string_view(input).substr(pos, step), cb);
        if (!s.ok())
            out << QStringLiteral("ERROR");
    }
    return out;
}
} // namespace

class TestSseParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void table_data();
    void table();
    void stopFromCallback();
    void oversizedEventFails();
    void pendingEventAtEnd();
};

void TestSseParser::table_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("events");

    QTest::newRow("lf") << QByteArray("data: a\n\ndata: b\n\n") << QStringList { "|a|", "|b|" };
    QTest::newRow("crlf") << QByteArray("data: a\r\n\r\ndata: b\r\n\r\n") << QStringList { "|a|", "|b|" };
    QTest::newRow("cr only") << QByteArray("data: a\r\rdata: b\r\r") << QStringList { "|a|", "|b|" };
    QTest::newRow("mixed endings") << QByteArray("data: a\r\n\ndata: b\n\r\n") << QStringList { "|a|", "|b|" };
    QTest::newRow("comments ignored") << QByteArray(": ping\ndata: x\n: another\n\n: tail\n\n")
                                      << QStringList { "|x|" };
    QTest::newRow("multi-line data") << QByteArray("data: line1\ndata: line2\ndata:\n\n")
                                     << QStringList { "|line1\nline2\n|" };
    QTest::newRow("no space after colon") << QByteArray("data:x\n\n") << QStringList { "|x|" };
    QTest::newRow("only first space stripped") << QByteArray("data:  two\n\n") << QStringList { "| two|" };
    QTest::newRow("event and id") << QByteArray("event: delta\nid: 7\ndata: {}\n\ndata: next\n\n")
                                  << QStringList { "delta|{}|7", "|next|7" };
    QTest::newRow("event without data not dispatched")
        << QByteArray("event: ping\n\ndata: y\n\n") << QStringList { "|y|" };
    QTest::newRow("field without colon") << QByteArray("data\n\n") << QStringList { "||" };
    QTest::newRow("unknown field and retry")
        << QByteArray("retry: 100\nfoo: bar\ndata: z\n\n") << QStringList { "|z|" };
    QTest::newRow("done marker") << QByteArray("data: {\"a\":1}\n\ndata: [DONE]\n\n")
                                 << QStringList { "|{\"a\":1}|", "|[DONE]|" };
    QTest::newRow("bom skipped") << QByteArray("\xEF\xBB\xBF"
                                               "data: bom\n\n")
                                 << QStringList { "|bom|" };
    QTest::newRow("incomplete last event dropped") << QByteArray("data: a\n\ndata: partial") << QStringList { "|a|" };
    QTest::newRow("colon in value kept") << QByteArray("data: {\"k\": \"v:w\"}\n\n")
                                         << QStringList { "|{\"k\": \"v:w\"}|" };
    QTest::newRow("utf8 payload") << QByteArray("data: h\xC3\xA9llo \xE2\x82\xAC\n\n")
                                  << QStringList { QString::fromUtf8("|h\xC3\xA9llo \xE2\x82\xAC|") };
}

void TestSseParser::table()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, events);
    const std::string in(input.constData(), static_cast<std::size_t>(input.size()));
    // Whole, byte by byte, and in odd-sized pieces: the result must not depend on how bytes are split.
    QCOMPARE(parseAll(in, in.size() + 1), events);
    QCOMPARE(parseAll(in, 1), events);
    QCOMPARE(parseAll(in, 2), events);
    QCOMPARE(parseAll(in, 3), events);
    QCOMPARE(parseAll(in, 7), events);
}

void TestSseParser::stopFromCallback()
{
    SseParser parser;
    int seen = 0;
    const Status s = parser.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n", [&](const SseEvent&) { return ++seen < 2; });
    QVERIFY(s.ok());
    QCOMPARE(seen, 2);
    QVERIFY(parser.feed("data: 4\n\n", [&](const SseEvent&) { return ++seen > 0; }).ok());
    QCOMPARE(seen, 2); // stopped parsers ignore further input
}

void TestSseParser::oversizedEventFails()
{
    SseParser parser(64);
    const std::string big = "data: " + std::string(100, 'x');
    const Status s = parser.feed(big, [](const SseEvent&) { return true; });
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, ErrorCode::Provider);
}

void TestSseParser::pendingEventAtEnd()
{
    SseParser parser;
    auto cb = [](const SseEvent&) { return true; };
    QVERIFY(parser.feed("data: a\n\n", cb).ok());
    QVERIFY(!parser.hasPendingEvent());
    QVERIFY(parser.feed("data: b\n", cb).ok());
    QVERIFY(parser.hasPendingEvent());
}

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
