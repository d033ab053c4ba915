// SPDX-License-Identifier: MIT
#include "prompteditor.h"

#include "templatehighlighter.h"

#include "catalog/chain.h"
#include "catalog/template.h"

#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace assay::app {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

// The first message of @p role in @p messages, or "".
std::string textOf(const std::vector<core::ChatMessage>& messages, const char* role)
{
    for (const auto& m : messages)
        if (m.role == role)
            return m.content;
    return {};
}
} // namespace

PromptEditor::PromptEditor(QWidget* parent)
    : QWidget(parent)
    , m_templateBox(new QWidget(this))
    , m_system(makeTextEditor(3))
    , m_user(makeTextEditor(6))
    , m_extras(new QLabel(this))
    , m_chainBox(new QWidget(this))
    , m_stepsLayout(new QVBoxLayout)
    , m_temperature(new QDoubleSpinBox(this))
    , m_topP(new QDoubleSpinBox(this))
    , m_maxTokens(new QSpinBox(this))
    , m_seed(new QSpinBox(this))
    , m_validation(new QLabel(this))
    , m_message(new QLineEdit(this))
    , m_save(new QPushButton(tr("Save Version"), this))
{
    m_system->setObjectName(QStringLiteral("systemEditor"));
    m_user->setObjectName(QStringLiteral("userEditor"));
    m_system->setPlaceholderText(tr("System message (optional)"));
    m_user->setPlaceholderText(tr("User message, with {{variables}}"));
    auto* templateLayout = new QVBoxLayout(m_templateBox);
    templateLayout->setContentsMargins(0, 0, 0, 0);
    templateLayout->addWidget(new QLabel(tr("System"), this));
    templateLayout->addWidget(m_system, 1);
    templateLayout->addWidget(new QLabel(tr("User"), this));
    templateLayout->addWidget(m_user, 2);
    m_extras->setForegroundRole(QPalette::PlaceholderText);
    templateLayout->addWidget(m_extras);

    auto* chainLayout = new QVBoxLayout(m_chainBox);
    chainLayout->setContentsMargins(0, 0, 0, 0);
    auto* stepsHost = new QWidget(this);
    stepsHost->setLayout(m_stepsLayout);
    m_stepsLayout->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(stepsHost);
    scroll->setFrameShape(QFrame::NoFrame);
    chainLayout->addWidget(scroll, 1);
    auto* stepButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add Step"), this);
    auto* remove = new QPushButton(tr("Remove Last Step"), this);
    connect(add, &QPushButton::clicked, this, [this] {
        addStep(QStringLiteral("step%1").arg(m_steps.size() + 1), QString());
        onEdited();
    });
    connect(remove, &QPushButton::clicked, this, &PromptEditor::removeLastStep);
    stepButtons->addWidget(add);
    stepButtons->addWidget(remove);
    stepButtons->addStretch(1);
    chainLayout->addLayout(stepButtons);
    m_chainBox->hide();

    // Parameters: the lowest value of each box means "unset" (the provider's default).
    m_temperature->setRange(-0.1, 2.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setSpecialValueText(tr("default"));
    m_topP->setRange(-0.05, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setSpecialValueText(tr("default"));
    m_maxTokens->setRange(0, 1'000'000);
    m_maxTokens->setSpecialValueText(tr("default"));
    m_seed->setRange(-1, 2'147'483'647);
    m_seed->setSpecialValueText(tr("none"));
    auto* params = new QHBoxLayout;
    auto addParam = [&](const QString& label, QWidget* w) {
        params->addWidget(new QLabel(label, this));
        params->addWidget(w);
    };
    addParam(tr("Temperature"), m_temperature);
    addParam(tr("Top p"), m_topP);
    addParam(tr("Max tokens"), m_maxTokens);
    addParam(tr("Seed"), m_seed);
    params->addStretch(1);
    for (QDoubleSpinBox* box : { m_temperature, m_topP })
        connect(box, &QDoubleSpinBox::valueChanged, this, &PromptEditor::onEdited);
    for (QSpinBox* box : { m_maxTokens, m_seed })
        connect(box, &QSpinBox::valueChanged, this, &PromptEditor::onEdited);

    m_validation->setWordWrap(true);
    m_validation->setObjectName(QStringLiteral("validation"));
    m_message->setPlaceholderText(tr("What changed (version message)"));
    m_save->setEnabled(false);
    m_save->setToolTip(tr("Save as a new immutable version (Ctrl+S)"));
    connect(m_save, &QPushButton::clicked, this, [this] { Q_EMIT saveRequested(m_message->text()); });
    connect(m_message, &QLineEdit::returnPressed, m_save, &QPushButton::click);
    auto* saveRow = new QHBoxLayout;
    saveRow->addWidget(m_message, 1);
    saveRow->addWidget(m_save);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(m_templateBox, 1);
    layout->addWidget(m_chainBox, 1);
    layout->addLayout(params);
    layout->addWidget(m_validation);
    layout->addLayout(saveRow);
    clear();
}

QPlainTextEdit* PromptEditor::makeTextEditor(int minLines)
{
    auto* edit = new QPlainTextEdit(this);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setMinimumHeight(edit->fontMetrics().lineSpacing() * minLines + 12);
    edit->setTabChangesFocus(true);
    new widgets::TemplateHighlighter(edit->document());
    connect(edit, &QPlainTextEdit::textChanged, this, &PromptEditor::onEdited);
    return edit;
}

void PromptEditor::clear()
{
    setContent({}, false);
    setEnabled(false);
}

void PromptEditor::setContent(const core::PromptContent& content, bool isChain)
{
    m_loading = true;
    setEnabled(true);
    m_loaded = content;
    m_isChain = isChain;
    m_templateBox->setVisible(!isChain);
    m_chainBox->setVisible(isChain);
    m_system->setPlainText(qs(textOf(content.messages, "system")));
    m_user->setPlainText(qs(textOf(content.messages, "user")));
    QStringList kept;
    if (!content.fewShot.empty())
        kept << tr("%n few-shot message(s)", nullptr, static_cast<int>(content.fewShot.size()));
    if (content.output.kind != core::OutputFormat::Kind::Plain)
        kept << tr("the output format");
    m_extras->setText(kept.isEmpty() ? QString() : tr("Kept from the loaded version: %1.").arg(kept.join(tr(" and "))));
    m_extras->setVisible(!kept.isEmpty());
    while (!m_steps.empty())
        removeLastStep();
    for (const core::ChainStep& step : content.steps)
        addStep(qs(step.name), qs(textOf(step.messages, "user")));
    const core::ModelParameters& p = content.parameters;
    m_temperature->setValue(p.temperature ? *p.temperature : m_temperature->minimum());
    m_topP->setValue(p.topP ? *p.topP : m_topP->minimum());
    m_maxTokens->setValue(p.maxTokens ? static_cast<int>(*p.maxTokens) : 0);
    m_seed->setValue(p.seed ? static_cast<int>(*p.seed) : -1);
    m_message->clear();
    for (QPlainTextEdit* e : { m_system, m_user })
        e->document()->clearUndoRedoStacks();
    m_loading = false;
    m_dirty = true; // force the signal below
    onEdited();
}

void PromptEditor::addStep(const QString& name, const QString& text)
{
    StepRow row;
    row.box = new QWidget(this);
    auto* layout = new QFormLayout(row.box);
    layout->setContentsMargins(0, 0, 0, 6);
    row.name = new QLineEdit(name, row.box);
    row.name->setPlaceholderText(tr("step name"));
    row.text = makeTextEditor(3);
    row.text->setParent(row.box);
    row.text->setPlainText(text);
    row.text->setObjectName(QStringLiteral("stepEditor%1").arg(m_steps.size()));
    layout->addRow(tr("Step %1").arg(m_steps.size() + 1), row.name);
    layout->addRow(QString(), row.text);
    connect(row.name, &QLineEdit::textChanged, this, &PromptEditor::onEdited);
    m_stepsLayout->addWidget(row.box);
    m_steps.push_back(row);
}

void PromptEditor::removeLastStep()
{
    if (m_steps.empty())
        return;
    delete m_steps.back().box;
    m_steps.pop_back();
    onEdited();
}

QPlainTextEdit* PromptEditor::stepEditor(int index) const
{
    return index >= 0 && index < static_cast<int>(m_steps.size()) ? m_steps[static_cast<std::size_t>(index)].text
                                                                  : nullptr;
}

core::PromptContent PromptEditor::content() const
{
    core::PromptContent c = m_loaded; // few-shots, defaults and output format are kept
    auto replace = [](std::vector<core::ChatMessage>& messages, const char* role, const QString& text) {
        for (auto it = messages.begin(); it != messages.end(); ++it)
            if (it->role == role) {
                if (text.isEmpty() && std::string_view(role) == "system")
                    messages.erase(it);
                else
                    it->content = text.toStdString();
                return;
            }
        if (!text.isEmpty()) {
            const bool system = std::string_view(role) == "system";
            messages.insert(system ? messages.begin() : messages.end(), { role, text.toStdString() });
        }
    };
    if (!m_isChain) {
        replace(c.messages, "system", m_system->toPlainText());
        replace(c.messages, "user", m_user->toPlainText());
    } else {
        std::vector<core::ChainStep> steps;
        for (std::size_t i = 0; i < m_steps.size(); ++i) {
            core::ChainStep step = i < m_loaded.steps.size() ? m_loaded.steps[i] : core::ChainStep {};
            step.name = m_steps[i].name->text().trimmed().toStdString();
            replace(step.messages, "user", m_steps[i].text->toPlainText());
            steps.push_back(std::move(step));
        }
        c.steps = std::move(steps);
    }
    core::ModelParameters& p = c.parameters;
    p.temperature = m_temperature->value() <= m_temperature->minimum() ? std::nullopt
                                                                       : std::optional<double>(m_temperature->value());
    p.topP = m_topP->value() <= m_topP->minimum() ? std::nullopt : std::optional<double>(m_topP->value());
    p.maxTokens = m_maxTokens->value() == 0 ? std::nullopt : std::optional<std::int64_t>(m_maxTokens->value());
    p.seed = m_seed->value() < 0 ? std::nullopt : std::optional<std::int64_t>(m_seed->value());
    return c;
}

QString PromptEditor::validationText() const
{
    return m_validation->text();
}

void PromptEditor::onEdited()
{
    if (m_loading)
        return;
    const core::PromptContent c = content();
    QString problem;
    if (m_isChain) {
        if (c.steps.empty())
            problem = tr("A chain needs at least one step.");
        else if (auto ok = core::validateChain(c); !ok)
            problem = qs(ok.error().message);
    } else if (m_user->toPlainText().trimmed().isEmpty()) {
        problem = tr("The user message is empty.");
    }
    QStringList variables;
    if (problem.isEmpty()) {
        auto vars = core::promptVariables(c);
        if (!vars)
            problem = qs(vars.error().message);
        else
            for (const std::string& v : *vars)
                variables << qs(v);
    }
    m_valid = problem.isEmpty();
    QPalette pal = m_validation->palette();
    pal.setColor(QPalette::WindowText, m_valid ? palette().color(QPalette::PlaceholderText) : QColor(0xd3, 0x2f, 0x2f));
    m_validation->setPalette(pal);
    m_validation->setText(m_valid
            ? (variables.isEmpty() ? tr("✓ Valid · no variables")
                                   : tr("✓ Valid · variables: %1").arg(variables.join(QStringLiteral(", "))))
            : tr("✗ %1").arg(problem));
    const bool dirty = !(c == m_loaded);
    m_save->setEnabled(dirty && m_valid);
    if (dirty != m_dirty) {
        m_dirty = dirty;
        Q_EMIT dirtyChanged(dirty);
    }
    Q_EMIT contentEdited();
}

} // namespace assay::app
