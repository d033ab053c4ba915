// SPDX-License-Identifier: MIT
// The prompt catalog's lookups against a real workspace file: full-text search and near-duplicates.
#include "catalog/promptjson.h"
#include "prompttest.h"
#include "storage/ftsquery.h"
#include "storage/promptrepository.h"
#include "storagetest.h"

#include <sqlite3.h>

using namespace assay::core;
using namespace assay::test;

class TestPromptSearch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void searchPrefixAndRanking();
    void searchFilters();
    void ftsQueryIsQuoted_data();
    void ftsQueryIsQuoted();
    void searchIsInjectionSafe_data();
    void searchIsInjectionSafe();
    void nearDuplicates();
    void nearDuplicatesOfUnsignedPrompts();
    void nearDuplicatesAt100kVersions();
};

void TestPromptSearch::searchPrefixAndRanking()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    ASSAY_VERIFY_OK(repo.createPrompt(meta("uk-pm", {}, { "facts" }), templ("Who was the first prime minister?"), "u"));
    ASSAY_VERIFY_OK(
        repo.createPrompt(meta("walpole-bio", {}, {}, "Biography"), templ("Write about a statesman."), "u"));
    ASSAY_VERIFY_OK(repo.createPrompt(meta("story"), templ("Tell a story about Walpole the cat."), "u"));
    auto v = repo.createPrompt(meta("sentiment"), templ("Classify the review."), "u");

    QCOMPARE(names(*repo.search("walp")), (std::vector<std::string> { "walpole-bio", "story" })); // name ranks first
    QCOMPARE(names(*repo.search("prim minis")), std::vector<std::string> { "uk-pm" }); // every word, as prefixes
    QVERIFY(repo.search("prime cat")->empty());
    QCOMPARE(names(*repo.search("FACT")), std::vector<std::string> { "uk-pm" }); // tags, case-insensitive
    QCOMPARE(names(*repo.search("biog")), std::vector<std::string> { "walpole-bio" }); // descriptions
    QVERIFY(repo.search("walp")->front().score > 0);
    QCOMPARE(repo.search("walp", 1)->size(), std::size_t(1));
    QCOMPARE(repo.search("")->size(), std::size_t(4)); // no words: everything

    // The index follows the latest version.
    ASSAY_VERIFY_OK(repo.saveVersion(v->promptId, templ("Rate the product opinion."), "u"));
    QVERIFY(repo.search("classif")->empty());
    QCOMPARE(names(*repo.search("opini")), std::vector<std::string> { "sentiment" });
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_fts"), std::int64_t(4));
}

void TestPromptSearch::searchFilters()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto a = repo.createPrompt(meta("a", "eval/labeled", { "qa" }), templ("minister question"), "u");
    ASSAY_VERIFY_OK(repo.createPrompt(meta("b", "eval", { "facts" }), templ("minister fact"), "u"));
    ASSAY_VERIFY_OK(repo.createPrompt(meta("c", "other", { "qa" }), templ("minister other"), "u"));
    ASSAY_VERIFY_OK(repo.setLabel(a->promptId, "prod", 1));
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    QCOMPARE(sorted(names(*repo.search("minister", 10, { "eval", {}, {} }))), (std::vector<std::string> { "a", "b" }));
    QCOMPARE(sorted(names(*repo.search("minister", 10, { {}, "qa", {} }))), (std::vector<std::string> { "a", "c" }));
    QCOMPARE(names(*repo.search("minister", 10, { {}, {}, "prod" })), std::vector<std::string> { "a" });
    QVERIFY(repo.search("minister", 10, { "other", "facts", {} })->empty());
}

void TestPromptSearch::ftsQueryIsQuoted_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("words") << "prime Minister"
                           << R"("prime"* "Minister"*)";
    QTest::newRow("quotes") << R"(say "hi")"
                            << R"("say"* "hi"*)";
    QTest::newRow("operators are words") << "a AND b OR NOT c"
                                         << R"("a"* "AND"* "b"* "OR"* "NOT"* "c"*)";
    QTest::newRow("near and parens") << "NEAR(a b, 3)"
                                     << R"("NEAR"* "a"* "b"* "3"*)";
    QTest::newRow("column filter and caret") << "name:foo ^bar -baz +q"
                                             << R"("name"* "foo"* "bar"* "baz"* "q"*)";
    QTest::newRow("only punctuation") << R"(" ( ) * : ^)"
                                      << "";
    QTest::newRow("utf-8 kept") << "Zoë"
                                << R"("Zoë"*)";
}

void TestPromptSearch::ftsQueryIsQuoted()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(ftsPrefixQuery(input.toStdString())), expected);
}

