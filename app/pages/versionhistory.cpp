// SPDX-License-Identifier: MIT
#include "versionhistory.h"

#include "diffhtml.h"

#include "catalog/worddiff.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
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
} // namespace

VersionHistory::VersionHistory(QWidget* parent)
    : QWidget(parent)
    , m_table(new QTableWidget(0, 5, this))
    , m_from(new QComboBox(this))
    , m_to(new QComboBox(this))
    , m_old(new QTextBrowser(this))
    , m_new(new QTextBrowser(this))
    , m_fields(new QLabel(this))
    , m_label(new QComboBox(this))
    , m_setLabel(new QPushButton(tr("Point Label at Selected Version"), this))
{
    m_table->setHorizontalHeaderLabels({ tr("Version"), tr("Saved"), tr("Author"), tr("Message"), tr("Labels") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setObjectName(QStringLiteral("historyTable"));

    m_label->setEditable(true);
    m_label->addItems({ QStringLiteral("dev"), QStringLiteral("preprod"), QStringLiteral("prod") });
    m_label->setToolTip(tr("A label name: dev, preprod, prod or your own (a-z, 0-9, - and _)"));
    connect(m_setLabel, &QPushButton::clicked, this, [this] {
        const int v = selectedVersion();
        if (v > 0 && !m_label->currentText().trimmed().isEmpty())
            Q_EMIT labelRequested(m_label->currentText().trimmed(), v);
    });
    auto* labelRow = new QHBoxLayout;
    labelRow->addWidget(new QLabel(tr("Label"), this));
    labelRow->addWidget(m_label);
    labelRow->addWidget(m_setLabel);
    labelRow->addStretch(1);

    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(new QLabel(tr("Compare"), this));
    compareRow->addWidget(m_from);
    compareRow->addWidget(new QLabel(tr("with"), this));
    compareRow->addWidget(m_to);
    compareRow->addStretch(1);
    connect(m_from, &QComboBox::currentIndexChanged, this, &VersionHistory::showDiff);
    connect(m_to, &QComboBox::currentIndexChanged, this, &VersionHistory::showDiff);

    m_old->setObjectName(QStringLiteral("diffOld"));
    m_new->setObjectName(QStringLiteral("diffNew"));
    auto* sides = new QSplitter(this);
    sides->addWidget(m_old);
    sides->addWidget(m_new);
    m_fields->setWordWrap(true);
    m_fields->setTextFormat(Qt::PlainText);

    auto* vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(m_table);
    auto* diffBox = new QWidget(this);
    auto* diffLayout = new QVBoxLayout(diffBox);
    diffLayout->setContentsMargins(0, 0, 0, 0);
    diffLayout->addLayout(compareRow);
    diffLayout->addWidget(sides, 1);
    diffLayout->addWidget(m_fields);
    vertical->addWidget(diffBox);
    vertical->setSizes({ 140, 300 });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(labelRow);
    layout->addWidget(vertical, 1);
}

void VersionHistory::clear()
{
    setHistory({});
}

void VersionHistory::setHistory(const PromptHistory& history)
{
    m_history = history;
    const auto& versions = m_history.versions;
    m_table->setRowCount(static_cast<int>(versions.size()));
    // Newest first in the table.
    for (int row = 0; row < static_cast<int>(versions.size()); ++row) {
        const core::PromptVersion& v = versions[versions.size() - 1 - static_cast<std::size_t>(row)];
        QStringList labels;
        for (const core::PromptLabel& l : m_history.labels)
            if (l.versionNumber == v.number)
                labels << qs(l.label);
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(v.createdAt);
        const QStringList cells = { tr("v%1").arg(v.number), QLocale().toString(when, QLocale::ShortFormat),
            qs(v.author), qs(v.message), labels.join(QStringLiteral(", ")) };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setData(Qt::UserRole, v.number);
            if (c == 0)
                item->setToolTip(tr("content hash %1").arg(qs(v.contentHash)));
            m_table->setItem(row, c, item);
        }
    }
    m_table->resizeColumnsToContents();
    if (!versions.empty())
        m_table->selectRow(0);
    for (QComboBox* box : { m_from, m_to }) {
        QSignalBlocker block(box);
        box->clear();
        for (const core::PromptVersion& v : versions)
            box->addItem(tr("v%1").arg(v.number), v.number);
    }
    m_setLabel->setEnabled(!versions.empty());
    const int n = static_cast<int>(versions.size());
    compare(n >= 2 ? versions[versions.size() - 2].number : (n ? versions.back().number : 0),
        n ? versions.back().number : 0);
}

int VersionHistory::selectedVersion() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.first().data(Qt::UserRole).toInt();
}

void VersionHistory::compare(int from, int to)
{
    QSignalBlocker a(m_from);
    QSignalBlocker b(m_to);
    m_from->setCurrentIndex(m_from->findData(from));
    m_to->setCurrentIndex(m_to->findData(to));
    showDiff();
}

QString VersionHistory::diffOldHtml() const
{
    return m_old->toHtml();
}
QString VersionHistory::diffNewHtml() const
{
    return m_new->toHtml();
}

void VersionHistory::showDiff()
{
    auto find = [this](int number) -> const core::PromptVersion* {
        for (const core::PromptVersion& v : m_history.versions)
            if (v.number == number)
                return &v;
        return nullptr;
    };
    const core::PromptVersion* a = find(m_from->currentData().toInt());
    const core::PromptVersion* b = find(m_to->currentData().toInt());
    if (!a || !b) {
        m_old->clear();
        m_new->clear();
        m_fields->clear();
        return;
    }
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    const core::VersionDiff diff = core::diffVersions(a->content, b->content);
    QString oldHtml = QStringLiteral("<h4>v%1</h4>").arg(a->number);
    QString newHtml = QStringLiteral("<h4>v%1</h4>").arg(b->number);
    for (const core::TextDiff& t : diff.texts) {
        const QString head = QStringLiteral("<p><small><b>%1</b>%2</small><br>")
                                 .arg(qs(t.where).toHtmlEscaped(), t.changed ? tr(" · changed") : QString());
        oldHtml += head + widgets::diffSideHtml(t.segments, false, dark) + QStringLiteral("</p>");
        newHtml += head + widgets::diffSideHtml(t.segments, true, dark) + QStringLiteral("</p>");
    }
    m_old->setHtml(oldHtml);
    m_new->setHtml(newHtml);
    QStringList changes;
    for (const core::FieldChange& f : diff.fields)
        changes << tr("%1: %2 → %3")
                       .arg(qs(f.field), f.before ? qs(*f.before) : tr("unset"), f.after ? qs(*f.after) : tr("unset"));
    m_fields->setText(diff.identical() ? tr("The two versions are identical.")
            : changes.isEmpty()        ? tr("Parameters: no change.")
                                       : tr("Parameters and fields: %1").arg(changes.join(QStringLiteral("; "))));
}

} // namespace assay::app
