// SPDX-License-Identifier: MIT
#include "celldetail.h"

#include "diffhtml.h"
#include "models/comparemodel.h"
#include "workspacecontroller.h"

#include "catalog/worddiff.h"
#include "storage/runrepository.h"
#include "util/jsonread.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace assay::app {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QTextBrowser* browser(QWidget* parent)
{
    auto* b = new QTextBrowser(parent);
    b->setOpenLinks(false);
    b->setLineWrapMode(QTextEdit::WidgetWidth);
    return b;
}

QString pre(const QString& text)
{
    return QStringLiteral("<pre style=\"white-space: pre-wrap\">%1</pre>").arg(text.toHtmlEscaped());
}

constexpr std::size_t kMaxShownDepth = 200; ///< deeper stored JSON is described, not printed or copied

bool isDark(const QWidget* w)
{
    return w->palette().color(QPalette::Base).lightness() < 128;
}
} // namespace

CellDetail::CellDetail(WorkspaceController& workspace, const widgets::CompareModel& model, QWidget* parent)
    : QTabWidget(parent)
    , m_workspace(workspace)
    , m_model(model)
    , m_title(new QLabel(this))
    , m_output(browser(this))
    , m_diffWith(new QComboBox(this))
    , m_diffNote(new QLabel(this))
    , m_diffOld(browser(this))
    , m_diffNew(browser(this))
    , m_prompt(browser(this))
    , m_request(browser(this))
    , m_provenance(browser(this))
    , m_summary(new QTableWidget(this))
{
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* outputPage = new QWidget(this);
    auto* outputLayout = new QVBoxLayout(outputPage);
    outputLayout->addWidget(m_title);
    outputLayout->addWidget(m_output, 1);
    addTab(outputPage, tr("Cell"));

    auto* diffPage = new QWidget(this);
    auto* diffLayout = new QVBoxLayout(diffPage);
    auto* diffBar = new QHBoxLayout;
    diffBar->addWidget(new QLabel(tr("Compare with"), diffPage));
    diffBar->addWidget(m_diffWith, 1);
    diffLayout->addLayout(diffBar);
    m_diffNote->setWordWrap(true);
    diffLayout->addWidget(m_diffNote);
    auto* sides = new QSplitter(Qt::Vertical, diffPage);
    sides->addWidget(m_diffOld);
    sides->addWidget(m_diffNew);
    diffLayout->addWidget(sides, 1);
    addTab(diffPage, tr("Diff"));
    addTab(m_prompt, tr("Prompt"));
    addTab(m_request, tr("Request && Response"));
    addTab(m_provenance, tr("Provenance"));
    m_summary->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summary->verticalHeader()->hide();
    addTab(m_summary, tr("Summary"));
    connect(m_diffWith, &QComboBox::activated, this, [this] { showDiff(); });
    clear();
}

void CellDetail::clear()
{
    m_row = -1;
    m_column = -1;
    m_title->setText(tr("Select a cell to see its whole output, a diff with another model, the prompt it was sent, "
                        "the raw request and response, and its provenance."));
    for (QTextBrowser* b : { m_output, m_diffOld, m_diffNew, m_prompt, m_request, m_provenance })
        b->clear();
    m_diffWith->clear();
    m_diffNote->clear();
    showSummary();
}

