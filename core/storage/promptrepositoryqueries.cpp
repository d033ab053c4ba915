// SPDX-License-Identifier: MIT
// PromptRepository, continued: labels, references, search and near-duplicates.
#include "catalog/promptjson.h"
#include "catalog/similarity.h"
#include "storage/ftsquery.h"
#include "storage/promptrepository.h"
#include "storage/promptsql.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <algorithm>
#include <map>

namespace assay::core {

using namespace promptsql;

namespace {
/// bm25 column weights: name, body, tags, description.
const char* const kRank = "bm25(prompt_fts, 10.0, 1.0, 4.0, 2.0)";

bool allDigits(const std::string& s)
{
    return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Error badLabel(const std::string& label)
{
    return makeError(ErrorCode::Invalid, "'" + label + "' is not a valid label: use 1 to 32 of a-z, 0-9, '_' and '-'");
}
} // namespace

Result<std::vector<PromptLabel>> PromptRepository::labels(const std::string& promptId)
{
    auto st = m_db.prepare(std::string(kLabelSelect) + " WHERE l.prompt_id = ?1 ORDER BY l.label");
    if (!st)
        return st.error();
    st->bind(1, promptId);
    std::vector<PromptLabel> out;
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) { out.push_back(readLabel(s)); }));
    return out;
}

Result<PromptLabel> PromptRepository::setLabel(const std::string& promptId, const std::string& label, int versionNumber)
{
    if (!isValidLabel(label))
        return badLabel(label);
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto target = version(promptId, versionNumber);
    if (!target)
        return target.error();
    auto current = labels(promptId);
    if (!current)
        return current.error();
    std::optional<int> from;
    for (const auto& l : *current)
        if (l.label == label)
            from = l.versionNumber;
    PromptLabel out { promptId, label, target->id, versionNumber, nowMs() };
    if (from == versionNumber) {
        for (const auto& l : *current)
            if (l.label == label)
                out = l;
        ASSAY_TRY(tx.commit());
        return out; // already there: nothing moves, nothing is audited
    }
    auto up = m_db.prepare("INSERT INTO prompt_label(prompt_id, label, version_id, updated_at) VALUES (?1, ?2, ?3, ?4)"
                           " ON CONFLICT(prompt_id, label) DO UPDATE SET version_id = excluded.version_id,"
                           " updated_at = excluded.updated_at");
    if (!up)
        return up.error();
    up->bind(1, promptId).bind(2, label).bind(3, target->id).bind(4, out.updatedAt);
    ASSAY_TRY(up->run());
    nlohmann::json payload { { "label", label }, { "to", versionNumber } };
    payload["from"] = from ? nlohmann::json(*from) : nlohmann::json(nullptr);
    ASSAY_TRY(appendAudit("prompt.label.move", promptId, sql::auditPayload(payload)));
    ASSAY_TRY(tx.commit());
    return out;
}

Status PromptRepository::removeLabel(const std::string& promptId, const std::string& label)
{
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto prompt = get(promptId);
    if (!prompt)
        return prompt.error();
    auto current = labels(promptId);
    if (!current)
        return current.error();
    auto it = std::find_if(current->begin(), current->end(), [&](const PromptLabel& l) { return l.label == label; });
    if (it == current->end())
        return makeError(ErrorCode::NotFound, "'" + prompt->name + "' has no label '" + label + "'");
    auto del = m_db.prepare("DELETE FROM prompt_label WHERE prompt_id = ?1 AND label = ?2");
    if (!del)
        return del.error();
    del->bind(1, promptId).bind(2, label);
    ASSAY_TRY(del->run());
    ASSAY_TRY(appendAudit("prompt.label.remove", promptId,
        sql::auditPayload({ { "label", label }, { "from", it->versionNumber }, { "to", nullptr } })));
    return tx.commit();
}

Result<PromptVersion> PromptRepository::resolve(const std::string& reference)
{
    const std::string ref = sql::trimmed(reference);
    if (ref.empty())
        return makeError(ErrorCode::Invalid, "Name a prompt: NAME, NAME@<version> or NAME@<label>");
    std::string name = ref;
    std::string selector;
    if (const auto at = ref.rfind('@'); at != std::string::npos) {
        auto whole = getByName(ref); // a name may itself contain '@'
        if (!whole && whole.error().code != ErrorCode::NotFound)
            return whole.error();
        if (!whole) {
            name = sql::trimmed(ref.substr(0, at));
            selector = sql::trimmed(ref.substr(at + 1));
            if (selector.empty())
                return makeError(ErrorCode::Invalid,
                    "'" + ref + "': write NAME, NAME@<version> or NAME@<label> (nothing after '@')");
        }
    }
    auto prompt = getByName(name);
    if (!prompt)
        return prompt.error();
    if (selector.empty())
        return latestVersion(prompt->id);
    if (allDigits(selector))
        return version(prompt->id, std::stoi(selector));
    if (!isValidLabel(selector))
        return badLabel(selector);
    auto all = labels(prompt->id);
    if (!all)
        return all.error();
    for (const auto& l : *all)
        if (l.label == selector)
            return version(prompt->id, l.versionNumber);
    return makeError(ErrorCode::NotFound, "'" + prompt->name + "' has no label '" + selector + "'");
}

