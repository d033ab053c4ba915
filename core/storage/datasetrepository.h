// SPDX-License-Identifier: MIT
#pragma once

#include "domain/dataset.h"
#include "storage/db.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// Datasets and their rows. Each mutating call is one transaction of its own (do not call inside another);
/// create, rename, delete and bulk row additions append an audit event in that same transaction.
/// Thread affinity: the thread that owns @p db.
class DatasetRepository {
public:
    explicit DatasetRepository(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// Conflict when the name is taken, Invalid when it is empty.
    Result<Dataset> create(
        const std::string& name, const std::string& description = {}, const std::vector<std::string>& labelSet = {});
    Result<Dataset> get(const std::string& id);
    Result<std::optional<Dataset>> findByName(const std::string& name);
    /// All datasets by name, with row counts.
    Result<std::vector<Dataset>> list();
    Status rename(const std::string& id, const std::string& newName);
    /// Deletes the dataset and its rows. Cells of earlier runs keep their outputs (their row link becomes NULL).
    Status remove(const std::string& id);

    /// Appends @p rows after the last row, all in one transaction: either every row is stored or none.
    /// Ids and ordinals are assigned; the stored rows are returned. Invalid names the offending row (1-based).
    Result<std::vector<DatasetRow>> addRows(const std::string& datasetId, std::vector<DatasetRow> rows);
    /// Rows ordered by ordinal, @p limit at most, skipping @p offset.
    Result<std::vector<DatasetRow>> rows(
        const std::string& datasetId, std::int64_t offset = 0, std::int64_t limit = 1000);
    Result<std::int64_t> rowCount(const std::string& datasetId);
    /// Every row, ordered by ordinal (read page by page).
    Result<std::vector<DatasetRow>> allRows(const std::string& datasetId);

private:
    Status appendAudit(const std::string& action, const std::string& id, const std::string& payload);
    Result<std::vector<Dataset>> select(const std::string& where, const std::string& arg);

    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
