// SPDX-License-Identifier: MIT
// The expanded cell view over stored JSON of any shape: a real run against the loopback server, then its cells'
// JSON columns (request, provenance) overwritten in the workspace file with seeded random documents — arrays,
// strings, numbers, null, objects whose expected members have the wrong types, deep nesting (100,000 levels once),
// text that is not JSON, invalid UTF-8 — and the cell view opened on each. No crash, no exception (one reaching a
// Qt slot would end the process), and every tab says something sensible. The stored plan gets the same treatment
// through CompareGrid::load.
#include "pages/celldetail.h"
#include "workspacecontroller.h"

#include "../core/runschedulertest.h"

#include "compare/comparegrid.h"
#include "models/comparemodel.h"

#include <QApplication>
#include <QtTest>

#include <random>

using namespace assay;
using nlohmann::json;

class TestCellDetail : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oddStoredJsonNeverThrows();
    void oddStoredPlanNeverThrows();
};

namespace {
/// Seeded random JSON, biased towards the members the cell view reads, with the wrong types as often as not.
class OddJson {
public:
    explicit OddJson(std::uint32_t seed)
        : m_rng(seed)
    {
    }

    json any(int depth = 0)
    {
        switch (pick(depth > 6 ? 5 : 8)) {
        case 0:
            return nullptr;
        case 1:
            return pick(2) == 0;
        case 2:
            return static_cast<std::int64_t>(m_rng()) - (1LL << 31);
        case 3:
            return std::uniform_real_distribution<double>(-1e300, 1e300)(m_rng);
        case 4:
            return text();
        case 5: {
            json a = json::array();
            for (int i = pick(4); i > 0; --i)
                a.push_back(any(depth + 1));
            return a;
        }
        default: {
            json o = json::object();
            for (int i = pick(5); i > 0; --i)
                o[key()] = any(depth + 1);
            return o;
        }
        }
    }

    /// What the view expects, with any member of any type: messages, wire.request/response and their fields.
    json shaped()
    {
        json messages = pick(3) == 0 ? any() : json::array();
        if (messages.is_array())
            for (int i = pick(4); i > 0; --i)
                messages.push_back(
                    pick(3) == 0 ? any() : json { { "role", maybe(text()) }, { "content", maybe(text()) } });
        json request = { { "messages", messages }, { "parameters", any() } };
        json rq = { { "method", maybe(json("POST")) }, { "url", maybe(json("http://127.0.0.1/v1")) },
            { "body", maybe(json(R"({"a":[1,2]})")) }, { "bodyTruncated", maybe(json(true)) } };
        json rs = { { "status", maybe(json(200)) }, { "bytes", maybe(json(1234)) }, { "elided", maybe(json(false)) },
            { "head", maybe(text()) }, { "tail", maybe(text()) } };
        json wire = pick(4) == 0
            ? any()
            : json { { "request", pick(4) == 0 ? any() : rq }, { "response", pick(4) == 0 ? any() : rs } };
        return pick(2) == 0 ? request : json { { "wire", wire }, { "endpoint", maybe(text()) } };
    }

    /// A deeply nested document as text (nlohmann's dump would recurse once per level).
    static std::string nested(std::size_t levels, bool objects)
    {
        std::string s;
        for (std::size_t i = 0; i < levels; ++i)
            s += objects ? "{\"a\":" : "[";
        s += "1";
        for (std::size_t i = 0; i < levels; ++i)
            s += objects ? "}" : "]";
        return s;
    }

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }

private:
    json maybe(json value) { return pick(3) == 0 ? any(3) : value; }
    std::string key()
    {
        static const char* keys[] = { "messages", "role", "content", "wire", "request", "response", "method", "url",
            "body", "status", "bytes", "elided", "head", "tail", "bodyTruncated", "model", "cellKey", "x", "" };
        return keys[pick(static_cast<int>(std::size(keys)))];
    }
    std::string text()
    {
        static const char* texts[] = { "", "user", "assistant", "plain text", "<b>html</b> & \"quotes\"",
            "日本語のテキスト", "emoji 🎉", "line\nbreaks\r\n", "\t", "{\"json\": \"in a string\"}" };
        return texts[pick(static_cast<int>(std::size(texts)))];
    }
    std::mt19937 m_rng;
};

