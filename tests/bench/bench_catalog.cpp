// SPDX-License-Identifier: MIT
// The prompt catalog at scale: a workspace with (by default) 10,000 prompts x 10 versions = 100,000 versions of
// varied text (each version an edit of the one before, as real histories are), then:
//   list      PromptRepository::list() of every prompt                      target < 300 ms
//   search    PromptRepository::search(), 200 varied queries, median / p95 target < 30 ms
//   near-dup  PromptRepository::nearDuplicates(), 200 texts, median / p95  target < 50 ms
//   export    JSON and JSONL with full history (time, size), and their import into fresh workspaces.
// The fixture stores version 1 and the latest version through the repository (index, signature, audit) and the
// versions between by plain INSERTs, which is what the repository would leave behind for them.
// Usage: bench_catalog [prompts (default 10000)] [versions per prompt (default 10)]
// ASSAY_BENCH_KEEP=FILE keeps a copy of the generated workspace (bench_catalogpage opens it in the GUI).
#include "catalog/promptjson.h"
#include "interchange/catalogexport.h"
#include "interchange/catalogimport.h"
#include "storage/promptrepository.h"
#include "storage/workspace.h"
#include "util/ids.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace assay::core;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kTasks[]
    = { "Summarize", "Translate", "Classify", "Extract the key facts from", "Answer questions about", "Rewrite",
          "Review", "Explain", "Critique", "Outline", "Draft a reply to", "Label the sentiment of" };
const char* const kSubjects[] = { "the customer email", "the product review", "the support ticket", "the news article",
    "the legal contract clause", "the clinical note", "the code snippet", "the recipe",
    "the quarterly financial report", "the meeting transcript", "the research abstract", "the job posting",
    "the travel itinerary", "the error log", "the insurance claim", "the lecture notes", "the poem", "the patent claim",
    "the release notes", "the survey answer" };
const char* const kConstraints[] = { "in three bullet points", "in a formal tone", "in plain language for a child",
    "as JSON with the keys title, summary and tags", "in under 80 words", "citing the sentence you relied on",
    "without speculation", "in French", "in German", "with a confidence score from 0 to 1",
    "as a numbered list of steps", "using the company style guide", "and flag anything that looks like personal data",
    "and end with one follow-up question" };
const char* const kPersonas[] = { "You are a careful assistant for a retail company.",
    "You are a senior software engineer doing code review.", "You are a paralegal who reads contracts closely.",
    "You are a friendly tutor for secondary school students.", "You are a medical scribe; never give diagnoses.",
    "You are a financial analyst who double-checks every figure.", "You are a translator who keeps the register.",
    "You are a support agent for a streaming service.", "You are an editor for a science magazine.",
    "You are a strict grader: answer with one label only." };
const char* const kVariables[] = { "document", "question", "text", "ticket", "review", "language", "audience",
    "product", "code", "context", "customer_name", "date" };
const char* const kFolders[] = { "support", "support/email", "support/chat", "legal", "legal/contracts", "eval",
    "eval/labeled", "eval/judges", "marketing", "engineering", "engineering/review", "research", "finance", "health" };
const char* const kSyllables[] = { "ka", "lo", "mi", "ren", "tas", "vo", "shi", "bel", "dor", "qui", "zan", "fe", "gra",
    "pol", "ux", "ter", "nal", "sor", "vix", "em", "ban", "clo", "dri", "hep" };

