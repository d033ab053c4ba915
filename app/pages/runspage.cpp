// SPDX-License-Identifier: MIT
#include "runspage.h"

#include "comparepanel.h"
#include "emptystate.h"
#include "messagebanner.h"
#include "pageheader.h"
#include "runcontroller.h"
#include "workspacecontroller.h"

#include "catalog/template.h"
#include "run/providerfactory.h"
#include "storage/promptrepository.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include <set>

namespace assay::app {

namespace {
constexpr int kRecentVersions = 20; ///< versions listed under a prompt; older ones open on demand
constexpr int kOlderVersionsRole = Qt::UserRole + 1; ///< on the "older versions" node: {prompt name, newest of them}
const QString kAdHoc = QStringLiteral("\x01"
                                      "ad-hoc");

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

/// A checkable entry of the prompt tree that runs @p ref ("NAME@3", "NAME@dev").
void addRef(QTreeWidgetItem* parent, const QString& ref, const QString& text, const QStringList& checkedRefs)
{
    auto* c = new QTreeWidgetItem(parent, { text });
    c->setData(0, Qt::UserRole, ref);
    c->setCheckState(0, checkedRefs.contains(ref) ? Qt::Checked : Qt::Unchecked);
}

QStringList checked(const QTreeWidget* tree)
{
    QStringList out;
    for (QTreeWidgetItemIterator it(const_cast<QTreeWidget*>(tree)); *it; ++it)
        if ((*it)->checkState(0) == Qt::Checked)
            out << (*it)->data(0, Qt::UserRole).toString();
    return out;
}

QStringList checked(const QListWidget* list)
{
    QStringList out;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked)
            out << list->item(i)->data(Qt::UserRole).toString();
    return out;
}
} // namespace

