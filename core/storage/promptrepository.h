// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"
#include "storage/db.h"

#include <map>
#include <string>
#include <vector>

namespace assay::core {

/// Narrows list() and search(); empty fields do not filter.
struct PromptFilter {
    std::string folder; ///< this folder and everything below it ("evaluation" matches "evaluation/labeled")
    std::string tag; ///< prompts carrying this tag
    std::string label; ///< prompts with a version under this label
};

/// A prompt with what list views show next to it.
struct PromptSummary {
    Prompt prompt;
    int latestVersion = 0;
    std::vector<PromptLabel> labels; ///< by label name
    double score = 0; ///< search relevance (higher is better); 0 for list()
};

struct NearDuplicate {
    std::string promptId;
    std::string name;
    double similarity = 0; ///< Jaccard index of word 3-shingles (catalog/similarity.h), 0..1
};

/// The prompt catalog: prompts, their immutable numbered versions, labels, search and near-duplicate lookups.
/// Each mutating call is one transaction (nested as a savepoint inside a caller's transaction) that also keeps
/// the search index (prompt_fts) and the similarity signature of the prompt's latest version up to date and
/// appends an audit event. Thread affinity: the thread that owns @p db.
class PromptRepository {
public:
    explicit PromptRepository(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// Creates the prompt (meta: name, folder, tags, description; id and times are assigned) and its version 1.
    /// Conflict when the name is taken; Invalid when the name is empty or the content is not valid (a chain is
    /// checked with validateChain, every template must parse).
    Result<PromptVersion> createPrompt(
        Prompt meta, const PromptContent& content, const std::string& author, const std::string& message = {});
    /// Stores @p content as the next version (latest number + 1). Earlier versions never change.
    Result<PromptVersion> saveVersion(const std::string& promptId, const PromptContent& content,
        const std::string& author, const std::string& message = {});
    /// Updates name, folder, tags and description of @p meta.id (versions are untouched).
    Status updateMeta(const Prompt& meta);

    /// Prompts by folder, then name.
    Result<std::vector<PromptSummary>> list(const PromptFilter& filter = {});
    Result<Prompt> get(const std::string& id);
    /// NotFound "There is no prompt named 'X'".
    Result<Prompt> getByName(const std::string& name);

    /// All versions, oldest first.
    Result<std::vector<PromptVersion>> versions(const std::string& promptId);
    Result<PromptVersion> version(const std::string& promptId, int number);
    Result<PromptVersion> latestVersion(const std::string& promptId);
    /// The latest version of every prompt, in one query (list views at catalog scale).
    Result<std::vector<PromptVersion>> latestVersions();
    /// "NAME" (latest version), "NAME@3" (version 3) or "NAME@prod" (the version labelled prod).
    Result<PromptVersion> resolve(const std::string& reference);

    /// Points @p label ([a-z0-9_-]{1,32}) at version @p versionNumber, creating or moving it; the move (from/to
    /// version numbers) is audited in the same transaction.
    Result<PromptLabel> setLabel(const std::string& promptId, const std::string& label, int versionNumber);
    /// Labels by name.
    Result<std::vector<PromptLabel>> labels(const std::string& promptId);
    /// NotFound when the prompt has no such label.
    Status removeLabel(const std::string& promptId, const std::string& label);

    /// Full-text search over names, message text, tags and descriptions. Each word of @p query matches as a
    /// prefix (all words must match); FTS syntax in the query is searched for literally. Ranked by bm25, best
    /// first. A query without words lists the prompts (score 0).
    Result<std::vector<PromptSummary>> search(
        const std::string& query, int limit = 50, const PromptFilter& filter = {});

    /// The ids of the prompts matching @p query as search() matches it, best first, without the summaries (for
    /// search-as-you-type over a whole catalog). Empty for a query without words.
    Result<std::vector<std::string>> searchIds(const std::string& query);
    /// Prompts (other than @p excludePromptId) whose latest version's text (promptSearchText) has a similarity
    /// of at least @p threshold with @p content's, most similar first. Candidates come from the stored MinHash
    /// bands, so the cost does not grow with the number of versions; each candidate is verified exactly.
    Result<std::vector<NearDuplicate>> nearDuplicates(
        const PromptContent& content, const std::string& excludePromptId = {}, double threshold = 0.9);

    /// Stores a prompt as another workspace exported it (catalog import): @p meta's id, name, folder, tags and
    /// description, and @p versions with their ids (assigned when empty), numbers, authors, messages and times;
    /// content hashes are recomputed. Then points @p labels (label -> version number) at them. One transaction
    /// (a savepoint inside the caller's), audited as prompt.import. Conflict when the id, a version id or the name
    /// is taken; Invalid as validateContent, for a bad label or for version numbers that do not increase.
    Result<Prompt> importPrompt(
        Prompt meta, const std::vector<PromptVersion>& versions, const std::map<std::string, int>& labels);
    /// Appends @p versions (numbered above the prompt's latest) to an existing prompt, keeping their ids and
    /// times, then points @p labels at them (an import carrying newer history of a prompt this workspace has).
    Status importVersions(const std::string& promptId, const std::vector<PromptVersion>& versions,
        const std::map<std::string, int>& labels);

    /// True when @p label is a valid label name.
    static bool isValidLabel(const std::string& label);
    /// Checks @p content as save does (Invalid names the problem).
    static Status validateContent(const PromptContent& content);

private:
    Status index(const std::string& promptId);
    Status appendAudit(const std::string& action, const std::string& promptId, const std::string& payload);
    Result<PromptVersion> insertVersion(const Prompt& prompt, int number, const PromptContent& content,
        const std::string& author, const std::string& message);
    Result<std::vector<PromptSummary>> summaries(Statement& st, bool scored);
    Status insertImportedVersions(const std::string& promptId, int after, const std::vector<PromptVersion>& versions,
        const std::map<std::string, int>& labels);
    Result<std::vector<PromptVersion>> selectVersions(const std::string& where, const std::string& promptId, int arg);

    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