void TestPromptSearch::searchIsInjectionSafe_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("hits"); // -1: any number, as long as it is not an error
    QTest::newRow("unbalanced quote") << R"("walp)" << 1;
    QTest::newRow("doubled quotes") << R"(""walp"")" << 1;
    QTest::newRow("AND alone") << "AND" << -1;
    QTest::newRow("OR between") << "walp OR story" << 0; // OR is a word to find, not an operator
    QTest::newRow("NOT") << "NOT walp" << 0;
    QTest::newRow("NEAR group") << "NEAR(walp story)" << 0;
    QTest::newRow("parentheses") << "((walp" << 1;
    QTest::newRow("star") << "*" << 2;
    QTest::newRow("column filter") << "body:walp" << 0;
    QTest::newRow("braces") << "{walp} :" << 1;
    QTest::newRow("dash") << "-walp" << 1;
    QTest::newRow("sql quote") << "walp'; DROP TABLE prompt; --" << 0;
    QTest::newRow("unicode punctuation") << "— “walp”" << -1;
    QTest::newRow("nul byte") << QString(QChar(0)) + "walp" << 1;
}

void TestPromptSearch::searchIsInjectionSafe()
{
    QFETCH(QString, query);
    QFETCH(int, hits);
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    ASSAY_VERIFY_OK(repo.createPrompt(meta("walpole"), templ("Who and when?"), "u"));
    ASSAY_VERIFY_OK(repo.createPrompt(meta("other"), templ("Nothing here."), "u"));
    auto r = repo.search(query.toStdString());
    ASSAY_VERIFY_OK(r);
    if (hits >= 0)
        QCOMPARE(int(r->size()), hits);
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt"), std::int64_t(2));
}

void TestPromptSearch::nearDuplicates()
{
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto original = repo.createPrompt(meta("quiz"), templ(kLongText, "Be exact."), "u");
    ASSAY_VERIFY_OK(repo.createPrompt(meta("unrelated"), templ("Write a poem about the sea and its colours."), "u"));
    ASSAY_VERIFY_OK(repo.createPrompt(
        meta("half"), templ("You are a careful assistant for a history quiz. Tell a joke instead."), "u"));

    // Same words, other case and punctuation, one word added: nearly identical.
    std::string edited = kLongText;
    edited.replace(edited.find("careful"), 7, "CAREFUL,");
    edited += " Thanks.";
    auto found = repo.nearDuplicates(templ(edited, "Be exact."));
    ASSAY_VERIFY_OK(found);
    QCOMPARE(found->size(), std::size_t(1));
    QCOMPARE(found->front().name, std::string("quiz"));
    QCOMPARE(found->front().promptId, original->promptId);
    QVERIFY(found->front().similarity >= 0.9 && found->front().similarity < 1.0);

    auto identical = repo.nearDuplicates(templ(kLongText, "Be exact."));
    QCOMPARE(identical->front().similarity, 1.0);
    // Its own prompt is left out when asked (the editor checks a prompt against the others).
    QVERIFY(repo.nearDuplicates(templ(kLongText, "Be exact."), original->promptId)->empty());
    QVERIFY(repo.nearDuplicates(templ("Write a sonnet about mountains and rivers at dawn."))->empty());
    QVERIFY(repo.nearDuplicates(templ("   "))->empty());

    // A lower threshold takes the full-scan path and finds the partial overlap too.
    auto loose = repo.nearDuplicates(templ("You are a careful assistant for a history quiz."), {}, 0.1);
    ASSAY_VERIFY_OK(loose);
    QCOMPARE(loose->size(), std::size_t(2));
    QCOMPARE(loose->front().name, std::string("half"));

    // Only the latest version counts.
    ASSAY_VERIFY_OK(repo.saveVersion(original->promptId, templ("Something else entirely, about whales."), "u"));
    QVERIFY(repo.nearDuplicates(templ(kLongText, "Be exact."))->empty());
}

void TestPromptSearch::nearDuplicatesOfUnsignedPrompts()
{
    // Prompts carried over from schema v2 have no signature yet; they are still compared.
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    auto p = repo.createPrompt(meta("quiz"), templ(kLongText), "u");
    ASSAY_VERIFY_OK(db.exec("UPDATE prompt_signature SET minhash = NULL; DELETE FROM prompt_signature_band;"));
    auto found = repo.nearDuplicates(templ(kLongText));
    ASSAY_VERIFY_OK(found);
    QCOMPARE(found->size(), std::size_t(1));
    ASSAY_VERIFY_OK(repo.saveVersion(p->promptId, templ(kLongText), "u")); // saving signs it again
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_signature WHERE minhash IS NULL"), std::int64_t(0));
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_signature_band"), std::int64_t(10));
}

