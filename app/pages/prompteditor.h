// SPDX-License-Identifier: MIT
#pragma once

#include "domain/prompt.h"

#include <QWidget>

#include <vector>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QVBoxLayout;

namespace assay::app {

/// Edits one prompt version's content: system and user messages (a chain: its steps), model parameters, with
/// {{variable}} highlighting, live validation, per-editor undo/redo, and a save row with a message.
/// Few-shot examples and the output format of the loaded version are kept as they are. GUI thread only.
class PromptEditor : public QWidget {
    Q_OBJECT
public:
    explicit PromptEditor(QWidget* parent = nullptr);

    /// Shows @p content (the latest version); the editor is clean afterwards.
    void setContent(const core::PromptContent& content, bool isChain);
    void clear();
    core::PromptContent content() const;
    bool isDirty() const { return m_dirty; }
    bool isValid() const { return m_valid; }
    QString validationText() const;

    QPlainTextEdit* systemEditor() const { return m_system; }
    QPlainTextEdit* userEditor() const { return m_user; }
    QPlainTextEdit* stepEditor(int index) const;
    void addStep(const QString& name, const QString& text);
    QLineEdit* messageField() const { return m_message; }
    QPushButton* saveButton() const { return m_save; }

Q_SIGNALS:
    void contentEdited(); ///< any edit, after validation (drives the preview)
    void dirtyChanged(bool dirty);
    void saveRequested(const QString& message);

private:
    struct StepRow {
        QWidget* box = nullptr;
        QLineEdit* name = nullptr;
        QPlainTextEdit* text = nullptr;
    };
    QPlainTextEdit* makeTextEditor(int minLines);
    void onEdited();
    void removeLastStep();

    core::PromptContent m_loaded;
    bool m_isChain = false;
    bool m_dirty = false;
    bool m_valid = true;
    bool m_loading = false;
    QWidget* m_templateBox;
    QPlainTextEdit* m_system;
    QPlainTextEdit* m_user;
    QLabel* m_extras;
    QWidget* m_chainBox;
    QVBoxLayout* m_stepsLayout;
    std::vector<StepRow> m_steps;
    QDoubleSpinBox* m_temperature;
    QDoubleSpinBox* m_topP;
    QSpinBox* m_maxTokens;
    QSpinBox* m_seed;
    QLabel* m_validation;
    QLineEdit* m_message;
    QPushButton* m_save;
};

} // namespace assay::app
