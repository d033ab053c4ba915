// SPDX-License-Identifier: MIT
#include "storage/promptrepository.h"

#include "catalog/chain.h"
#include "catalog/promptjson.h"
#include "catalog/similarity.h"
#include "catalog/template.h"
#include "storage/auditlog.h"
#include "storage/promptsql.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace assay::core {

using namespace promptsql;

namespace {
Error noPromptId(const std::string& id)
{
    return makeError(ErrorCode::NotFound, "There is no prompt with id " + id);
}

std::string joined(const std::vector<std::string>& list, const char* sep)
{
    std::string out;
    for (const auto& s : list)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

Prompt readPrompt(const Statement& s)
{
    Prompt p;
    p.id = s.text(0);
    p.name = s.text(1);
    p.folder = s.text(2);
    p.description = s.text(3);
    p.tags = sql::stringsFromJson(s.text(4));
    p.isChain = s.text(5) == "chain";
    p.createdAt = s.int64(6);
    p.updatedAt = s.int64(7);
    return p;
}

Result<PromptVersion> readVersion(const Statement& s)
{
    PromptVersion v;
    v.id = s.text(0);
    v.promptId = s.text(1);
    v.number = static_cast<int>(s.int64(2));
    auto j = sql::parseJson(s.text(3), "prompt_version", "content", v.id);
    if (!j)
        return j.error();
    auto content = promptContentFromJson(*j);
    if (!content)
        return makeError(
            ErrorCode::Corrupt, "The content of prompt version " + v.id + " is not valid", content.error().message);
    v.content = std::move(*content);
    v.contentHash = s.text(4);
    v.author = s.text(5);
    v.message = s.text(6);
    v.createdAt = s.int64(7);
    return v;
}

/// Every row of @p st as a version; the first unreadable row's error, if any.
Result<std::vector<PromptVersion>> readVersions(Statement& st)
{
    std::vector<PromptVersion> out;
    Error failed;
    ASSAY_TRY(sql::forEachRow(st, [&](Statement& s) {
        auto v = readVersion(s);
        if (v)
            out.push_back(std::move(*v));
        else if (failed.code == ErrorCode::Ok)
            failed = v.error();
    }));
    if (failed.code != ErrorCode::Ok)
        return failed;
    return out;
}
} // namespace

namespace promptsql {

std::string normalizeFolder(const std::string& folder)
{
    std::string f = sql::trimmed(folder);
    while (!f.empty() && f.front() == '/')
        f.erase(f.begin());
    while (!f.empty() && f.back() == '/')
        f.pop_back();
    return f;
}

Status normalizeMeta(Prompt& meta)
{
    meta.name = sql::trimmed(meta.name);
    if (meta.name.empty())
        return makeError(ErrorCode::Invalid, "A prompt needs a name");
    ASSAY_TRY(sql::checkPlainText(meta.name, "prompt name"));
    meta.folder = normalizeFolder(meta.folder);
    ASSAY_TRY(sql::checkPlainText(meta.folder, "folder"));
    std::vector<std::string> tags;
    for (const auto& t : meta.tags) {
        std::string tag = sql::trimmed(t);
        ASSAY_TRY(sql::checkPlainText(tag, "tag"));
        if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end())
            tags.push_back(std::move(tag));
    }
    meta.tags = std::move(tags);
    return {};
}

PromptLabel readLabel(const Statement& s)
{
    return PromptLabel { s.text(0), s.text(1), s.text(2), static_cast<int>(s.int64(3)), s.int64(4) };
}

} // namespace promptsql

