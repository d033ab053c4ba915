// SPDX-License-Identifier: MIT
#include "runcontroller.h"

#include "run/providerfactory.h"
#include "run/runplan.h"
#include "run/runscheduler.h"
#include "storage/modelrepository.h"
#include "storage/runrepository.h"
#include "storage/workspace.h"
#include "util/jsonread.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QTimer>

#include <condition_variable>
#include <mutex>

namespace assay::app {

RunController::RunController(core::SecretStore& secrets, QObject* parent)
    : QObject(parent)
    , m_secrets(secrets)
    , m_http(std::make_unique<core::HttpClient>())
    , m_liveTimer(new QTimer(this))
{
    qRegisterMetaType<core::RunProgress>();
    m_liveTimer->setInterval(33);
    connect(m_liveTimer, &QTimer::timeout, this, &RunController::flushLive);
}

RunController::~RunController()
{
    cancel();
    if (m_thread.joinable())
        m_thread.join();
    m_tests.clear(); // each jthread: stop (its call ends at once), then join
}

void RunController::setOffline(bool offline)
{
    m_http->setOffline(offline);
}

void RunController::start(const core::RunDefinition& definition, const QString& resumeRunId)
{
    execute(
        [definition](core::Db& db) { return core::RunPlan::resolve(definition, db); }, resumeRunId.toStdString(), {});
}

void RunController::rerunCells(const QString& runId, const std::vector<std::string>& cellKeys)
{
    const std::string id = runId.toStdString();
    execute(
        [id](core::Db& db) -> core::Result<core::RunPlan> {
            auto run = core::RunRepository(db).get(id);
            if (!run)
                return run.error();
            // The stored plan may hold anything: read it without an exception (util/jsonread.h).
            auto definition = core::RunDefinition::parse(core::jsonObject(run->plan, "definition"));
            if (!definition)
                return definition.error();
            return core::RunPlan::fromPinned(*definition, run->plan, db);
        },
        id, cellKeys);
}

void RunController::execute(PlanMaker makePlan, const std::string& resumeRunId, std::vector<std::string> rerunKeys)
{
    if (m_running)
        return;
    if (m_thread.joinable())
        m_thread.join();
    m_running = true;
    {
        std::lock_guard lock(m_liveMutex);
        m_deltas.clear();
        m_deltaIndex.clear();
        m_cells.clear();
    }
    m_liveRunId = QString::fromStdString(resumeRunId);
    m_liveTimer->start();
    const std::string path = m_workspacePath.toStdString();
    // The thread's own stop state (shared by m_thread and the scheduler, alive as long as either holds it) carries
    // cancel(): the scheduler lives on this thread's stack, so the GUI thread never holds a pointer to it.
    m_thread = std::jthread([this, makePlan = std::move(makePlan), path, resume = resumeRunId,
                                rerun = std::move(rerunKeys)](std::stop_token stop) mutable {
        auto finish = [this](const QString& runId, const QString& summary, bool ok) {
            QMetaObject::invokeMethod(
                this,
                [this, runId, summary, ok] {
                    flushLive();
                    m_liveTimer->stop();
                    m_running = false;
                    Q_EMIT runFinished(runId, summary, ok);
                },
                Qt::QueuedConnection);
        };
        auto db = core::Workspace::open(path); // this thread's own connection, for planning
        if (!db) {
            finish({}, QString::fromStdString(db.error().message), false);
            return;
        }
        auto plan = makePlan(*db);
        if (!plan) {
            finish({}, tr("The run could not be planned. %1").arg(QString::fromStdString(plan.error().message)), false);
            return;
        }
        core::SchedulerOptions options;
        options.workspacePath = path;
        options.secrets = &m_secrets;
        options.actor = "assay-gui";
        options.rerunKeys = std::move(rerun);
        options.cancel = std::move(stop);
        options.onStarted = [this](const std::string& id) {
            QMetaObject::invokeMethod(
                this,
                [this, id = QString::fromStdString(id)] {
                    m_liveRunId = id;
                    Q_EMIT runStarted(id);
                },
                Qt::QueuedConnection);
        };
        options.onProgress = [this](const core::RunProgress& p) {
            QMetaObject::invokeMethod(
                this, [this, p] { Q_EMIT progressChanged(p); }, Qt::QueuedConnection);
        };
        options.onDelta = [this](const std::string& key, std::string_view text, bool first) {
            std::lock_guard lock(m_liveMutex);
            auto [it, added] = m_deltaIndex.try_emplace(key, m_deltas.size());
            if (added) {
                m_deltas.push_back({ key, std::string(text), first });
                return;
            }
            widgets::CompareDelta& d = m_deltas[it->second];
            if (first) {
                d.text.assign(text);
                d.restart = true;
            } else {
                d.text.append(text);
            }
        };
        options.onCell = [this](const core::RunCell& cell) {
            core::RunCell light = cell; // the grid shows neither request nor provenance until a cell is opened
            light.request = nlohmann::json::object();
            light.provenance = nlohmann::json::object();
            std::lock_guard lock(m_liveMutex);
            m_cells.push_back(std::move(light));
        };
        auto outcome = core::RunScheduler(std::move(*plan), *m_http, std::move(options)).run(resume);
        if (!outcome) {
            finish({}, QString::fromStdString(outcome.error().message), false);
            return;
        }
        const core::RunProgress& p = outcome->progress;
        const QString summary
            = tr("Run %1: %2 done (%3 from the cache), %4 failed, %5 cancelled · %6 tokens in, %7 out")
                  .arg(QString::fromLatin1(core::runStatusName(outcome->status)))
                  .arg(p.done)
                  .arg(p.cached)
                  .arg(p.failed)
                  .arg(p.cancelled)
                  .arg(p.tokensIn)
                  .arg(p.tokensOut);
        finish(QString::fromStdString(outcome->runId), summary, p.failed == 0 && p.cancelled == 0);
    });
}

void RunController::flushLive()
{
    std::vector<widgets::CompareDelta> deltas;
    std::vector<core::RunCell> cells;
    {
        std::lock_guard lock(m_liveMutex);
        deltas.swap(m_deltas);
        m_deltaIndex.clear();
        cells.swap(m_cells);
    }
    if (!deltas.empty() || !cells.empty())
        Q_EMIT liveUpdate(m_liveRunId, deltas, cells);
}

void RunController::cancel()
{
    // Safe at any moment: before the scheduler exists (it starts cancelled), while it runs, or after it is gone.
    m_thread.request_stop();
}

void RunController::testConnection(const core::Endpoint& endpoint)
{
    // Latest request wins: earlier tests are cancelled (their calls end at once through the stop token) and their
    // answers dropped. Their threads are never waited for here: only those that have finished are joined (which
    // returns at once); the rest are joined by a later call or the destructor, once they have noticed the stop.
    for (TestThread& t : m_tests)
        t.thread.request_stop();
    std::erase_if(m_tests, [](const TestThread& t) { return t.done->load(); });
    const std::uint64_t job = ++m_testJob;
    auto done = std::make_shared<std::atomic<bool>>(false);
    m_tests.push_back({ std::jthread([this, endpoint, job, done](std::stop_token stop) {
                           runTest(endpoint, job, stop);
                           done->store(true);
                       }),
        done });
}

void RunController::runTest(const core::Endpoint& endpoint, std::uint64_t job, std::stop_token stop)
{
    const QString name = QString::fromStdString(endpoint.name);
    auto report = [this, name, job](bool ok, const QString& message) {
        QMetaObject::invokeMethod(
            this,
            [this, name, ok, message, job] {
                if (job == m_testJob) // a later test was asked for meanwhile: this answer is stale
                    Q_EMIT connectionTested(name, ok, message);
            },
            Qt::QueuedConnection);
    };
    if (core::ProviderFactory::servesEmbeddings(endpoint)) {
        // An embeddings endpoint (the local runner's embeddings instance): one tiny /embeddings request.
        auto client = core::ProviderFactory::makeEmbeddings(*m_http, endpoint, &m_secrets, {});
        QElapsedTimer timer;
        timer.start();
        auto out = client ? client->embed({ "OK" }, stop) : core::Result<core::Embeddings>(client.error());
        if (out)
            report(true,
                tr("Connected: a %1-dimensional embedding in %2 ms.")
                    .arg(out->vectors.front().size())
                    .arg(timer.elapsed()));
        else
            report(false, QString::fromStdString(out.error().message));
        return;
    }
    auto provider = core::ProviderFactory::make(*m_http, endpoint, &m_secrets, {}, {});
    if (!provider) {
        report(false, QString::fromStdString(provider.error().message));
        return;
    }
    core::ProviderRequest request;
    request.model = endpoint.remoteModel;
    request.messages = { { "user", "Reply with the single word OK." } };
    request.parameters.maxTokens = 8;
    request.stream = false;
    request.cancel = stop;
    std::mutex mutex;
    std::condition_variable done;
    std::optional<core::ProviderEvent> last; // guarded by mutex
    std::string text; // guarded by mutex
    auto call = (*provider)->start(request, [&](core::ProviderEvent&& e) {
        std::lock_guard lock(mutex);
        if (auto* d = std::get_if<core::TokenDelta>(&e))
            text += d->text;
        if (std::holds_alternative<core::FinishEvent>(e) || std::holds_alternative<core::ErrorEvent>(e)) {
            last = std::move(e);
            done.notify_all();
        }
    });
    if (!call) {
        report(false, QString::fromStdString(call.error().message));
        return;
    }
    std::unique_lock lock(mutex);
    if (!done.wait_for(lock, std::chrono::seconds(60), [&] { return last.has_value(); })) {
        call->cancel();
        done.wait(lock, [&] { return last.has_value(); });
    }
    if (auto* f = std::get_if<core::FinishEvent>(&*last))
        report(true,
            tr("Connected: answered “%1” in %2 ms (HTTP %3).")
                .arg(QString::fromStdString(text).trimmed().left(40))
                .arg(qRound(f->stats.latencyMs))
                .arg(f->stats.httpStatus));
    else
        report(false, QString::fromStdString(std::get<core::ErrorEvent>(*last).error.message));
}

} // namespace assay::app
