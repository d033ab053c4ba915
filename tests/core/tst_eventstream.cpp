// SPDX-License-Identifier: MIT
#include "providers/eventstreamdecoder.h"
#include "replies.h"
#include "util/crc32.h"

#include <QtTest>

using namespace assay::core;
using assay::test::bedrockEventFrame;
using assay::test::encodeEventStreamFrame;

namespace {
std::vector<EventStreamMessage> decodeAll(
    EventStreamDecoder& d, const std::string& bytes, std::size_t step, Status* status)
{
    std::vector<EventStreamMessage> out;
    for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
        *status = d.feed(std::string_view(bytes).substr(pos, step), [&](EventStreamMessage&& m) {
            out.push_back(std::move(m));
            return true;
        });
        if (!status->ok())
            break;
    }
    return out;
}
} // namespace

class TestEventStream : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void crcKnownValue();
    void goodFrames_data();
    void goodFrames();
    void typedHeaders();
    void badPreludeCrc();
    void badMessageCrc();
    void truncatedFrame();
    void impossibleLength();
};

void TestEventStream::crcKnownValue()
{
    QCOMPARE(crc32("123456789"), 0xCBF43926u);
    QCOMPARE(crc32(""), 0u);
    QCOMPARE(crc32("6789", crc32("12345")), 0xCBF43926u); // running checksum
}

void TestEventStream::goodFrames_data()
{
    QTest::addColumn<int>("step");
    QTest::newRow("whole") << 100000;
    QTest::newRow("byte by byte") << 1;
    QTest::newRow("odd pieces") << 13;
}

void TestEventStream::goodFrames()
{
    QFETCH(int, step);
    const std::string bytes = bedrockEventFrame("messageStart", R"({"role":"assistant"})")
        + bedrockEventFrame("contentBlockDelta", R"({"delta":{"text":"Hi"}})")
        + encodeEventStreamFrame({}, "") // no headers, empty payload: the smallest frame (16 bytes)
        + bedrockEventFrame("messageStop", R"({"stopReason":"end_turn"})");
    EventStreamDecoder d;
    Status s;
    const auto msgs = decodeAll(d, bytes, static_cast<std::size_t>(step), &s);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
    QCOMPARE(msgs.size(), std::size_t(4));
    QCOMPARE(msgs[0].header(":event-type"), std::string("messageStart"));
    QCOMPARE(msgs[0].header(":message-type"), std::string("event"));
    QCOMPARE(msgs[1].payload, std::string(R"({"delta":{"text":"Hi"}})"));
    QVERIFY(msgs[2].headers.empty());
    QVERIFY(msgs[2].payload.empty());
    QCOMPARE(msgs[3].header(":event-type"), std::string("messageStop"));
    QVERIFY(!d.hasPartialMessage());
}

void TestEventStream::typedHeaders()
{
    // Hand-built header block: bool true (0), int32 (4) = -2, byte array (6), uuid (9).
    std::string h;
    auto name = [&](const std::string& n) {
        h.push_back(static_cast<char>(n.size()));
        h += n;
    };
    name("flag");
    h.push_back(0);
    name("n");
    h.push_back(4);
    h += std::string("\xFF\xFF\xFF\xFE", 4);
    name("raw");
    h.push_back(6);
    h += std::string("\x00\x02xy", 4);
    name("id");
    h.push_back(9);
    h += std::string(16, '\x11');
    std::string frame;
    auto be32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            frame.push_back(static_cast<char>((v >> shift) & 0xFF));
    };
    be32(static_cast<std::uint32_t>(16 + h.size() + 2));
    be32(static_cast<std::uint32_t>(h.size()));
    be32(crc32(frame));
    frame += h + "{}";
    be32(crc32(frame));

    EventStreamDecoder d;
    Status s;
    const auto msgs = decodeAll(d, frame, frame.size(), &s);
    QVERIFY(s.ok());
    QCOMPARE(msgs.size(), std::size_t(1));
    QCOMPARE(msgs[0].header("flag"), std::string("true"));
    QCOMPARE(msgs[0].header("n"), std::string("-2"));
    QCOMPARE(msgs[0].header("raw"), std::string("xy"));
    QCOMPARE(msgs[0].header("id"), std::string("11111111111111111111111111111111"));
    QCOMPARE(msgs[0].payload, std::string("{}"));
}

void TestEventStream::badPreludeCrc()
{
    std::string frame = bedrockEventFrame("contentBlockDelta", R"({"delta":{"text":"Hi"}})");
    frame[9] = static_cast<char>(frame[9] ^ 0x01);
    EventStreamDecoder d;
    Status s;
    const auto msgs = decodeAll(d, frame, frame.size(), &s);
    QVERIFY(!s.ok());
    QVERIFY(msgs.empty());
    QCOMPARE(s.error().code, ErrorCode::Provider);
    QVERIFY(s.error().message.find("prelude checksum") != std::string::npos);
    // The decoder stays failed.
    QVERIFY(!d.feed(bedrockEventFrame("x", "{}"), [](EventStreamMessage&&) { return true; }).ok());
}

void TestEventStream::badMessageCrc()
{
    const std::string good = bedrockEventFrame("messageStart", "{}");
    std::string bad = bedrockEventFrame("contentBlockDelta", R"({"delta":{"text":"Hi"}})");
    bad[bad.size() - 8] = 'X'; // flip a payload byte: the prelude is intact, the message CRC is not
    EventStreamDecoder d;
    Status s;
    const auto msgs = decodeAll(d, good + bad, 5, &s);
    QVERIFY(!s.ok());
    QCOMPARE(msgs.size(), std::size_t(1)); // the good frame before it was delivered
    QVERIFY(s.error().message.find("message checksum") != std::string::npos);
}

void TestEventStream::truncatedFrame()
{
    const std::string frame = bedrockEventFrame("contentBlockDelta", R"({"delta":{"text":"Hi"}})");
    EventStreamDecoder d;
    Status s;
    const auto msgs = decodeAll(d, frame.substr(0, frame.size() - 5), 4, &s);
    QVERIFY(s.ok());
    QVERIFY(msgs.empty());
    QVERIFY(d.hasPartialMessage());
}

void TestEventStream::impossibleLength()
{
    std::string frame;
    auto be32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            frame.push_back(static_cast<char>((v >> shift) & 0xFF));
    };
    be32(8); // shorter than a prelude + CRC
    be32(0);
    be32(crc32(frame));
    EventStreamDecoder d;
    Status s;
    decodeAll(d, frame, frame.size(), &s);
    QVERIFY(!s.ok());
    QVERIFY(s.error().message.find("impossible frame length") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestEventStream)
#include "tst_eventstream.moc"