void CellDetail::showCell(int row, int gridColumn, std::optional<int> diffWith)
{
    const auto& grid = m_model.grid();
    if (row < 0 || static_cast<std::size_t>(row) >= grid.rowCount()) {
        clear();
        return;
    }
    const bool sameCell = row == m_row && gridColumn == m_column;
    m_row = row;
    m_column = gridColumn;
    m_diffWith->clear();
    for (std::size_t c = 0; c < grid.columnCount(); ++c)
        if (static_cast<int>(c) != gridColumn)
            m_diffWith->addItem(qs(grid.columns()[c].title), static_cast<int>(c));
    int pick = diffWith ? m_diffWith->findData(*diffWith) : -1;
    for (int i = 0; pick < 0 && i < m_diffWith->count(); ++i)
        if (grid.cell(static_cast<std::size_t>(row), static_cast<std::size_t>(m_diffWith->itemData(i).toInt())))
            pick = i;
    m_diffWith->setCurrentIndex(std::max(0, pick));
    refresh();
    if (sameCell && !diffWith)
        return;
    m_prompt->clear();
    m_request->clear();
    m_provenance->clear();
    if (gridColumn < 0) {
        const auto& r = grid.rows()[static_cast<std::size_t>(row)];
        m_request->setHtml(pre(qs(core::jsonDumpSafe(r.inputs, 2))));
        return;
    }
    const core::RunCell* cell = grid.cell(static_cast<std::size_t>(row), static_cast<std::size_t>(gridColumn));
    if (!cell) {
        m_prompt->setPlainText(tr("This cell has no outcome yet."));
        return;
    }
    const int generation = ++m_detailsGeneration;
    m_workspace.call<std::optional<core::RunCell>>(
        this,
        [runId = cell->runId, key = cell->cellKey](core::Db& db) { return core::RunRepository(db).cell(runId, key); },
        [this, generation](core::Result<std::optional<core::RunCell>> r) {
            if (generation != m_detailsGeneration)
                return; // another cell was chosen meanwhile
            if (!r) {
                m_prompt->setPlainText(tr("Could not read the cell: %1").arg(qs(r.error().message)));
                return;
            }
            showDetails(*r);
        });
}

void CellDetail::refresh()
{
    if (m_row < 0)
        return;
    const auto& grid = m_model.grid();
    const int modelColumn = m_column + 1;
    const QString badge = m_model.badge(m_row, modelColumn);
    const auto& row = grid.rows()[static_cast<std::size_t>(m_row)];
    const QString where = m_column < 0 ? tr("Input %1").arg(row.number)
                                       : tr("%1 · input %2%3")
                                             .arg(qs(grid.columns()[static_cast<std::size_t>(m_column)].title))
                                             .arg(row.number)
                                             .arg(row.repeat > 0 ? tr(" · repeat %1").arg(row.repeat + 1) : QString());
    m_title->setText(
        QStringLiteral("<b>%1</b><br><small>%2</small>").arg(where.toHtmlEscaped(), badge.toHtmlEscaped()));
    m_output->setPlainText(m_model.text(m_row, modelColumn));
    showDiff();
    showSummary();
}

void CellDetail::showDiff()
{
    m_diffOld->clear();
    m_diffNew->clear();
    if (m_row < 0 || m_column < 0 || m_diffWith->currentIndex() < 0) {
        m_diffNote->setText(tr("Pick an output cell to compare it with another column of the same row."));
        return;
    }
    const int other = m_diffWith->currentData().toInt();
    const auto& grid = m_model.grid();
    const QString mine = m_model.text(m_row, m_column + 1);
    const QString theirs = m_model.text(m_row, other + 1);
    const auto segments = core::wordDiff(theirs.toStdString(), mine.toStdString());
    int added = 0;
    int removed = 0;
    for (const auto& s : segments) {
        if (s.kind == core::DiffSegment::Kind::Added)
            ++added;
        else if (s.kind == core::DiffSegment::Kind::Removed)
            ++removed;
    }
    const QString otherTitle = qs(grid.columns()[static_cast<std::size_t>(other)].title);
    const QString mineTitle = qs(grid.columns()[static_cast<std::size_t>(m_column)].title);
    m_diffNote->setText(added + removed == 0
            ? tr("%1 and %2 gave the same output.").arg(otherTitle, mineTitle)
            : tr("Top: %1 (removed text struck through). Bottom: %2 (added text highlighted). %3 changed stretches.")
                  .arg(otherTitle, mineTitle)
                  .arg(std::max(added, removed)));
    const bool dark = isDark(this);
    m_diffOld->setHtml(QStringLiteral("<p><small><b>%1</b></small></p>").arg(otherTitle.toHtmlEscaped())
        + widgets::diffSideHtml(segments, false, dark));
    m_diffNew->setHtml(QStringLiteral("<p><small><b>%1</b></small></p>").arg(mineTitle.toHtmlEscaped())
        + widgets::diffSideHtml(segments, true, dark));
}

