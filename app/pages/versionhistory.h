// SPDX-License-Identifier: MIT
#pragma once

#include "catalogcontroller.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QTextBrowser;

namespace assay::app {

/// A prompt's versions (number, time, author, message, labels), a side-by-side word diff between any two of
/// them (texts and parameters), and label management: point a label (dev, preprod, prod or custom) at the
/// selected version. GUI thread only.
class VersionHistory : public QWidget {
    Q_OBJECT
public:
    explicit VersionHistory(QWidget* parent = nullptr);

    void setHistory(const PromptHistory& history);
    void clear();
    /// Compares version @p from with version @p to (numbers).
    void compare(int from, int to);
    QString diffOldHtml() const;
    QString diffNewHtml() const;
    QTableWidget* table() const { return m_table; }

Q_SIGNALS:
    void labelRequested(const QString& label, int versionNumber);

private:
    void showDiff();
    int selectedVersion() const;

    PromptHistory m_history;
    QTableWidget* m_table;
    QComboBox* m_from;
    QComboBox* m_to;
    QTextBrowser* m_old;
    QTextBrowser* m_new;
    QLabel* m_fields;
    QComboBox* m_label;
    QPushButton* m_setLabel;
};

} // namespace assay::app