bool setColumns(
    const std::string& path, const std::string& cellId, const std::string& request, const std::string& provenance)
{
    auto db = core::Workspace::open(path);
    if (!db)
        return false;
    auto st = db->prepare("UPDATE run_cell SET request = ?1, provenance = ?2 WHERE id = ?3");
    if (!st)
        return false;
    st->bind(1, request).bind(2, provenance).bind(3, cellId);
    return st->run().ok();
}
} // namespace

void TestCellDetail::oddStoredJsonNeverThrows()
{
    test::RunHarness h({ {}, 1, 1, 4, {}, "rows" });
    QVERIFY(h.ok());
    h.server().route(test::RunHarness::route(0), test::openAiAuto());
    auto outcome = h.run(h.definition({ { "cache", false } }));
    QVERIFY2(outcome.ok(), outcome.ok() ? "" : outcome.error().message.c_str());
    const std::string runId = outcome->runId;
    auto cells = h.cells(runId);
    QCOMPARE(cells.size(), std::size_t(4));
    {
        // Outputs and errors with invalid UTF-8 (TEXT columns take any bytes), before the grid is read.
        auto db = core::Workspace::open(h.path());
        QVERIFY(db.ok());
        auto st = db->prepare("UPDATE run_cell SET output = ?1, error = ?2, model_name = ?3 WHERE id = ?4");
        QVERIFY(st.ok());
        st->bind(1, std::string("bad \xff\xfe bytes \xc3")).bind(2, std::string("\xed\xa0\x80 surrogate"));
        st->bind(3, std::string("model \x80")).bind(4, cells[0].id);
        QVERIFY(st->run().ok());
    }
    auto grid = [&] {
        auto db = core::Workspace::open(h.path());
        return core::CompareGrid::load(*db, runId, core::RunRepository::Detail::Full);
    }();
    QVERIFY2(grid.ok(), grid.ok() ? "" : grid.error().message.c_str());
    widgets::CompareModel model;
    model.setData(widgets::CompareData::prepare(std::move(*grid)));

    app::WorkspaceController workspace;
    workspace.open(QString::fromStdString(h.path()));
    app::CellDetail detail(workspace, model);
    detail.resize(900, 700);
    detail.show();

    // Seeded documents, then the hand-picked extremes; each cell's request and provenance get one.
    OddJson odd(20261204);
    std::vector<std::pair<std::string, std::string>> docs; // request, provenance as stored text
    for (int i = 0; i < 300; ++i) {
        const json request = odd.pick(3) == 0 ? odd.any() : odd.shaped();
        const json provenance = odd.pick(3) == 0 ? odd.any() : odd.shaped();
        docs.emplace_back(request.dump(), provenance.dump());
    }
    for (const std::string& extreme : { std::string("[]"), std::string("\"a string\""), std::string("42"),
             std::string("null"), std::string("true"), std::string("1e308"), std::string("not json at all"),
             std::string(""), std::string("{\"messages\": [1, \"two\", null, {\"role\": 3}]}"),
             std::string("{\"messages\": {\"role\": \"user\"}}"), std::string("{\"wire\": [1]}"),
             std::string("{\"wire\": {\"request\": 1, \"response\": \"x\"}}"),
             std::string("{\"messages\": [{\"role\": \"user\", \"content\": \"bad \xff\xfe utf-8\"}]}"),
             std::string("\xff\xfe{\0\"a\"", 7), OddJson::nested(300, false), OddJson::nested(300, true),
             OddJson::nested(100000, false) })
        docs.emplace_back(extreme, extreme);
    docs.emplace_back("{}", OddJson::nested(5000, true));

    int readable = 0;
    int unreadable = 0;
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const std::size_t which = i % cells.size();
        QVERIFY(setColumns(h.path(), cells[which].id, docs[i].first, docs[i].second));
        detail.clear();
        detail.showCell(static_cast<int>(which), 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            !detail.requestText().isEmpty() || detail.promptText().startsWith(QStringLiteral("Could not read")), 30000);
        if (detail.promptText().startsWith(QStringLiteral("Could not read"))) {
            // Not JSON (or not valid UTF-8): the view says so, naming the column.
            QVERIFY2(detail.promptText().contains(QStringLiteral("run_cell.")), qPrintable(detail.promptText()));
            ++unreadable;
            continue;
        }
        ++readable;
        QVERIFY(detail.requestText().contains(QStringLiteral("Normalized request")));
        QVERIFY(detail.requestText().contains(QStringLiteral("Response as recorded")));
        QVERIFY(!detail.promptText().isEmpty());
        QVERIFY(detail.provenanceText().contains(QStringLiteral("cellKey")));
        QVERIFY(!detail.outputText().isNull());
        if (docs[i].first.size() > 100000) // the 100,000-level document is described, not printed
            QVERIFY(detail.requestText().contains(QStringLiteral("nested more than")));
    }
    qInfo("%zu stored documents shown: %d readable, %d reported as unreadable", docs.size(), readable, unreadable);
    QVERIFY(readable > 250);
    QVERIFY(unreadable >= 2);

    // The input column and the diff tab on the odd output.
    detail.showCell(0, -1);
    QVERIFY(!detail.requestText().isEmpty());
    detail.showCell(0, 0);
    QVERIFY(detail.outputText().contains(QStringLiteral("bytes")));
}