void CellDetail::showSummary()
{
    const auto& grid = m_model.grid();
    const QStringList headers { tr("Column"), tr("OK"), tr("Failed"), tr("Success"), tr("Mean latency"), tr("p50"),
        tr("p95"), tr("TTFT p50"), tr("Tokens/s"), tr("Tokens in / out"), tr("Cost"), tr("Metrics") };
    m_summary->setColumnCount(static_cast<int>(headers.size()));
    m_summary->setHorizontalHeaderLabels(headers);
    m_summary->setRowCount(static_cast<int>(grid.columnCount()));
    auto msText = [](const std::optional<double>& v) {
        return v ? QStringLiteral("%1 ms").arg(QLocale().toString(*v, 'f', 0)) : QStringLiteral("—");
    };
    for (int c = 0; c < static_cast<int>(grid.columnCount()); ++c) {
        const core::ColumnSummary& s = m_model.summary(c);
        QStringList metrics;
        for (const auto& m : s.metrics)
            metrics << QStringLiteral("%1 %2").arg(qs(m.name), QLocale().toString(m.mean, 'f', 3));
        const QStringList cells { qs(grid.columns()[static_cast<std::size_t>(c)].title),
            QStringLiteral("%1/%2").arg(s.ok).arg(s.planned), QString::number(s.failed + s.cancelled),
            s.successRate ? QStringLiteral("%1 %").arg(QLocale().toString(*s.successRate * 100, 'f', 1))
                          : QStringLiteral("—"),
            msText(s.meanLatencyMs), msText(s.p50LatencyMs), msText(s.p95LatencyMs), msText(s.p50TtftMs),
            s.tokensPerSecond ? QLocale().toString(*s.tokensPerSecond, 'f', 1) : QStringLiteral("—"),
            QStringLiteral("%1 / %2").arg(s.tokensIn).arg(s.tokensOut),
            s.costKnown ? QStringLiteral("$%1").arg(QLocale().toString(s.cost, 'f', 4)) : QStringLiteral("—"),
            metrics.isEmpty() ? QStringLiteral("—") : metrics.join(QStringLiteral(", ")) };
        for (int i = 0; i < cells.size(); ++i) {
            auto* item = m_summary->item(c, i);
            if (!item) {
                item = new QTableWidgetItem;
                m_summary->setItem(c, i, item);
            }
            item->setText(cells[i]);
        }
    }
    m_summary->resizeColumnsToContents();
}