template <typename T, std::size_t N> const char* pick(std::mt19937& rng, const T (&list)[N])
{
    return list[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

/// A made-up domain word (product names, jargon): a large vocabulary, as real catalogs have.
std::string word(std::mt19937& rng)
{
    std::string w;
    const int n = std::uniform_int_distribution<int>(2, 4)(rng);
    for (int i = 0; i < n; ++i)
        w += pick(rng, kSyllables);
    return w;
}

std::string sentence(std::mt19937& rng)
{
    std::string s = std::string(pick(rng, kTasks)) + " " + pick(rng, kSubjects) + " about " + word(rng) + " "
        + pick(rng, kConstraints) + ".";
    if (rng() % 2)
        s += " Mention " + word(rng) + " and " + word(rng) + " where relevant.";
    return s;
}

PromptContent firstVersion(std::mt19937& rng)
{
    PromptContent c;
    c.messages.push_back({ "system", pick(rng, kPersonas) + std::string(" ") + sentence(rng) });
    std::string user = sentence(rng) + "\n\n";
    const int vars = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int i = 0; i < vars; ++i) {
        const std::string v = pick(rng, kVariables);
        user += v + ": {{" + v + "}}\n";
    }
    c.messages.push_back({ "user", user });
    if (rng() % 3 == 0)
        c.parameters.temperature = 0.1 * static_cast<double>(rng() % 10);
    return c;
}

/// The next version: a sentence added or replaced, or a parameter tuned.
PromptContent edit(std::mt19937& rng, PromptContent c)
{
    auto& user = c.messages.back().content;
    switch (rng() % 4) {
    case 0:
        user = sentence(rng) + "\n" + user;
        break;
    case 1:
        c.messages.front().content += " " + sentence(rng);
        break;
    case 2:
        user.replace(0, user.find('.') + 1, sentence(rng));
        break;
    default:
        c.parameters.maxTokens = 64 * static_cast<std::int64_t>(1 + rng() % 16);
        user += "Keep it short.\n";
        break;
    }
    return c;
}

double ms(Clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

struct Stats {
    double median = 0;
    double p95 = 0;
};

Stats stats(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return { v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)] };
}

const char* verdict(double value, double target)
{
    return value < target ? "ok" : "OVER";
}

[[noreturn]] void die(const Error& e)
{
    std::fprintf(stderr, "bench_catalog: %s\n", e.describe().c_str());
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

} // namespace