void TestCellDetail::oddStoredPlanNeverThrows()
{
    test::RunHarness h({ {}, 1, 1, 2, {}, "rows" });
    QVERIFY(h.ok());
    h.server().route(test::RunHarness::route(0), test::openAiAuto());
    auto outcome = h.run(h.definition({ { "cache", false } }));
    QVERIFY(outcome.ok());
    auto db = core::Workspace::open(h.path());
    QVERIFY(db.ok());
    auto good = core::RunRepository(*db).get(outcome->runId);
    QVERIFY(good.ok());
    OddJson odd(77);
    int loaded = 0;
    for (int i = 0; i < 200; ++i) {
        json plan = good->plan;
        // Replace one member of the stored plan (or the whole plan) by a random value.
        const char* members[] = { "definition", "versions", "endpoints", "dataset", "" };
        const std::string member = members[odd.pick(5)];
        if (member.empty())
            plan = odd.any();
        else if (odd.pick(2) == 0)
            plan[member] = odd.any();
        else if (plan[member].is_object())
            plan[member][odd.pick(2) == 0 ? "rowIds" : "id"] = odd.any();
        else if (plan[member].is_array() && !plan[member].empty())
            plan[member][0] = odd.any();
        auto st = db->prepare("UPDATE run SET plan = ?1 WHERE id = ?2");
        QVERIFY(st.ok());
        st->bind(1, plan.dump()).bind(2, outcome->runId);
        QVERIFY(st->run().ok());
        try {
            auto grid = core::CompareGrid::load(*db, outcome->runId, core::RunRepository::Detail::Full);
            loaded += grid.ok() ? 1 : 0;
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QStringLiteral("CompareGrid::load threw on plan %1: %2")
                                 .arg(QString::fromStdString(plan.dump()).left(300), QString::fromUtf8(e.what()))));
        }
    }
    qInfo("200 odd plans: %d still laid out, the rest refused with an error", loaded);
}

QTEST_MAIN(TestCellDetail)
#include "tst_celldetail.moc"