bool PromptRepository::isValidLabel(const std::string& label)
{
    return !label.empty() && label.size() <= 32 && std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

Status PromptRepository::validateContent(const PromptContent& content)
{
    // The strict parser checks roles, parameter ranges and the output format.
    auto roundTrip = promptContentFromJson(promptContentToJson(content));
    if (!roundTrip)
        return roundTrip.error();
    if (!content.steps.empty()) {
        if (!content.messages.empty() || !content.fewShot.empty())
            return makeError(ErrorCode::Invalid,
                "A prompt is a template (messages) or a chain (steps), not both: move the messages into a step");
        return validateChain(content);
    }
    if (content.messages.empty())
        return makeError(ErrorCode::Invalid, "A prompt needs at least one message");
    auto vars = promptVariables(content);
    if (!vars)
        return vars.error();
    return {};
}

Status PromptRepository::appendAudit(const std::string& action, const std::string& promptId, const std::string& payload)
{
    AuditLog audit(m_db);
    auto e = audit.append(m_actor, action, "prompt", promptId, payload);
    if (!e)
        return e.error();
    return {};
}

Result<PromptVersion> PromptRepository::insertVersion(const Prompt& prompt, int number, const PromptContent& content,
    const std::string& author, const std::string& message)
{
    PromptVersion v;
    v.id = newUuid();
    v.promptId = prompt.id;
    v.number = number;
    v.content = content;
    v.contentHash = contentHash(content);
    v.author = author;
    v.message = message;
    v.createdAt = nowMs();
    auto ins = m_db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, author, message,"
                            " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins)
        return ins.error();
    ins->bind(1, v.id).bind(2, v.promptId).bind(3, v.number).bind(4, canonicalContentJson(content));
    ins->bind(5, v.contentHash).bind(6, v.author).bind(7, v.message).bind(8, v.createdAt);
    ASSAY_TRY(ins->run());
    auto kind = m_db.prepare("UPDATE prompt SET kind = ?2, updated_at = ?3 WHERE id = ?1");
    if (!kind)
        return kind.error();
    kind->bind(1, prompt.id).bind(2, content.steps.empty() ? "template" : "chain").bind(3, v.createdAt);
    ASSAY_TRY(kind->run());
    ASSAY_TRY(index(prompt.id));
    return v;
}

Result<PromptVersion> PromptRepository::createPrompt(
    Prompt meta, const PromptContent& content, const std::string& author, const std::string& message)
{
    ASSAY_TRY(normalizeMeta(meta));
    ASSAY_TRY(validateContent(content));
    meta.id = newUuid();
    meta.isChain = !content.steps.empty();
    meta.createdAt = meta.updatedAt = nowMs();
    auto tags = sql::stringsToJson(meta.tags, "tags");
    if (!tags)
        return tags.error();

    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto ins = m_db.prepare("INSERT INTO prompt(id, name, folder, description, tags, kind, created_at, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)");
    if (!ins)
        return ins.error();
    ins->bind(1, meta.id).bind(2, meta.name).bind(3, meta.folder).bind(4, meta.description).bind(5, *tags);
    ins->bind(6, meta.isChain ? "chain" : "template").bind(7, meta.createdAt);
    if (auto st = ins->run(); !st)
        return sql::isUniqueViolation(st.error())
            ? makeError(ErrorCode::Conflict, "A prompt named '" + meta.name + "' already exists")
            : st.error();
    auto v = insertVersion(meta, 1, content, author, message);
    if (!v)
        return v.error();
    ASSAY_TRY(appendAudit("prompt.create", meta.id,
        sql::auditPayload({ { "name", meta.name }, { "version", 1 }, { "hash", v->contentHash } })));
    ASSAY_TRY(tx.commit());
    return v;
}

Result<PromptVersion> PromptRepository::saveVersion(
    const std::string& promptId, const PromptContent& content, const std::string& author, const std::string& message)
{
    ASSAY_TRY(validateContent(content));
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto prompt = get(promptId);
    if (!prompt)
        return prompt.error();
    auto last = m_db.prepare("SELECT COALESCE(MAX(number), 0) FROM prompt_version WHERE prompt_id = ?1");
    if (!last)
        return last.error();
    last->bind(1, promptId);
    ASSAY_TRY(last->step());
    const int number = static_cast<int>(last->int64(0)) + 1;
    auto v = insertVersion(*prompt, number, content, author, message);
    if (!v)
        return v.error();
    ASSAY_TRY(appendAudit(
        "prompt.version.save", promptId, sql::auditPayload({ { "version", number }, { "hash", v->contentHash } })));
    ASSAY_TRY(tx.commit());
    return v;
}

Status PromptRepository::updateMeta(const Prompt& input)
{
    Prompt meta = input;
    ASSAY_TRY(normalizeMeta(meta));
    auto tags = sql::stringsToJson(meta.tags, "tags");
    if (!tags)
        return tags.error();
    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto old = get(meta.id);
    if (!old)
        return old.error();
    auto up = m_db.prepare(
        "UPDATE prompt SET name = ?2, folder = ?3, description = ?4, tags = ?5, updated_at = ?6 WHERE id = ?1");
    if (!up)
        return up.error();
    up->bind(1, meta.id).bind(2, meta.name).bind(3, meta.folder).bind(4, meta.description).bind(5, *tags);
    up->bind(6, nowMs());
    if (auto st = up->run(); !st)
        return sql::isUniqueViolation(st.error())
            ? makeError(ErrorCode::Conflict, "A prompt named '" + meta.name + "' already exists")
            : st.error();
    ASSAY_TRY(index(meta.id));
    nlohmann::json payload = nlohmann::json::object();
    if (old->name != meta.name)
        payload["name"] = { { "from", old->name }, { "to", meta.name } };
    if (old->folder != meta.folder)
        payload["folder"] = { { "from", old->folder }, { "to", meta.folder } };
    if (old->tags != meta.tags)
        payload["tags"] = { { "from", old->tags }, { "to", meta.tags } };
    if (old->description != meta.description)
        payload["description"] = "changed";
    ASSAY_TRY(appendAudit("prompt.update", meta.id, sql::auditPayload(payload)));
    return tx.commit();
}

Status PromptRepository::index(const std::string& promptId)
{
    auto prompt = get(promptId);
    if (!prompt)
        return prompt.error();
    std::string body;
    std::string minhash;
    std::vector<std::int64_t> bands;
    auto latest = latestVersion(promptId);
    if (latest) {
        body = promptSearchText(latest->content);
        const auto sig = minHash(textShingles(body));
        minhash = encodeMinHash(sig);
        bands = minHashBands(sig);
    } else if (latest.error().code != ErrorCode::NotFound) {
        return latest.error();
    }

    auto sig = m_db.prepare("INSERT INTO prompt_signature(prompt_id, minhash) VALUES (?1, ?2)"
                            " ON CONFLICT(prompt_id) DO UPDATE SET minhash = excluded.minhash");
    if (!sig)
        return sig.error();
    sig->bind(1, promptId).bindBlob(2, minhash);
    ASSAY_TRY(sig->run());
    auto seqOf = m_db.prepare("SELECT seq FROM prompt_signature WHERE prompt_id = ?1");
    if (!seqOf)
        return seqOf.error();
    seqOf->bind(1, promptId);
    ASSAY_TRY(seqOf->step());
    const std::int64_t seq = seqOf->int64(0);

    auto del = m_db.prepare("DELETE FROM prompt_signature_band WHERE seq = ?1");
    if (!del)
        return del.error();
    del->bind(1, seq);
    ASSAY_TRY(del->run());
    auto band = m_db.prepare("INSERT INTO prompt_signature_band(seq, band, hash) VALUES (?1, ?2, ?3)");
    if (!band)
        return band.error();
    for (std::size_t b = 0; b < bands.size(); ++b) {
        band->reset();
        band->bind(1, seq).bind(2, static_cast<std::int64_t>(b)).bind(3, bands[b]);
        ASSAY_TRY(band->run());
    }

    auto unindex = m_db.prepare("DELETE FROM prompt_fts WHERE rowid = ?1");
    if (!unindex)
        return unindex.error();
    unindex->bind(1, seq);
    ASSAY_TRY(unindex->run());
    auto fts = m_db.prepare("INSERT INTO prompt_fts(rowid, name, body, tags, description, prompt_id)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!fts)
        return fts.error();
    fts->bind(1, seq).bind(2, prompt->name).bind(3, body).bind(4, joined(prompt->tags, " "));
    fts->bind(5, prompt->description).bind(6, promptId);
    return fts->run();
}

Result<std::vector<PromptSummary>> PromptRepository::summaries(Statement& st, bool scored)
{
    std::vector<PromptSummary> out;
    ASSAY_TRY(sql::forEachRow(st, [&](Statement& s) {
        PromptSummary sum;
        sum.prompt = readPrompt(s);
        sum.latestVersion = static_cast<int>(s.int64(8));
        sum.score = scored ? s.real(9) : 0.0;
        out.push_back(std::move(sum));
    }));
    if (out.size() <= 64) { // a search page: a few indexed lookups
        for (auto& sum : out) {
            auto l = labels(sum.prompt.id);
            if (!l)
                return l.error();
            sum.labels = std::move(*l);
        }
        return out;
    }
    // A whole catalog: every label in one query instead of one query per prompt.
    std::unordered_map<std::string, std::vector<PromptLabel>> byPrompt;
    auto all = m_db.prepare(std::string(kLabelSelect) + " ORDER BY l.prompt_id, l.label");
    if (!all)
        return all.error();
    ASSAY_TRY(sql::forEachRow(*all, [&](Statement& s) { byPrompt[s.text(0)].push_back(readLabel(s)); }));
    for (auto& sum : out)
        if (auto it = byPrompt.find(sum.prompt.id); it != byPrompt.end())
            sum.labels = std::move(it->second);
    return out;
}

Result<std::vector<PromptSummary>> PromptRepository::list(const PromptFilter& filter)
{
    auto st = m_db.prepare(std::string("SELECT ") + kPromptColumns + " FROM prompt p WHERE 1 = 1" + kFilter
        + " ORDER BY p.folder, p.name");
    if (!st)
        return st.error();
    st->bind(2, normalizeFolder(filter.folder)).bind(3, sql::trimmed(filter.tag)).bind(4, sql::trimmed(filter.label));
    return summaries(*st, false);
}

Result<Prompt> PromptRepository::get(const std::string& id)
{
    auto st = m_db.prepare(std::string("SELECT ") + kPromptColumns + " FROM prompt p WHERE p.id = ?1");
    if (!st)
        return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return noPromptId(id);
    return readPrompt(*st);
}

Result<Prompt> PromptRepository::getByName(const std::string& rawName)
{
    const std::string name = sql::trimmed(rawName);
    auto st = m_db.prepare(std::string("SELECT ") + kPromptColumns + " FROM prompt p WHERE p.name = ?1");
    if (!st)
        return st.error();
    st->bind(1, name);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return makeError(ErrorCode::NotFound, "There is no prompt named '" + name + "'");
    return readPrompt(*st);
}

Result<std::vector<PromptVersion>> PromptRepository::selectVersions(
    const std::string& where, const std::string& promptId, int arg)
{
    auto st = m_db.prepare(std::string("SELECT ") + kVersionColumns + " FROM prompt_version v WHERE v.prompt_id = ?1 "
        + where + " ORDER BY v.number");
    if (!st)
        return st.error();
    st->bind(1, promptId);
    if (where.find("?2") != std::string::npos)
        st->bind(2, arg);
    return readVersions(*st);
}

Result<std::vector<PromptVersion>> PromptRepository::versions(const std::string& promptId)
{
    ASSAY_TRY(get(promptId));
    return selectVersions({}, promptId, 0);
}

Result<PromptVersion> PromptRepository::version(const std::string& promptId, int number)
{
    auto prompt = get(promptId);
    if (!prompt)
        return prompt.error();
    auto found = selectVersions("AND v.number = ?2", promptId, number);
    if (!found)
        return found.error();
    if (found->empty())
        return makeError(ErrorCode::NotFound, "'" + prompt->name + "' has no version " + std::to_string(number));
    return std::move(found->front());
}

Result<PromptVersion> PromptRepository::latestVersion(const std::string& promptId)
{
    auto prompt = get(promptId);
    if (!prompt)
        return prompt.error();
    auto found
        = selectVersions("AND v.number = (SELECT MAX(number) FROM prompt_version WHERE prompt_id = ?1)", promptId, 0);
    if (!found)
        return found.error();
    if (found->empty())
        return makeError(ErrorCode::NotFound, "'" + prompt->name + "' has no versions");
    return std::move(found->front());
}

Result<std::vector<PromptVersion>> PromptRepository::latestVersions()
{
    auto st = m_db.prepare(std::string("SELECT ") + kVersionColumns
        + " FROM prompt_version v JOIN (SELECT prompt_id, MAX(number) AS n FROM prompt_version GROUP BY prompt_id) m"
          " ON v.prompt_id = m.prompt_id AND v.number = m.n");
    if (!st)
        return st.error();
    return readVersions(*st);
}

} // namespace assay::core
