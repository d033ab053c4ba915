// SPDX-License-Identifier: MIT
#pragma once

#include "domain/review.h"
#include "storage/db.h"

#include <optional>
#include <string>
#include <vector>

namespace assay::core {

/// Human review: reviewers, tasks over a run's cells, assignments, and ratings. A rating is the work of a person,
/// so addRating() commits each one in a transaction of its own together with a "rating.add" audit event: a crash
/// never loses a rating the reviewer saw accepted. Each call is its own transaction.
/// Thread affinity: the thread that owns @p db.
class ReviewRepository {
public:
    explicit ReviewRepository(Db& db, std::string actor = {})
        : m_db(db)
        , m_actor(std::move(actor))
    {
    }

    /// Conflict when a reviewer of that name exists.
    Result<Reviewer> addReviewer(const std::string& name, const std::string& email = {});
    Result<Reviewer> reviewer(const std::string& id);
    Result<std::vector<Reviewer>> reviewers();

    /// A task over one run (id and createdAt assigned when empty). sampling and scale must be JSON objects; a
    /// scale with numeric "min" and "max" bounds the ratings given in the task.
    Result<ReviewTask> createTask(ReviewTask task);
    Result<ReviewTask> task(const std::string& id);
    Result<std::vector<ReviewTask>> tasksForRun(const std::string& runId);

    /// Adds assignments in one transaction; an assignment that already exists is left as it is.
    Status assign(const std::vector<ReviewAssignment>& assignments);
    /// A reviewer's queue in a task, by ordinal.
    Result<std::vector<ReviewAssignment>> assignments(const std::string& taskId, const std::string& reviewerId);

    /// Validates and commits one rating with its audit event.
    Result<Rating> addRating(Rating rating);
    Result<std::vector<Rating>> ratingsForCell(const std::string& cellId);
    Result<std::vector<Rating>> ratingsForTask(const std::string& taskId);
    /// Every rating of the cells of a run (pairwise ones under their first cell).
    Result<std::vector<Rating>> ratingsForRun(const std::string& runId);

private:
    Status checkRating(const Rating& r);
    Result<std::vector<ReviewTask>> selectTasks(const char* where, const std::string& arg);
    Result<std::vector<Rating>> selectRatings(const char* where, const std::string& arg);

    Db& m_db;
    std::string m_actor;
};

} // namespace assay::core
