// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QHBoxLayout;

namespace assay::widgets {

/// A page's title line: a large title, a one-line subtitle, and room for actions on the right. GUI thread only.
class PageHeader : public QWidget {
    Q_OBJECT
public:
    explicit PageHeader(const QString& title, const QString& subtitle, QWidget* parent = nullptr);

    void setSubtitle(const QString& subtitle);
    QString title() const;
    /// Adds a widget (button, search field) to the right-hand side.
    void addAction(QWidget* widget);

private:
    QLabel* m_title;
    QLabel* m_subtitle;
    QHBoxLayout* m_actions;
};

} // namespace assay::widgets