namespace {
/// Counts the SQLite virtual-machine instructions run on a connection while it lives: a measure of the rows a
/// lookup reads that does not depend on the machine's speed or load.
class VmSteps {
public:
    explicit VmSteps(Db& db)
        : m_db(db)
    {
        sqlite3_progress_handler(m_db.handle(), 1, &VmSteps::tick, this);
    }
    ~VmSteps() { sqlite3_progress_handler(m_db.handle(), 0, nullptr, nullptr); }
    VmSteps(const VmSteps&) = delete;
    VmSteps& operator=(const VmSteps&) = delete;
    [[nodiscard]] std::int64_t count() const { return m_count; }

private:
    static int tick(void* self)
    {
        ++static_cast<VmSteps*>(self)->m_count;
        return 0;
    }
    Db& m_db;
    std::int64_t m_count = 0;
};
} // namespace

void TestPromptSearch::nearDuplicatesAt100kVersions()
{
    // 2,000 prompts with 50 versions each. The lookup reads only the signature bands: it runs a small fraction of
    // the SQLite instructions that reading every prompt's signature once takes (a scan of the smallest table that
    // covers the catalog), counted in the same run. Counting instructions, not milliseconds, keeps the check exact
    // on a loaded machine; the timings are in tests/bench/bench_neardup.
    QTemporaryDir dir;
    Db db = newWorkspace(dir);
    PromptRepository repo(db);
    std::mt19937 rng(7);
    constexpr int kPrompts = 2000;
    constexpr int kVersions = 50;
    {
        Transaction tx(db);
        QVERIFY(tx.began());
        auto raw = db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, created_at)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, 0)");
        ASSAY_VERIFY_OK(raw);
        for (int i = 0; i < kPrompts; ++i) {
            auto v = repo.createPrompt(meta("p" + std::to_string(i)), templ(randomText(rng, 30)), "u");
            ASSAY_VERIFY_OK(v);
            // Older versions go in by raw SQL to keep the fixture fast; the repository saves the latest.
            for (int n = 2; n < kVersions; ++n) {
                const PromptContent c = templ(randomText(rng, 30));
                raw->reset();
                raw->bind(1, newUuid()).bind(2, v->promptId).bind(3, n).bind(4, canonicalContentJson(c));
                raw->bind(5, contentHash(c));
                ASSAY_VERIFY_OK(raw->run());
            }
            ASSAY_VERIFY_OK(repo.saveVersion(v->promptId, templ(i == 1234 ? kLongText : randomText(rng, 30)), "u"));
        }
        ASSAY_VERIFY_OK(tx.commit());
    }
    QCOMPARE(count(db, "SELECT COUNT(*) FROM prompt_version"), std::int64_t(kPrompts * kVersions));

    std::int64_t scanSteps = 0;
    {
        VmSteps steps(db);
        auto all = db.prepare("SELECT prompt_id, minhash FROM prompt_signature");
        ASSAY_VERIFY_OK(all);
        int rows = 0;
        while (*all->step())
            ++rows;
        QCOMPARE(rows, kPrompts);
        scanSteps = steps.count();
    }

    std::string edited = kLongText;
    edited.replace(edited.find("period"), 6, "era"); // one word of 50 replaced: 3 shingles differ, Jaccard ~0.89
    std::int64_t hitSteps = 0;
    {
        VmSteps steps(db);
        auto found = repo.nearDuplicates(templ(edited), {}, 0.85);
        hitSteps = steps.count();
        ASSAY_VERIFY_OK(found);
        QCOMPARE(found->size(), std::size_t(1));
        QCOMPARE(found->front().name, std::string("p1234"));
        QVERIFY(found->front().similarity >= 0.85 && found->front().similarity < 1.0);
    }
    std::int64_t missSteps = 0;
    {
        VmSteps steps(db);
        auto none = repo.nearDuplicates(templ(randomText(rng, 30)));
        missSteps = steps.count();
        ASSAY_VERIFY_OK(none);
        QVERIFY(none->empty());
    }
    qInfo("SQLite instructions: lookup %lld (hit), %lld (miss); one read of every signature %lld",
        static_cast<long long>(hitSteps), static_cast<long long>(missSteps), static_cast<long long>(scanSteps));
    QVERIFY2(
        hitSteps * 10 < scanSteps && missSteps * 10 < scanSteps, "near-duplicate lookup should not scan the catalog");
}

QTEST_GUILESS_MAIN(TestPromptSearch)
#include "tst_promptsearch.moc"