RunsPage::RunsPage(WorkspaceController& workspace, RunController& runs, QWidget* parent)
    : Page(parent)
    , m_workspace(workspace)
    , m_runs(runs)
    , m_runSelector(new QComboBox(this))
    , m_newRun(new QToolButton(this))
    , m_launcher(new QGroupBox(tr("New run"), this))
    , m_prompts(new QTreeWidget(this))
    , m_endpoints(new QListWidget(this))
    , m_dataset(new QComboBox(this))
    , m_adHoc(new QPlainTextEdit(this))
    , m_repeats(new QSpinBox(this))
    , m_concurrency(new QSpinBox(this))
    , m_cache(new QCheckBox(tr("Reuse cached outputs"), this))
    , m_run(new QPushButton(tr("Run"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_progress(new QProgressBar(this))
    , m_progressLabel(new QLabel(this))
    , m_banner(new widgets::MessageBanner(this))
    , m_compare(new ComparePanel(workspace, this))
    , m_empty(new widgets::EmptyState(this))
    , m_stack(new QStackedWidget(this))
{
    auto* header = new widgets::PageHeader(
        title(), tr("The same prompts and rows across models and prompt versions, side by side."), this);
    m_runSelector->setMinimumContentsLength(40);
    m_runSelector->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_newRun->setText(tr("New Run"));
    m_newRun->setCheckable(true);
    m_repeats->setRange(1, 100);
    m_concurrency->setRange(1, 256);
    m_concurrency->setValue(4);
    m_cache->setChecked(true);
    m_cancel->setEnabled(false);
    m_run->setDefault(true);
    m_progressLabel->setWordWrap(true);
    m_progressLabel->setObjectName(QStringLiteral("runProgress"));
    m_progress->setTextVisible(true);
    m_prompts->setMaximumHeight(120);
    m_prompts->setHeaderHidden(true);
    m_prompts->setToolTip(tr("Check a prompt for its latest (or prod) version; expand it to compare other versions "
                             "or labels side by side"));
    connect(m_prompts, &QTreeWidget::itemExpanded, this,
        [this](QTreeWidgetItem* item) { listOlderVersions(item, checked(m_prompts)); });
    m_endpoints->setMaximumHeight(120);
    m_adHoc->setPlaceholderText(tr("One input per line. Plain text fills each prompt's only variable; a JSON "
                                   "object such as {\"text\": \"…\", \"lang\": \"en\"} sets several."));
    m_adHoc->setMaximumHeight(90);
    m_adHoc->hide();
    m_banner->hide();

    auto* grid = new QHBoxLayout(m_launcher);
    auto* promptsBox = new QVBoxLayout;
    promptsBox->addWidget(new QLabel(tr("Prompt versions"), this));
    promptsBox->addWidget(m_prompts);
    auto* endpointsBox = new QVBoxLayout;
    endpointsBox->addWidget(new QLabel(tr("Models (endpoints)"), this));
    endpointsBox->addWidget(m_endpoints);
    auto* inputsBox = new QVBoxLayout;
    inputsBox->addWidget(new QLabel(tr("Inputs"), this));
    inputsBox->addWidget(m_dataset);
    inputsBox->addWidget(m_adHoc);
    inputsBox->addStretch();
    auto* form = new QFormLayout;
    form->addRow(tr("Repeats"), m_repeats);
    form->addRow(tr("Concurrency"), m_concurrency);
    form->addRow(QString(), m_cache);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    form->addRow(buttons);
    grid->addLayout(promptsBox, 2);
    grid->addLayout(endpointsBox, 2);
    grid->addLayout(inputsBox, 2);
    grid->addLayout(form, 1);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run"), this));
    top->addWidget(m_runSelector, 1);
    top->addWidget(m_newRun);

    auto* content = new QWidget(this);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addLayout(top);
    contentLayout->addWidget(m_launcher);
    contentLayout->addWidget(m_progress);
    contentLayout->addWidget(m_progressLabel);
    contentLayout->addWidget(m_compare, 1);
    m_empty->setIcon(icon());
    m_stack->addWidget(m_empty);
    m_stack->addWidget(content);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(header);
    layout->addWidget(m_banner);
    layout->addWidget(m_stack, 1);

    connect(m_newRun, &QToolButton::toggled, this, [this](bool on) { setLauncherVisible(on); });
    connect(m_dataset, &QComboBox::currentIndexChanged, this,
        [this] { m_adHoc->setVisible(m_dataset->currentData().toString() == kAdHoc); });
    connect(m_run, &QPushButton::clicked, this, &RunsPage::startRun);
    connect(m_cancel, &QPushButton::clicked, &m_runs, &RunController::cancel);
    connect(&m_runs, &RunController::progressChanged, this, &RunsPage::showProgress);
    connect(&m_runs, &RunController::runStarted, this, [this](const QString& runId) {
        m_progressLabel->setText(tr("Running…"));
        m_compare->setRunning(true);
        if (runId != m_compare->runId())
            selectRun(runId);
        m_workspace.refresh();
    });
    connect(&m_runs, &RunController::liveUpdate, m_compare, &ComparePanel::applyLive);
    connect(&m_runs, &RunController::runFinished, this, [this](const QString& runId, const QString& summary, bool) {
        m_run->setEnabled(true);
        m_cancel->setEnabled(false);
        m_compare->setRunning(false);
        m_progressLabel->setText(summary);
        m_workspace.refresh();
        if (!runId.isEmpty() && runId != m_compare->runId())
            selectRun(runId);
    });
    connect(m_runSelector, &QComboBox::activated, this,
        [this] { m_compare->showRun(m_runSelector->currentData().toString()); });
    connect(m_compare, &ComparePanel::rerunRequested, this,
        [this](const QString& runId, const std::vector<std::string>& keys) {
            if (m_runs.isRunning())
                return;
            m_run->setEnabled(false);
            m_cancel->setEnabled(true);
            m_progress->setValue(0);
            m_progress->show();
            m_progressLabel->setText(tr("Re-running %n cell(s)…", nullptr, static_cast<int>(keys.size())));
            m_runs.rerunCells(runId, keys);
        });
    connect(m_compare, &ComparePanel::exported, this, [this](const QString&, bool ok, const QString& message) {
        m_banner->showMessage(ok ? widgets::MessageBanner::Kind::Info : widgets::MessageBanner::Kind::Error, message);
    });
    connect(m_compare, &ComparePanel::failed, this,
        [this](const QString& message) { m_banner->showMessage(widgets::MessageBanner::Kind::Error, message); });
    m_progress->hide();
}

QString RunsPage::title() const
{
    return tr("Compare");
}
QIcon RunsPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogContentsView);
}

void RunsPage::setLauncherVisible(bool visible)
{
    m_launcher->setVisible(visible);
    if (m_newRun->isChecked() != visible) {
        const QSignalBlocker block(m_newRun);
        m_newRun->setChecked(visible);
    }
}

void RunsPage::showWorkspace(const WorkspaceSnapshot* snapshot)
{
    if (!snapshot) {
        m_empty->setTitle(tr("No workspace is open"));
        m_empty->setBody(tr("Open a workspace with File → Open, or create one with File → New."));
        m_stack->setCurrentIndex(0);
        m_compare->clear();
        return;
    }
    m_runs.setWorkspacePath(qs(snapshot->path));
    if (snapshot->endpoints.empty() && snapshot->runs.empty()) {
        m_empty->setTitle(tr("No endpoints to run against"));
        m_empty->setBody(tr("A run sends prompt versions × models × dataset rows and stores every output with its "
                            "latency, tokens and cost. Describe how to reach a model first: Models & Runner → "
                            "Endpoints (an API, or a model loaded on the local runner). This workspace has %1 prompts "
                            "and %2 datasets ready.")
                             .arg(snapshot->count("prompt"))
                             .arg(snapshot->count("dataset")));
        m_stack->setCurrentIndex(0);
        m_compare->clear();
        return;
    }
    m_stack->setCurrentIndex(1);
    const QStringList keepPrompts = checked(m_prompts);
    const QStringList keepEndpoints = checked(m_endpoints);
    m_prompts->clear();
    for (const auto& p : snapshot->prompts) {
        const QString name = qs(p.name);
        const bool prod = std::find(p.labelNames.begin(), p.labelNames.end(), "prod") != p.labelNames.end();
        const QString ref = prod ? name + QStringLiteral("@prod") : name;
        auto* item = new QTreeWidgetItem(m_prompts, { tr("%1  (v%2)").arg(ref).arg(p.latestVersion) });
        item->setData(0, Qt::UserRole, ref);
        item->setCheckState(0, keepPrompts.contains(ref) ? Qt::Checked : Qt::Unchecked);
        if (p.isChain) { // the run engine executes template prompts; a chain's steps are run from the Catalog
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
            item->setCheckState(0, Qt::Unchecked);
            item->setText(0, tr("%1  (chain: not runnable here)").arg(name));
            item->setToolTip(0, tr("Runs execute template prompts; a chain's steps can be previewed in the Catalog."));
            continue;
        }
        auto child = [&](const QString& childRef, const QString& text) { addRef(item, childRef, text, keepPrompts); };
        for (std::size_t l = 0; l < p.labelNames.size() && l < p.labels.size(); ++l)
            if (p.labelNames[l] != "prod" || !prod)
                child(name + QLatin1Char('@') + qs(p.labelNames[l]), qs(p.labels[l]));
        const int oldest = std::max(1, p.latestVersion - (kRecentVersions - 1));
        for (int v = p.latestVersion; v >= oldest; --v)
            child(name + QLatin1Char('@') + QString::number(v), tr("version %1").arg(v));
        if (oldest > 1) {
            // Older versions are listed when the node opens (a long history costs nothing until then), or at once
            // when one of them was checked.
            auto* older = new QTreeWidgetItem(item, { tr("older versions (%1 to 1)").arg(oldest - 1) });
            older->setFlags(older->flags() & ~Qt::ItemIsUserCheckable);
            older->setData(0, kOlderVersionsRole, QStringList { name, QString::number(oldest - 1) });
            older->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
            const QString prefix = name + QLatin1Char('@');
            for (const QString& kept : keepPrompts)
                if (kept.startsWith(prefix) && kept.mid(prefix.size()).toInt() > 0
                    && kept.mid(prefix.size()).toInt() < oldest)
                    listOlderVersions(older, keepPrompts);
        }
    }
    m_endpoints->clear();
    for (const auto& e : snapshot->endpoints) {
        if (core::ProviderFactory::servesEmbeddings(e))
            continue; // an embeddings instance (cosine similarity) answers no chat request
        auto* item = new QListWidgetItem(qs(e.name), m_endpoints);
        item->setData(Qt::UserRole, qs(e.name));
        item->setCheckState(keepEndpoints.contains(qs(e.name)) ? Qt::Checked : Qt::Unchecked);
    }
    const QVariant keepDataset = m_dataset->currentData();
    {
        const QSignalBlocker block(m_dataset);
        m_dataset->clear();
        m_dataset->addItem(tr("No dataset: one cell per repeat"), QString());
        m_dataset->addItem(tr("Ad-hoc inputs…"), kAdHoc);
        for (const auto& d : snapshot->datasets)
            m_dataset->addItem(tr("%1 (%2 rows)").arg(qs(d.name)).arg(d.rowCount), qs(d.name));
        m_dataset->setCurrentIndex(std::max(0, m_dataset->findData(keepDataset)));
    }
    m_adHoc->setVisible(m_dataset->currentData().toString() == kAdHoc);

    const QString current = m_pendingSelect.isEmpty() ? m_compare->runId() : m_pendingSelect;
    {
        const QSignalBlocker block(m_runSelector);
        m_runSelector->clear();
        for (const auto& run : snapshot->runs)
            m_runSelector->addItem(
                tr("%1 — %2 — %3")
                    .arg(qs(run.name), QString::fromLatin1(core::runStatusName(run.status)),
                        QLocale().toString(QDateTime::fromMSecsSinceEpoch(run.createdAt), QLocale::ShortFormat)),
                qs(run.id));
        if (snapshot->runs.empty())
            m_runSelector->addItem(tr("No runs yet: start one with New Run"), QString());
        m_runSelector->setCurrentIndex(std::max(0, m_runSelector->findData(current)));
    }
    m_pendingSelect.clear();
    if (snapshot->runs.empty())
        setLauncherVisible(true);
    const QString shown = m_runSelector->currentData().toString();
    if (!shown.isEmpty() && shown != m_compare->runId() && shown != m_compare->loadingRunId() && !m_runs.isRunning())
        m_compare->showRun(shown);
    else if (shown.isEmpty())
        m_compare->clear();
}

void RunsPage::selectRun(const QString& runId)
{
    const int i = m_runSelector->findData(runId);
    if (i >= 0) {
        const QSignalBlocker block(m_runSelector);
        m_runSelector->setCurrentIndex(i);
    } else {
        m_pendingSelect = runId; // the next snapshot lists it
    }
    m_compare->showRun(runId);
}

void RunsPage::listOlderVersions(QTreeWidgetItem* node, const QStringList& checkedRefs)
{
    const QStringList spec = node->data(0, kOlderVersionsRole).toStringList();
    if (spec.size() != 2 || node->childCount() > 0)
        return;
    for (int v = spec[1].toInt(); v >= 1; --v)
        addRef(node, spec[0] + QLatin1Char('@') + QString::number(v), tr("version %1").arg(v), checkedRefs);
}

void RunsPage::choose(
    const QStringList& prompts, const QStringList& endpoints, const QString& dataset, const QString& adHocInputs)
{
    for (QTreeWidgetItemIterator it(m_prompts); *it; ++it) {
        const QStringList older = (*it)->data(0, kOlderVersionsRole).toStringList();
        if (!older.isEmpty() && std::any_of(prompts.begin(), prompts.end(), [&](const QString& p) {
                return p.startsWith(older.first() + QLatin1Char('@'));
            }))
            listOlderVersions(*it, {});
    }
    for (QTreeWidgetItemIterator it(m_prompts); *it; ++it)
        if (!(*it)->data(0, Qt::UserRole).isNull())
            (*it)->setCheckState(
                0, prompts.contains((*it)->data(0, Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    for (int i = 0; i < m_endpoints->count(); ++i)
        m_endpoints->item(i)->setCheckState(
            endpoints.contains(m_endpoints->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
    if (!adHocInputs.isEmpty() && dataset.isEmpty()) {
        m_dataset->setCurrentIndex(std::max(0, m_dataset->findData(kAdHoc)));
        m_adHoc->setPlainText(adHocInputs);
    } else {
        m_dataset->setCurrentIndex(std::max(0, m_dataset->findData(dataset)));
    }
}

void RunsPage::startRun()
{
    if (m_runs.isRunning())
        return;
    nlohmann::json j;
    j["name"] = tr("run %1").arg(QDateTime::currentDateTime().toString(Qt::ISODate)).toStdString();
    j["prompts"] = nlohmann::json::array();
    for (const QString& p : checked(m_prompts))
        j["prompts"].push_back(p.toStdString());
    j["endpoints"] = nlohmann::json::array();
    for (const QString& e : checked(m_endpoints))
        j["endpoints"].push_back(e.toStdString());
    j["repeats"] = m_repeats->value();
    j["concurrency"] = m_concurrency->value();
    j["cache"] = m_cache->isChecked();
    if (j["prompts"].empty() || j["endpoints"].empty()) {
        m_progressLabel->setText(tr("✗ Pick at least one prompt and one model."));
        return;
    }
    const QString dataset = m_dataset->currentData().toString();
    if (dataset != kAdHoc) {
        if (!dataset.isEmpty())
            j["dataset"] = dataset.toStdString();
        startWith(std::move(j));
        return;
    }
    // Ad-hoc inputs: JSON objects as they are; a plain line fills each prompt's only variable, which needs the
    // prompts' variables (read on the workspace thread).
    const QStringList lines = m_adHoc->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty()) {
        m_progressLabel->setText(tr("✗ Write at least one input, one per line."));
        return;
    }
    std::vector<std::string> refs = j["prompts"].get<std::vector<std::string>>();
    m_workspace.call<std::vector<std::vector<std::string>>>(
        this,
        [refs](core::Db& db) -> core::Result<std::vector<std::vector<std::string>>> {
            core::PromptRepository prompts(db);
            std::vector<std::vector<std::string>> out;
            for (const auto& ref : refs) {
                auto version = prompts.resolve(ref);
                if (!version)
                    return version.error();
                auto vars = core::promptVariables(version->content);
                if (!vars)
                    return vars.error();
                out.push_back(*vars);
            }
            return out;
        },
        [this, j, lines, refs](core::Result<std::vector<std::vector<std::string>>> vars) mutable {
            if (!vars) {
                m_progressLabel->setText(tr("✗ %1").arg(qs(vars.error().message)));
                return;
            }
            j["rows"] = nlohmann::json::array();
            for (int n = 0; n < lines.size(); ++n) {
                const std::string line = lines[n].trimmed().toStdString();
                auto parsed = nlohmann::json::parse(line, nullptr, false);
                if (!parsed.is_discarded() && parsed.is_object()) {
                    j["rows"].push_back(parsed);
                    continue;
                }
                nlohmann::json row = nlohmann::json::object();
                for (std::size_t p = 0; p < refs.size(); ++p) {
                    const auto& names = (*vars)[p];
                    if (names.size() != 1) {
                        m_progressLabel->setText(
                            tr("✗ Input line %1 is plain text, but prompt %2 has %3 variables. Write the line as a "
                               "JSON object naming them, e.g. {\"%4\": \"…\"}.")
                                .arg(n + 1)
                                .arg(qs(refs[p]))
                                .arg(names.size())
                                .arg(names.empty() ? QStringLiteral("name") : qs(names.front())));
                        return;
                    }
                    row[names.front()] = line;
                }
                j["rows"].push_back(std::move(row));
            }
            startWith(std::move(j));
        });
}

void RunsPage::startWith(nlohmann::json j)
{
    auto definition = core::RunDefinition::parse(j);
    if (!definition) {
        m_progressLabel->setText(tr("✗ %1").arg(qs(definition.error().message)));
        return;
    }
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress->setValue(0);
    m_progress->show();
    m_progressLabel->setText(tr("Planning…"));
    setLauncherVisible(false);
    m_runs.start(*definition);
}

void RunsPage::showProgress(const core::RunProgress& p)
{
    m_progress->setRange(0, static_cast<int>(std::max<std::int64_t>(1, p.total)));
    m_progress->setValue(static_cast<int>(p.completed()));
    QString eta = p.etaMs ? tr("ETA %1 s").arg(QLocale().toString(*p.etaMs / 1000.0, 'f', 1)) : tr("ETA unknown");
    m_progressLabel->setText(tr("%1 of %2 cells · %3 done (%4 cached) · %5 failed · %6 in flight · %7 retries · "
                                "tokens %8 in / %9 out · cost %10 · %11")
                                 .arg(p.completed())
                                 .arg(p.total)
                                 .arg(p.done)
                                 .arg(p.cached)
                                 .arg(p.failed)
                                 .arg(p.inFlight)
                                 .arg(p.retries)
                                 .arg(p.tokensIn)
                                 .arg(p.tokensOut)
                                 .arg(QLocale().toString(p.cost, 'f', 4))
                                 .arg(p.finished ? tr("finished") : eta));
}

QString RunsPage::progressText() const
{
    return m_progressLabel->text();
}

} // namespace assay::app