void CellDetail::showDetails(const std::optional<core::RunCell>& full)
{
    if (!full) {
        m_prompt->setPlainText(tr("This cell has no outcome yet."));
        return;
    }
    // Every JSON column comes from the workspace file and may hold anything (an older version, another tool, a
    // hand edit): read it only through core/util/jsonread.h, which never throws, and show what is there.
    QString prompt;
    for (const auto& m : core::jsonArray(full->request, "messages")) {
        if (!m.is_object()) {
            prompt += pre(qs(core::jsonDumpSafe(m, 2)));
            continue;
        }
        const nlohmann::json* content = core::jsonField(m, "content");
        prompt += QStringLiteral("<p><b>%1</b></p>").arg(qs(core::jsonText(m, "role", "?")).toHtmlEscaped());
        prompt += pre(qs(!content      ? std::string()
                : content->is_string() ? content->get_ref<const std::string&>()
                                       : core::jsonDumpSafe(*content, 2)));
    }
    m_prompt->setHtml(prompt.isEmpty() ? tr("<p>No messages were recorded for this cell.</p>") : prompt);
    nlohmann::json response { { "status", core::cellStatusName(full->status) }, { "output", full->output },
        { "error", full->error }, { "finishReason", full->finishReason },
        { "usage",
            { { "input", full->tokensIn ? nlohmann::json(*full->tokensIn) : nlohmann::json() },
                { "output", full->tokensOut ? nlohmann::json(*full->tokensOut) : nlohmann::json() } } },
        { "ttftMs", full->ttftMs ? nlohmann::json(*full->ttftMs) : nlohmann::json() },
        { "latencyMs", full->latencyMs ? nlohmann::json(*full->latencyMs) : nlohmann::json() },
        { "cost", full->cost ? nlohmann::json(*full->cost) : nlohmann::json() } };
    const auto dump = [](const nlohmann::json& j) { return qs(core::jsonDumpSafe(j, 2)); };
    QString html;
    if (const nlohmann::json* wire = core::jsonField(full->provenance, "wire"); wire && wire->is_object()) {
        const nlohmann::json& rq = core::jsonObject(*wire, "request");
        const nlohmann::json& rs = core::jsonObject(*wire, "response");
        auto body = [](const std::string& text) { // pretty when it is JSON
            auto j = nlohmann::json::parse(text, nullptr, false);
            return qs(j.is_discarded() ? text : core::jsonDumpSafe(j, 2));
        };
        const bool elided = core::jsonBool(rs, "elided");
        html += tr("<p><b>Request as sent</b> (headers, where the key travels, are not kept)</p>")
            + pre(qs(core::jsonText(rq, "method") + " " + core::jsonText(rq, "url")) + QLatin1Char('\n')
                + body(core::jsonText(rq, "body"))
                + (core::jsonBool(rq, "bodyTruncated") ? tr("\n… (first 16 KB)") : QString()));
        html += tr("<p><b>Response as received</b>: HTTP %1, %2 bytes%3</p>")
                    .arg(core::jsonInt(rs, "status").value_or(0))
                    .arg(core::jsonInt(rs, "bytes").value_or(0))
                    .arg(elided ? tr(" (the first and last 1 KB)") : QString())
            + pre(qs(core::jsonText(rs, "head")) + (elided ? QStringLiteral("\n…\n") : QString())
                + qs(core::jsonText(rs, "tail")));
    }
    html += tr("<p><b>Normalized request</b> (what the cache key %1 covers)</p>")
                .arg(qs(full->requestHash.substr(0, 16)).toHtmlEscaped())
        + pre(dump(full->request)) + tr("<p><b>Response as recorded</b></p>") + pre(dump(response));
    m_request->setHtml(html);
    nlohmann::json provenance = nlohmann::json::object();
    if (core::jsonDepth(full->provenance, kMaxShownDepth) > kMaxShownDepth) { // copying recurses per level too
        provenance["recorded"] = core::jsonDumpSafe(full->provenance, 2, kMaxShownDepth);
    } else if (full->provenance.is_object()) {
        for (auto it = full->provenance.begin(); it != full->provenance.end(); ++it)
            if (it.key() != "wire") // shown with the request and response
                provenance[it.key()] = it.value();
    } else if (!full->provenance.is_null()) {
        provenance["recorded"] = full->provenance; // not an object: shown as it is
    }
    provenance["model"] = full->modelName;
    provenance["cellKey"] = full->cellKey;
    provenance["committedAtMs"] = full->createdAt;
    m_provenance->setHtml(pre(dump(provenance)));
}

QString CellDetail::diffHtml(bool newSide) const
{
    return (newSide ? m_diffNew : m_diffOld)->toHtml();
}

QString CellDetail::outputText() const
{
    return m_output->toPlainText();
}

QString CellDetail::promptText() const
{
    return m_prompt->toPlainText();
}

QString CellDetail::requestText() const
{
    return m_request->toPlainText();
}

QString CellDetail::provenanceText() const
{
    return m_provenance->toPlainText();
}

} // namespace assay::app