int main(int argc, char** argv)
{
    const int prompts = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int versions = argc > 2 ? std::atoi(argv[2]) : 10;
    if (prompts < 1 || versions < 2) {
        std::fprintf(stderr, "usage: bench_catalog [prompts >= 1] [versions >= 2]\n");
        return 2;
    }
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("bench_catalog-" + newUuid());
    fs::create_directories(dir);
    std::mt19937 rng(20261123);

    Db db = must(Workspace::create((dir / "source.assay").string()));
    PromptRepository repo(db, "bench");
    std::vector<PromptContent> latest;
    auto t0 = Clock::now();
    {
        Transaction tx(db);
        if (!tx.began())
            die(tx.beginError());
        auto raw = must(db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, author,"
                                   " message, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'bench', 'edit', ?6)"));
        for (int i = 0; i < prompts; ++i) {
            Prompt meta;
            meta.name = std::string(pick(rng, kFolders)).substr(0, 3) + "-" + word(rng) + "-" + std::to_string(i);
            meta.folder = pick(rng, kFolders);
            meta.tags = { word(rng), pick(rng, kVariables) };
            meta.description = sentence(rng);
            PromptContent c = firstVersion(rng);
            const auto v1 = must(repo.createPrompt(meta, c, "bench", "first"));
            for (int n = 2; n < versions; ++n) {
                c = edit(rng, c);
                raw.reset();
                raw.bind(1, newUuid()).bind(2, v1.promptId).bind(3, n).bind(4, canonicalContentJson(c));
                raw.bind(5, contentHash(c)).bind(6, v1.createdAt + n);
                must(raw.run());
            }
            c = edit(rng, c);
            must(repo.saveVersion(v1.promptId, c, "bench", "latest"));
            must(repo.setLabel(v1.promptId, "dev", versions));
            if (i % 3 == 0)
                must(repo.setLabel(v1.promptId, "prod", versions - 1));
            latest.push_back(std::move(c));
        }
        must(tx.commit());
    }
    const double fixture = ms(Clock::now() - t0);
    std::printf("bench_catalog: %d prompts x %d versions = %lld versions (fixture %.1f s)\n", prompts, versions,
        static_cast<long long>(must(db.queryInt("SELECT COUNT(*) FROM prompt_version"))), fixture / 1000);

    // list
    std::vector<double> listTimes;
    for (int i = 0; i < 5; ++i) {
        t0 = Clock::now();
        const auto all = must(repo.list());
        listTimes.push_back(ms(Clock::now() - t0));
        if (static_cast<int>(all.size()) != prompts)
            die(makeError(ErrorCode::Invalid, "list() returned the wrong count"));
    }
    const Stats list = stats(listTimes);
    std::printf("list all prompts (5 runs)          median %7.1f ms   max %7.1f ms   target < 300 ms  %s\n",
        list.median, *std::max_element(listTimes.begin(), listTimes.end()), verdict(list.median, 300));

    // search: single words, prefixes, two and three words, phrases from the banks, misses
    std::vector<std::string> queries;
    while (queries.size() < 200) {
        switch (queries.size() % 6) {
        case 0:
            queries.push_back(word(rng));
            break;
        case 1:
            queries.push_back(word(rng).substr(0, 3));
            break;
        case 2:
            queries.push_back(std::string(pick(rng, kVariables)) + " " + word(rng).substr(0, 4));
            break;
        case 3:
            queries.push_back(pick(rng, kSubjects));
            break;
        case 4:
            queries.push_back(std::string(pick(rng, kTasks)) + " " + pick(rng, kVariables));
            break;
        default:
            queries.push_back("zzq" + word(rng));
            break;
        }
    }
    std::vector<double> searchTimes;
    std::size_t hits = 0;
    for (const auto& q : queries) {
        t0 = Clock::now();
        hits += must(repo.search(q, 50)).size();
        searchTimes.push_back(ms(Clock::now() - t0));
    }
    const Stats search = stats(searchTimes);
    std::printf("search (200 queries, limit 50)     median %7.2f ms   p95 %7.2f ms   target < 30 ms   %s  (%zu hits)\n",
        search.median, search.p95, verdict(search.p95, 30), hits);

    // near-duplicates: half are light edits of stored prompts (hits), half new text (misses)
    std::vector<double> dupTimes;
    std::size_t found = 0;
    for (int i = 0; i < 200; ++i) {
        PromptContent c;
        if (i % 2 == 0) {
            c = latest[std::uniform_int_distribution<std::size_t>(0, latest.size() - 1)(rng)];
            c.messages.back().content += " Thanks.";
        } else {
            c = firstVersion(rng);
        }
        t0 = Clock::now();
        found += must(repo.nearDuplicates(c)).empty() ? 0 : 1;
        dupTimes.push_back(ms(Clock::now() - t0));
    }
    const Stats dup = stats(dupTimes);
    std::printf(
        "near-duplicates (200 texts, 0.9)   median %7.2f ms   p95 %7.2f ms   target < 50 ms   %s  (%zu found)\n",
        dup.median, dup.p95, verdict(dup.p95, 50), found);

    // export and import
    for (auto format : { CatalogFormat::Json, CatalogFormat::Jsonl }) {
        const std::string name = std::string("catalog.") + catalogFormatName(format);
        const std::string file = (dir / name).string();
        t0 = Clock::now();
        const auto report = must(CatalogExporter(db).exportTo(file, format));
        const double exportMs = ms(Clock::now() - t0);
        std::printf("export %-6s                       %7.2f s    %7.1f MiB (%lld prompts, %lld versions)\n",
            catalogFormatName(format), exportMs / 1000, static_cast<double>(report.bytes) / (1 << 20),
            static_cast<long long>(report.prompts), static_cast<long long>(report.versions));
        Db target = must(Workspace::create((dir / (name + ".assay")).string()));
        t0 = Clock::now();
        const auto imported = must(CatalogImporter(target, "bench").importFrom(file, format));
        const double importMs = ms(Clock::now() - t0);
        std::printf("import %-6s into a new workspace   %7.2f s    (%lld prompts, %lld versions, %lld labels)\n",
            catalogFormatName(format), importMs / 1000, static_cast<long long>(imported.prompts),
            static_cast<long long>(imported.versions), static_cast<long long>(imported.labels));
    }
    std::error_code ec;
    if (const char* keep = std::getenv("ASSAY_BENCH_KEEP"); keep && *keep) {
        if (auto copied = Workspace::saveCopy(db, keep); !copied)
            die(copied.error());
        std::printf("kept the workspace as %s\n", keep);
    }
    fs::remove_all(dir, ec);
    return 0;
}