Result<std::vector<PromptSummary>> PromptRepository::search(
    const std::string& query, int limit, const PromptFilter& filter)
{
    const std::string match = ftsPrefixQuery(query);
    if (match.empty()) {
        auto all = list(filter);
        if (all && limit >= 0 && all->size() > static_cast<std::size_t>(limit))
            all->resize(static_cast<std::size_t>(limit));
        return all;
    }
    const bool unfiltered
        = sql::trimmed(filter.folder).empty() && sql::trimmed(filter.tag).empty() && sql::trimmed(filter.label).empty();
    // Without filters the best `limit` hits are picked inside FTS first, so the prompt columns (and the latest
    // version's subquery) are computed for those rows only, not for every match of a short prefix.
    auto st = unfiltered && limit >= 0
        ? m_db.prepare(std::string("SELECT ") + kPromptColumns + ", -f.r FROM (SELECT prompt_id, " + kRank
            + " AS r FROM prompt_fts WHERE prompt_fts MATCH ?1 ORDER BY r LIMIT ?5) f JOIN prompt p"
              " ON p.id = f.prompt_id WHERE 1 = 1"
            + kFilter + " ORDER BY f.r, p.name")
        : m_db.prepare(std::string("SELECT ") + kPromptColumns + ", -" + kRank
            + " FROM prompt_fts JOIN prompt p ON p.id = prompt_fts.prompt_id WHERE prompt_fts MATCH ?1" + kFilter
            + " ORDER BY " + kRank + ", p.name LIMIT ?5");
    if (!st)
        return st.error();
    st->bind(1, match).bind(2, normalizeFolder(filter.folder)).bind(3, sql::trimmed(filter.tag));
    st->bind(4, sql::trimmed(filter.label)).bind(5, limit < 0 ? std::int64_t(-1) : std::int64_t(limit));
    return summaries(*st, true);
}

Result<std::vector<std::string>> PromptRepository::searchIds(const std::string& query)
{
    std::vector<std::string> ids;
    const std::string match = ftsPrefixQuery(query);
    if (match.empty())
        return ids;
    auto st = m_db.prepare(std::string("SELECT prompt_id FROM prompt_fts WHERE prompt_fts MATCH ?1 ORDER BY ") + kRank);
    if (!st)
        return st.error();
    st->bind(1, match);
    ASSAY_TRY(sql::forEachRow(*st, [&](Statement& s) { ids.push_back(s.text(0)); }));
    return ids;
}

Result<std::vector<NearDuplicate>> PromptRepository::nearDuplicates(
    const PromptContent& content, const std::string& excludePromptId, double threshold)
{
    const auto shingles = textShingles(promptSearchText(content));
    std::vector<NearDuplicate> out;
    if (shingles.empty())
        return out;
    const auto sig = minHash(shingles);
    // Signatures estimate the similarity within a few hundredths; keep a wide margin before the exact check.
    const double estimateFloor = threshold - 0.2;
    std::map<std::string, bool> candidates; // prompt id -> seen
    auto consider = [&](Statement& s) {
        const std::string id = s.text(0);
        if (id == excludePromptId || candidates.count(id))
            return;
        const auto other = decodeMinHash(s.text(1));
        if (!other || minHashSimilarity(sig, *other) >= estimateFloor)
            candidates[id] = true;
    };
    if (threshold >= 0.7) {
        // LSH: a prompt at or above the threshold shares a band with this text with probability > 0.93.
        auto st = m_db.prepare("SELECT s.prompt_id, s.minhash FROM prompt_signature_band b"
                               " JOIN prompt_signature s ON s.seq = b.seq WHERE b.band = ?1 AND b.hash = ?2");
        if (!st)
            return st.error();
        const auto bands = minHashBands(sig);
        for (std::size_t b = 0; b < bands.size(); ++b) {
            st->reset();
            st->bind(1, static_cast<std::int64_t>(b)).bind(2, bands[b]);
            ASSAY_TRY(sql::forEachRow(*st, consider));
        }
    } else {
        auto st = m_db.prepare("SELECT prompt_id, minhash FROM prompt_signature WHERE length(minhash) > 0");
        if (!st)
            return st.error();
        ASSAY_TRY(sql::forEachRow(*st, consider));
    }
    // Prompts carried over from an older schema have no signature until they are saved again: check them all.
    auto pending = m_db.prepare("SELECT prompt_id FROM prompt_signature WHERE minhash IS NULL");
    if (!pending)
        return pending.error();
    ASSAY_TRY(sql::forEachRow(*pending, [&](Statement& s) {
        if (s.text(0) != excludePromptId)
            candidates[s.text(0)] = true;
    }));

    for (const auto& [id, seen] : candidates) {
        (void)seen;
        auto latest = latestVersion(id);
        if (!latest) {
            if (latest.error().code == ErrorCode::NotFound)
                continue;
            return latest.error();
        }
        const double similarity = jaccard(shingles, textShingles(promptSearchText(latest->content)));
        if (similarity < threshold)
            continue;
        auto prompt = get(id);
        if (!prompt)
            return prompt.error();
        out.push_back(NearDuplicate { id, prompt->name, similarity });
    }
    std::sort(out.begin(), out.end(), [](const NearDuplicate& a, const NearDuplicate& b) {
        return a.similarity != b.similarity ? a.similarity > b.similarity : a.name < b.name;
    });
    return out;
}

} // namespace assay::core
