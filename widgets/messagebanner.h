// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QToolButton;

namespace assay::widgets {

/// An inline message strip at the top of the window (errors are shown here, not in modal dialogs).
/// GUI thread only.
class MessageBanner : public QWidget {
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };

    explicit MessageBanner(QWidget* parent = nullptr);

    void showMessage(Kind kind, const QString& text);
    Kind kind() const { return m_kind; }
    QString text() const;

Q_SIGNALS:
    void dismissed();

private:
    void applyColors();

    Kind m_kind = Kind::Info;
    QLabel* m_icon;
    QLabel* m_text;
    QToolButton* m_close;
};

} // namespace assay::widgets
