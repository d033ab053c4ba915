// SPDX-License-Identifier: MIT
#include "promptpreview.h"

#include "catalog/chain.h"
#include "catalog/template.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace assay::app {

PromptPreview::PromptPreview(QWidget* parent)
    : QWidget(parent)
    , m_form(new QFormLayout)
    , m_noVariables(new QLabel(tr("This prompt has no variables."), this))
    , m_status(new QLabel(this))
    , m_output(new QPlainTextEdit(this))
{
    auto* title = new QLabel(tr("<b>Test values</b>"), this);
    m_noVariables->setForegroundRole(QPalette::PlaceholderText);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("previewStatus"));
    m_output->setReadOnly(true);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setObjectName(QStringLiteral("previewOutput"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(title);
    layout->addLayout(m_form);
    layout->addWidget(m_noVariables);
    layout->addWidget(new QLabel(tr("<b>Rendered messages</b>"), this));
    layout->addWidget(m_status);
    layout->addWidget(m_output, 1);
}

void PromptPreview::setContent(const core::PromptContent& content, bool isChain)
{
    m_content = content;
    m_isChain = isChain;
    QStringList names;
    if (auto vars = core::promptVariables(content))
        for (const std::string& v : *vars)
            if (v.rfind("steps.", 0) != 0) // step outputs are filled by the chain, not by the user
                names << QString::fromStdString(v);
    QStringList sorted = names;
    sorted.sort();
    if (sorted != m_fields.keys()) {
        while (m_form->rowCount() > 0)
            m_form->removeRow(0);
        m_fields.clear();
        for (const QString& name : names) {
            auto* field = new QLineEdit(m_values.value(name), this);
            field->setObjectName(QStringLiteral("var_") + name);
            connect(field, &QLineEdit::textChanged, this, [this, name](const QString& text) {
                m_values[name] = text;
                render();
            });
            m_form->addRow(name, field);
            m_fields.insert(name, field);
        }
    }
    m_noVariables->setVisible(m_fields.isEmpty());
    render();
}

void PromptPreview::setValue(const QString& variable, const QString& value)
{
    if (QLineEdit* f = m_fields.value(variable))
        f->setText(value);
}

QString PromptPreview::renderedText() const
{
    return m_output->toPlainText();
}

void PromptPreview::render()
{
    nlohmann::json values = nlohmann::json::object();
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it)
        if (m_fields.contains(it.key()) && !it.value().isEmpty())
            values[it.key().toStdString()] = it.value().toStdString();
    QString text;
    QString problem;
    auto append = [&text](const std::vector<core::ChatMessage>& messages) {
        for (const core::ChatMessage& m : messages)
            text += QStringLiteral("[%1]\n%2\n\n")
                        .arg(QString::fromStdString(m.role), QString::fromStdString(m.content));
    };
    if (!m_isChain) {
        auto messages = core::renderMessages(m_content, values);
        if (messages)
            append(*messages);
        else
            problem = QString::fromStdString(messages.error().message);
    } else {
        std::map<std::string, std::string> outputs;
        for (std::size_t i = 0; i < m_content.steps.size() && problem.isEmpty(); ++i) {
            const std::string& name = m_content.steps[i].name;
            auto messages = core::renderChainStep(m_content, i, values, outputs);
            if (!messages) {
                problem = QString::fromStdString(messages.error().message);
                break;
            }
            text += QStringLiteral("── step %1 ──\n").arg(QString::fromStdString(name));
            append(*messages);
            outputs[name] = "⟨output of " + name + "⟩";
        }
    }
    m_status->setText(problem.isEmpty() ? tr("Rendered exactly as a run sends it.") : tr("✗ %1").arg(problem));
    m_status->setForegroundRole(problem.isEmpty() ? QPalette::PlaceholderText : QPalette::WindowText);
    m_output->setPlainText(problem.isEmpty() ? text.trimmed() : QString());
}

} // namespace assay::app
