// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"

#include <QMap>
#include <QWidget>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace assay::app {

/// The variables panel and the rendered preview: one field per detected {{variable}} (values are kept by name
/// across edits), and the messages exactly as a run would send them, or the error naming missing variables.
/// A chain shows each step, with earlier steps' outputs as placeholders. GUI thread only.
class PromptPreview : public QWidget {
    Q_OBJECT
public:
    explicit PromptPreview(QWidget* parent = nullptr);

    void setContent(const core::PromptContent& content, bool isChain);
    void setValue(const QString& variable, const QString& value);
    QStringList variables() const { return m_fields.keys(); }
    QString renderedText() const;

private:
    void render();

    core::PromptContent m_content;
    bool m_isChain = false;
    QMap<QString, QLineEdit*> m_fields;
    QMap<QString, QString> m_values; // survives field rebuilds
    QFormLayout* m_form;
    QLabel* m_noVariables;
    QLabel* m_status;
    QPlainTextEdit* m_output;
};

} // namespace assay::app
