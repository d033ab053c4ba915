// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

namespace assay::widgets {

/// The honest "nothing here yet" view of a page: an icon, a title, a sentence on what will appear and how,
/// and an optional action. GUI thread only.
class EmptyState : public QWidget {
    Q_OBJECT
public:
    explicit EmptyState(QWidget* parent = nullptr);

    void setIcon(const QIcon& icon);
    void setTitle(const QString& title);
    void setBody(const QString& body);
    /// Shows a button with @p text; empty text hides it. Clicking it emits actionTriggered().
    void setActionText(const QString& text);

    QString title() const;
    QString body() const;

Q_SIGNALS:
    void actionTriggered();

private:
    QLabel* m_icon;
    QLabel* m_title;
    QLabel* m_body;
    QPushButton* m_action;
};

} // namespace assay::widgets
