// SPDX-License-Identifier: MIT
// PromptRepository, continued: storing prompts and versions carried over from another workspace (catalog import).
#include "catalog/promptjson.h"
#include "storage/promptrepository.h"
#include "storage/promptsql.h"
#include "storage/sqlhelpers.h"
#include "util/ids.h"

#include <algorithm>

namespace assay::core {

Status PromptRepository::insertImportedVersions(const std::string& promptId, int after,
    const std::vector<PromptVersion>& versions, const std::map<std::string, int>& labels)
{
    auto ins = m_db.prepare("INSERT INTO prompt_version(id, prompt_id, number, content, content_hash, author, message,"
                            " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins)
        return ins.error();
    int last = after;
    std::int64_t updatedAt = 0;
    bool chain = false;
    for (const auto& v : versions) {
        ASSAY_TRY(validateContent(v.content));
        if (v.number <= last)
            return makeError(ErrorCode::Invalid,
                "Version " + std::to_string(v.number) + " does not come after version " + std::to_string(last));
        last = v.number;
        const std::string id = v.id.empty() ? newUuid() : v.id;
        ins->reset();
        ins->bind(1, id).bind(2, promptId).bind(3, v.number).bind(4, canonicalContentJson(v.content));
        ins->bind(5, contentHash(v.content)).bind(6, v.author).bind(7, v.message).bind(8, v.createdAt);
        if (auto st = ins->run(); !st)
            return sql::isUniqueViolation(st.error())
                ? makeError(ErrorCode::Conflict, "A prompt version with id " + id + " already exists")
                : st.error();
        updatedAt = std::max(updatedAt, v.createdAt);
        chain = !v.content.steps.empty();
    }
    if (!versions.empty()) {
        auto kind = m_db.prepare("UPDATE prompt SET kind = ?2, updated_at = MAX(updated_at, ?3) WHERE id = ?1");
        if (!kind)
            return kind.error();
        kind->bind(1, promptId).bind(2, chain ? "chain" : "template").bind(3, updatedAt);
        ASSAY_TRY(kind->run());
        ASSAY_TRY(index(promptId));
    }
    for (const auto& [label, number] : labels) {
        auto set = setLabel(promptId, label, number);
        if (!set)
            return set.error();
    }
    return {};
}

Result<Prompt> PromptRepository::importPrompt(
    Prompt meta, const std::vector<PromptVersion>& versions, const std::map<std::string, int>& labels)
{
    if (versions.empty())
        return makeError(ErrorCode::Invalid, "An imported prompt needs at least one version");
    ASSAY_TRY(promptsql::normalizeMeta(meta)); // the same normalisation createPrompt applies
    if (meta.id.empty())
        meta.id = newUuid();
    meta.createdAt = versions.front().createdAt;
    meta.updatedAt = versions.back().createdAt;
    meta.isChain = !versions.back().content.steps.empty();
    auto tagsJson = sql::stringsToJson(meta.tags, "tags");
    if (!tagsJson)
        return tagsJson.error();

    Transaction tx(m_db);
    if (!tx.began())
        return tx.beginError();
    auto ins = m_db.prepare("INSERT INTO prompt(id, name, folder, description, tags, kind, created_at, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ins)
        return ins.error();
    ins->bind(1, meta.id).bind(2, meta.name).bind(3, meta.folder).bind(4, meta.description).bind(5, *tagsJson);
    ins->bind(6, meta.isChain ? "chain" : "template").bind(7, meta.createdAt).bind(8, meta.updatedAt);
    if (auto st = ins->run(); !st) {
        if (!sql::isUniqueViolation(st.error()))
            return st.error();
        auto byId = sql::exists(m_db, "prompt", meta.id);
        return byId && *byId ? makeError(ErrorCode::Conflict, "A prompt with id " + meta.id + " already exists")
                             : makeError(ErrorCode::Conflict, "A prompt named '" + meta.name + "' already exists");
    }
    ASSAY_TRY(insertImportedVersions(meta.id, 0, versions, labels));
    ASSAY_TRY(appendAudit("prompt.import", meta.id,
        sql::auditPayload({ { "name", meta.name }, { "versions", static_cast<std::int64_t>(versions.size()) },
            { "hash", contentHash(versions.back().content) } })));
    ASSAY_TRY(tx.commit());
    return get(meta.id);
}

Status PromptRepository::importVersions(
    const std::string& promptId, const std::vector<PromptVersion>& versions, const std::map<std::string, int>& labels)
{
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
    ASSAY_TRY(insertImportedVersions(promptId, static_cast<int>(last->int64(0)), versions, labels));
    ASSAY_TRY(appendAudit(
        "prompt.import", promptId, sql::auditPayload({ { "versions", static_cast<std::int64_t>(versions.size()) } })));
    return tx.commit();
}

} // namespace assay::core
