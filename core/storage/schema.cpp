// SPDX-License-Identifier: MIT
#include "storage/schema.h"

#include <string>
#include <vector>

namespace assay::core::schema {

namespace {

// Ordered migrations. Index i takes the file from user_version i to i + 1.
// Released migrations are never edited: add a new one instead.
const std::vector<const char*>& migrations()
{
    static const std::vector<const char*> list = {
        // v1: the aggregates of DESIGN.md. Ids are UUID text; times are Unix milliseconds (UTC).
        R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE prompt (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    folder      TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',          -- JSON array of strings
    kind        TEXT NOT NULL DEFAULT 'template' CHECK (kind IN ('template', 'chain')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE prompt_version (
    id           TEXT PRIMARY KEY,
    prompt_id    TEXT NOT NULL REFERENCES prompt(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL CHECK (number >= 1),
    content      TEXT NOT NULL,                     -- JSON: messages, few-shots, parameters, output format, steps
    content_hash TEXT NOT NULL,                     -- SHA-256 of the canonical content JSON
    author       TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    UNIQUE (prompt_id, number)
);
CREATE INDEX prompt_version_hash ON prompt_version(content_hash);

CREATE TABLE prompt_label (
    prompt_id  TEXT NOT NULL REFERENCES prompt(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    version_id TEXT NOT NULL REFERENCES prompt_version(id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (prompt_id, label)
) WITHOUT ROWID;

CREATE TABLE dataset (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    label_set   TEXT NOT NULL DEFAULT '[]',          -- JSON array: allowed labels for classification sets
    created_at  INTEGER NOT NULL
);

CREATE TABLE dataset_row (
    id         TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    inputs     TEXT NOT NULL DEFAULT '{}',          -- JSON object: variable -> value
    expected   TEXT,                                -- NULL for unlabeled rows
    split      TEXT NOT NULL DEFAULT '',
    tags       TEXT NOT NULL DEFAULT '[]',
    UNIQUE (dataset_id, ordinal)
);

CREATE TABLE model (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    provider           TEXT NOT NULL DEFAULT '',       -- vendor or project, e.g. Anthropic, Meta
    open_weights       INTEGER NOT NULL DEFAULT 0,
    licence            TEXT NOT NULL DEFAULT '',
    commercial_use     INTEGER,                        -- NULL = unknown
    parameters_b       REAL,                           -- billions
    context_window     INTEGER,                        -- tokens
    fine_tunable       INTEGER,
    training_data      TEXT NOT NULL DEFAULT '',
    languages          TEXT NOT NULL DEFAULT '',
    hardware           TEXT NOT NULL DEFAULT '',
    price_in_per_mtok  REAL,                           -- currency units per 1M input tokens
    price_out_per_mtok REAL,
    price_gpu_hour     REAL,                           -- self-hosted models
    notes              TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
);

-- How to reach a model. Never holds a secret: secret_ref names a key in the OS keyring / key file.
CREATE TABLE endpoint (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic', 'bedrock', 'local')),
    base_url     TEXT NOT NULL DEFAULT '',
    model_id     TEXT REFERENCES model(id) ON DELETE SET NULL,
    remote_model TEXT NOT NULL DEFAULT '',            -- the model name the API expects
    secret_ref   TEXT NOT NULL DEFAULT '',
    settings     TEXT NOT NULL DEFAULT '{}',          -- JSON: region, timeouts, rate limits, headers (no secrets)
    created_at   INTEGER NOT NULL
);

CREATE TABLE run (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'running', 'interrupted', 'cancelled', 'finished', 'failed')),
    plan        TEXT NOT NULL,                       -- JSON: versions x endpoints x dataset rows x repeats, params, seed
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
);

CREATE TABLE run_cell (
    id                TEXT PRIMARY KEY,
    run_id            TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    cell_key          TEXT NOT NULL,                 -- version|endpoint|row|repeat: unique within a run
    prompt_version_id TEXT NOT NULL REFERENCES prompt_version(id),
    endpoint_id       TEXT REFERENCES endpoint(id) ON DELETE SET NULL,
    model_name        TEXT NOT NULL DEFAULT '',
    row_id            TEXT REFERENCES dataset_row(id) ON DELETE SET NULL,
    repeat_index      INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'cancelled')),
    output            TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    finish_reason     TEXT NOT NULL DEFAULT '',
    tokens_in         INTEGER,
    tokens_out        INTEGER,
    ttft_ms           REAL,
    latency_ms        REAL,
    cost              REAL,
    request_hash      TEXT NOT NULL DEFAULT '',
    request           TEXT NOT NULL DEFAULT '{}',     -- normalized request JSON (no secrets)
    provenance        TEXT NOT NULL DEFAULT '{}',     -- JSON: model file hash, quantization, runner build, device...
    created_at        INTEGER NOT NULL,
    UNIQUE (run_id, cell_key)
);
CREATE INDEX run_cell_request_hash ON run_cell(request_hash);

CREATE TABLE metric_score (
    id         TEXT PRIMARY KEY,
    cell_id    TEXT NOT NULL REFERENCES run_cell(id) ON DELETE CASCADE,
    metric     TEXT NOT NULL,
    value      REAL NOT NULL,
    details    TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    UNIQUE (cell_id, metric)
);

CREATE TABLE judge_verdict (
    id             TEXT PRIMARY KEY,
    cell_id        TEXT NOT NULL REFERENCES run_cell(id) ON DELETE CASCADE,
    judge_endpoint TEXT NOT NULL DEFAULT '',
    rubric         TEXT NOT NULL DEFAULT '',
    score          REAL,
    scale_max      REAL NOT NULL DEFAULT 10,
    reasoning      TEXT NOT NULL DEFAULT '',
    raw            TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);

CREATE TABLE reviewer (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    email      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE review_task (
    id         TEXT PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    blind      INTEGER NOT NULL DEFAULT 1,
    sampling   TEXT NOT NULL DEFAULT '{}',           -- JSON: fraction, seed, stratification
    scale      TEXT NOT NULL DEFAULT '{}',           -- JSON: e.g. {"kind":"likert","min":1,"max":5}
    created_at INTEGER NOT NULL
);

CREATE TABLE review_assignment (
    task_id     TEXT NOT NULL REFERENCES review_task(id) ON DELETE CASCADE,
    reviewer_id TEXT NOT NULL REFERENCES reviewer(id) ON DELETE CASCADE,
    cell_id     TEXT NOT NULL REFERENCES run_cell(id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    PRIMARY KEY (task_id, reviewer_id, cell_id)
) WITHOUT ROWID;

CREATE TABLE rating (
    id           TEXT PRIMARY KEY,
    reviewer_id  TEXT NOT NULL REFERENCES reviewer(id),
    cell_id      TEXT NOT NULL REFERENCES run_cell(id) ON DELETE CASCADE,
    pair_cell_id TEXT REFERENCES run_cell(id) ON DELETE CASCADE,   -- set for pairwise preferences
    task_id      TEXT REFERENCES review_task(id) ON DELETE SET NULL,
    scale        TEXT NOT NULL,
    value        REAL NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX rating_cell ON rating(cell_id);

-- Append-only: each row carries the hash of the previous one, so an edit or deletion breaks the chain.
CREATE TABLE audit_event (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    id        TEXT NOT NULL UNIQUE,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    payload   TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
)sql",
        // v2: full-text search over the catalog (names, template text, tags, descriptions) with prefix indexes.
        R"sql(
CREATE VIRTUAL TABLE prompt_fts USING fts5(
    name, body, tags, description,
    prompt_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO prompt_fts (name, body, tags, description, prompt_id)
SELECT p.name, COALESCE((SELECT v.content FROM prompt_version v WHERE v.prompt_id = p.id
                          ORDER BY v.number DESC LIMIT 1), ''),
       p.tags, p.description, p.id
FROM prompt p;
)sql",
        // v3: the catalog's per-prompt index. prompt_signature.seq is the rowid of the prompt's prompt_fts row
        // (stable, unlike prompt's implicit rowid) and minhash is the MinHash of its latest text (see
        // catalog/similarity.h); prompt_signature_band holds its LSH bands for near-duplicate lookups. Prompts
        // that come from v2 get a seq here and their minhash (NULL until then) when they are next saved.
        // The search index is rebuilt with rowids = seq, message text as body and tags as words.
        // Versions become immutable.
        R"sql(
CREATE TABLE prompt_signature (
    seq       INTEGER PRIMARY KEY,
    prompt_id TEXT NOT NULL UNIQUE REFERENCES prompt(id) ON DELETE CASCADE,
    minhash   BLOB
);
CREATE TABLE prompt_signature_band (
    seq  INTEGER NOT NULL REFERENCES prompt_signature(seq) ON DELETE CASCADE,
    band INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    PRIMARY KEY (seq, band)
) WITHOUT ROWID;
CREATE INDEX prompt_signature_band_hash ON prompt_signature_band(band, hash);
CREATE INDEX prompt_signature_pending ON prompt_signature(prompt_id) WHERE minhash IS NULL;
CREATE TRIGGER prompt_signature_unindex AFTER DELETE ON prompt_signature
BEGIN DELETE FROM prompt_fts WHERE rowid = old.seq; END;
CREATE TRIGGER prompt_version_immutable BEFORE UPDATE ON prompt_version
BEGIN SELECT RAISE(ABORT, 'prompt versions are immutable'); END;

INSERT INTO prompt_signature(prompt_id) SELECT id FROM prompt ORDER BY created_at, id;
DELETE FROM prompt_fts;
INSERT INTO prompt_fts (rowid, name, body, tags, description, prompt_id)
SELECT s.seq, p.name,
       COALESCE((SELECT group_concat(t.value, char(10))
                 FROM prompt_version v,
                      json_tree(CASE WHEN json_valid(v.content) THEN v.content ELSE '{}' END) t
                 WHERE v.prompt_id = p.id
                   AND v.number = (SELECT MAX(number) FROM prompt_version WHERE prompt_id = p.id)
                   AND t.key = 'content' AND t.type = 'text'), ''),
       COALESCE((SELECT group_concat(e.value, ' ')
                 FROM json_each(CASE WHEN json_valid(p.tags) THEN p.tags ELSE '[]' END) e), ''),
       p.description, p.id
FROM prompt p JOIN prompt_signature s ON s.prompt_id = p.id;
)sql",
        // v4: the comparison grid reads every cell of a run without its text first (RunRepository::Detail::
        // Badges); this covering index answers that from a few MB instead of the whole table.
        R"sql(
CREATE INDEX run_cell_grid ON run_cell(run_id, cell_key, status, id, tokens_in, tokens_out, ttft_ms, latency_ms, cost,
                                       model_name, finish_reason, created_at);
)sql",
    };
    return list;
}

} // namespace

int latestVersion()
{
    return static_cast<int>(migrations().size());
}

Status migrate(Db& db, int target)
{
    if (target < 0)
        target = latestVersion();
    auto current = db.queryInt("PRAGMA user_version");
    if (!current)
        return current.error();
    if (*current > latestVersion())
        return makeError(ErrorCode::NewerSchema,
            "This workspace was written by a newer version of Assay (schema " + std::to_string(*current)
                + ", this build reads up to " + std::to_string(latestVersion()) + ")");
    for (int v = static_cast<int>(*current); v < target; ++v) {
        Transaction tx(db);
        if (!tx.began())
            return tx.beginError();
        // Another connection may have migrated meanwhile; the write lock taken by BEGIN IMMEDIATE makes this exact.
        auto now = db.queryInt("PRAGMA user_version");
        if (!now)
            return now.error();
        if (*now > v)
            continue;
        ASSAY_TRY(db.exec(migrations()[static_cast<std::size_t>(v)]));
        ASSAY_TRY(db.exec("PRAGMA application_id = " + std::to_string(kApplicationId)));
        ASSAY_TRY(db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
        ASSAY_TRY(tx.commit());
    }
    return {};
}

} // namespace assay::core::schema
