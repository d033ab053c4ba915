// SPDX-License-Identifier: MIT
// Near-duplicate lookup at scale, against peers measured in the same run (moved here from tst_promptsearch, whose
// pass/fail check now counts SQLite instructions instead of milliseconds). A workspace with (by default) 2,000
// prompts x 50 versions = 100,000 versions of random text, one prompt holding a known long text; then:
//   lookup      PromptRepository::nearDuplicates(text, {}, 0.85): the signature bands (LSH), hit and miss
//   full scan   the same call below the LSH threshold (0.5): every prompt's signature is read
//   LIKE scan   SELECT ... FROM prompt_version WHERE content LIKE '%phrase%': the naive text search
// Usage: bench_neardup [prompts (default 2000)] [versions per prompt (default 50)] [repeats (default 50)]
#include "catalog/promptjson.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"
#include "util/ids.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace assay::core;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kLongText = "You are a careful assistant for a history quiz. Read the question, think about the "
                              "period it names, and answer with the full name of the person only. If the question "
                              "is ambiguous, answer with the most commonly accepted person. Never add commentary, "
                              "sources or apologies. Question: {{question}}";

std::string randomText(std::mt19937& rng, int words)
{
    static const char* const vocab[] = { "the", "prime", "minister", "answer", "question", "review", "story", "model",
        "label", "token", "london", "canal", "child", "rating", "score", "judge", "context", "output", "format", "json",
        "brief", "formal", "kind", "user", "system", "assistant", "example", "detail", "summary", "translate" };
    std::uniform_int_distribution<int> pick(0, int(std::size(vocab)) - 1);
    std::string out;
    for (int i = 0; i < words; ++i)
        out += std::string(i ? " " : "") + vocab[pick(rng)] + std::to_string(pick(rng) % 7);
    return out;
}

PromptContent templ(const std::string& user)
{
    PromptContent c;
    c.messages.push_back({ "user", user });
    return c;
}

[[noreturn]] void die(const Error& e)
{
    std::fprintf(stderr, "bench_neardup: %s\n", e.describe().c_str());
    std::exit(1);
}

template <typename T> T must(Result<T>&& r)
{
    if (!r.ok())
        die(r.error());
    return std::move(r).value();
}

void must(Status&& s)
{
    if (!s.ok())
        die(s.error());
}

struct Figures {
    double median = 0;
    double p95 = 0;
};

/// Runs @p f @p repeats times; median and p95 in milliseconds.
Figures measure(int repeats, const std::function<void()>& f)
{
    std::vector<double> ms;
    for (int i = 0; i < repeats; ++i) {
        const auto start = Clock::now();
        f();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return { ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 95 / 100)] };
}

void print(const char* what, const Figures& f, const Figures& base)
{
    std::printf("%-44s median %9.3f ms   p95 %9.3f ms   %8.1fx the lookup\n", what, f.median, f.p95,
        base.median > 0 ? f.median / base.median : 0.0);
}

} // namespace

int main(int argc, char** argv)
{
    const int prompts = argc > 1 ? std::atoi(argv[1]) : 2000;
    const int versions = argc > 2 ? std::atoi(argv[2]) : 50;
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 50;
    if (prompts < 2 || versions < 1 || repeats < 1) {
        std::fprintf(stderr, "usage: bench_neardup [prompts >= 2] [versions >= 1] [repeats >= 1]\n");
        return 2;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("bench_neardup-" + newUuid());
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "bench.assay").string();
    {
        Db db = must(Workspace::create(path));
        PromptRepository repo(db);
        std::mt19937 rng(7);
        const int target = prompts / 2;
        const auto fillStart = Clock::now();
        {
            Transaction tx(db);
            if (!tx.began())
                die(tx.beginError());
            auto raw = must(db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash,"
                                       " created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0)"));
            for (int i = 0; i < prompts; ++i) {
                Prompt meta;
                meta.name = "p" + std::to_string(i);
                auto v = must(repo.createPrompt(meta, templ(randomText(rng, 30)), "bench"));
                for (int n = 2; n < versions; ++n) {
                    const PromptContent c = templ(randomText(rng, 30));
                    raw.reset();
                    raw.bind(1, newUuid()).bind(2, v.promptId).bind(3, n).bind(4, canonicalContentJson(c));
                    raw.bind(5, contentHash(c));
                    must(raw.run());
                }
                if (versions > 1)
                    must(repo.saveVersion(v.promptId, templ(i == target ? kLongText : randomText(rng, 30)), "bench"));
            }
            must(tx.commit());
        }
        const double fillS = std::chrono::duration<double>(Clock::now() - fillStart).count();
        std::printf("bench_neardup: %d prompts x %d versions = %d versions (fixture %.1f s), %d repeats each\n",
            prompts, versions, prompts * versions, fillS, repeats);

        std::string edited = kLongText;
        edited.replace(edited.find("period"), 6, "era");
        std::size_t hits = 0;
        const Figures lookup
            = measure(repeats, [&] { hits = must(repo.nearDuplicates(templ(edited), {}, 0.85)).size(); });
        std::vector<std::string> misses;
        for (int i = 0; i < repeats; ++i)
            misses.push_back(randomText(rng, 30));
        int missIndex = 0;
        std::size_t falseHits = 0;
        const Figures miss = measure(
            repeats, [&] { falseHits += must(repo.nearDuplicates(templ(misses[std::size_t(missIndex++)]))).size(); });
        std::size_t scanHits = 0;
        const Figures scan
            = measure(repeats, [&] { scanHits = must(repo.nearDuplicates(templ(edited), {}, 0.5)).size(); });
        auto like = must(db.prepare("SELECT p.name FROM prompt_version v JOIN prompt p ON p.id = v.prompt_id"
                                    " WHERE v.content LIKE ?1"));
        std::size_t likeHits = 0;
        const Figures likeScan = measure(repeats, [&] {
            like.reset();
            like.bind(1, std::string("%period it names%"));
            likeHits = 0;
            while (must(like.step()))
                ++likeHits;
        });
        print("lookup, hit (LSH bands, threshold 0.85)", lookup, lookup);
        print("lookup, miss", miss, lookup);
        print("peer: full signature scan (threshold 0.5)", scan, lookup);
        print("peer: LIKE '%phrase%' over every version", likeScan, lookup);
        std::printf("found: lookup %zu, misses %zu, full scan %zu, LIKE %zu\n", hits, falseHits, scanHits, likeHits);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}
