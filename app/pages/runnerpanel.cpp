// SPDX-License-Identifier: MIT
#include "runnerpanel.h"

#include "runnercontroller.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace assay::app {

namespace {
QString bytes(std::uint64_t n)
{
    return QString::fromStdString(gpu::formatBytes(n));
}

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setStretchLastSection(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setWordWrap(false);
    return t;
}

void setRow(QTableWidget* t, int row, const QStringList& cells, const QString& key = {})
{
    for (int c = 0; c < cells.size(); ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        if (!key.isEmpty())
            item->setData(Qt::UserRole, key);
        t->setItem(row, c, item);
    }
}
} // namespace

RunnerPanel::RunnerPanel(RunnerController& runner, QWidget* parent)
    : QWidget(parent)
    , m_runner(runner)
    , m_runnerInfo(new QLabel(this))
    , m_library(makeTable({ tr("Model"), tr("Architecture"), tr("Parameters"), tr("Quantization"), tr("Context"),
                              tr("Size"), tr("SHA-256"), tr("Licence / adapters") },
          this))
    , m_devices(makeTable({ tr("Device"), tr("Backend"), tr("Total"), tr("Free") }, this))
    , m_context(new QSpinBox(this))
    , m_gpuLayers(new QSpinBox(this))
    , m_parallel(new QSpinBox(this))
    , m_adapter(new QComboBox(this))
    , m_planSummary(new QLabel(this))
    , m_plan(makeTable({ tr("Device"), tr("Weights"), tr("KV cache"), tr("Compute"), tr("Total"), tr("Free") }, this))
    , m_load(new QPushButton(tr("Load"), this))
    , m_loadEmbeddings(new QPushButton(tr("Load for Embeddings"), this))
    , m_unload(new QPushButton(tr("Unload"), this))
    , m_loaded(makeTable({ tr("Endpoint"), tr("Serves"), tr("State"), tr("Address"), tr("Computes on") }, this))
    , m_state(new QLabel(tr("No model loaded"), this))
    , m_speed(new QLabel(this))
    , m_busy(new QProgressBar(this))
    , m_log(new QPlainTextEdit(this))
{
    m_library->setObjectName(QStringLiteral("runnerLibrary"));
    m_runnerInfo->setWordWrap(true);
    auto showRunnerInfo = [this] {
        const QString version = m_runner.runnerVersionKnown() ? m_runner.runnerVersion() : tr("(asking its version…)");
        m_runnerInfo->setText(m_runner.runnerAvailable()
                ? tr("llama-server %1 · models run as supervised child processes on 127.0.0.1").arg(version)
                : tr("The local runner is not installed: %1").arg(m_runner.runnerProblem()));
    };
    showRunnerInfo();
    connect(&m_runner, &RunnerController::runnerVersionChanged, this, showRunnerInfo);
    auto* addFolder = new QPushButton(tr("Add Folder…"), this);
    auto* rescan = new QPushButton(tr("Rescan"), this);
    auto* refresh = new QPushButton(tr("Refresh Devices"), this);
    connect(addFolder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a Folder of GGUF Models"));
        if (!dir.isEmpty())
            m_runner.setFolders(m_runner.folders() << dir);
    });
    connect(rescan, &QPushButton::clicked, &m_runner, &RunnerController::rescan);
    connect(refresh, &QPushButton::clicked, &m_runner, &RunnerController::refreshDevices);
    auto* top = new QHBoxLayout;
    top->addWidget(m_runnerInfo, 1);
    top->addWidget(addFolder);
    top->addWidget(rescan);
    top->addWidget(refresh);

    m_context->setRange(256, 1 << 20);
    m_context->setSingleStep(1024);
    m_context->setValue(4096);
    m_gpuLayers->setRange(-1, 1000);
    m_gpuLayers->setSpecialValueText(tr("auto"));
    m_gpuLayers->setValue(-1);
    m_gpuLayers->setToolTip(tr("Layers to offload to the GPU; auto = the most that fit with a safety margin"));
    m_parallel->setRange(1, 64);
    for (QSpinBox* box : { m_context, m_gpuLayers, m_parallel })
        connect(box, &QSpinBox::valueChanged, this, &RunnerPanel::updatePlan);
    m_planSummary->setWordWrap(true);
    m_planSummary->setObjectName(QStringLiteral("planSummary"));
    auto* planBox = new QGroupBox(tr("Fit plan"), this);
    auto* form = new QFormLayout;
    form->addRow(tr("Context (tokens)"), m_context);
    form->addRow(tr("GPU layers"), m_gpuLayers);
    form->addRow(tr("Parallel slots"), m_parallel);
    m_adapter->setObjectName(QStringLiteral("runnerAdapter"));
    m_adapter->setToolTip(tr("Load the model with a LoRA adapter as a second endpoint, beside the model alone, "
                             "so a run can compare both"));
    form->addRow(tr("LoRA adapter"), m_adapter);
    m_loadEmbeddings->setToolTip(tr("Serve this model's embeddings (mean pooling) as an endpoint for cosine "
                                    "similarity"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_load);
    buttons->addWidget(m_loadEmbeddings);
    buttons->addWidget(m_unload);
    buttons->addStretch(1);
    m_state->setWordWrap(true);
    m_busy->setRange(0, 0);
    m_busy->setMaximumHeight(12);
    m_busy->setTextVisible(false);
    m_busy->hide();
    auto* planLayout = new QVBoxLayout(planBox);
    planLayout->addLayout(form);
    planLayout->addWidget(m_planSummary);
    planLayout->addWidget(m_plan, 1);
    planLayout->addLayout(buttons);
    planLayout->addWidget(m_state);
    planLayout->addWidget(m_busy);
    m_speed->setObjectName(QStringLiteral("runnerSpeed"));
    planLayout->addWidget(m_speed);
    connect(m_load, &QPushButton::clicked, this, &RunnerPanel::loadSelected);
    connect(m_loadEmbeddings, &QPushButton::clicked, this, &RunnerPanel::loadSelectedForEmbeddings);
    connect(m_unload, &QPushButton::clicked, this, &RunnerPanel::unloadSelected);
    connect(m_adapter, &QComboBox::currentIndexChanged, this, &RunnerPanel::updateButtons);
    m_loaded->setObjectName(QStringLiteral("runnerLoaded"));
    m_loaded->verticalHeader()->setDefaultSectionSize(m_loaded->fontMetrics().height() + 8);
    connect(m_loaded, &QTableWidget::itemSelectionChanged, this, &RunnerPanel::updateButtons);

    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("The runner's log appears here while a model loads and serves."));
    m_log->setObjectName(QStringLiteral("runnerLog"));
    auto* devicesBox = new QGroupBox(tr("Devices"), this);
    (new QVBoxLayout(devicesBox))->addWidget(m_devices);
    auto* loadedBox = new QGroupBox(tr("Loaded (each is an endpoint)"), this);
    (new QVBoxLayout(loadedBox))->addWidget(m_loaded);

    auto* logBox = new QGroupBox(tr("Runner log"), this);
    (new QVBoxLayout(logBox))->addWidget(m_log);

    auto* bottom = new QSplitter(this);
    bottom->addWidget(devicesBox);
    bottom->addWidget(planBox);
    bottom->addWidget(logBox);
    bottom->setSizes({ 330, 470, 400 });
    auto* vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(m_library);
    vertical->addWidget(loadedBox);
    vertical->addWidget(bottom);
    vertical->setSizes({ 110, 150, 380 });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(top);
    layout->addWidget(vertical, 1);

    connect(m_library, &QTableWidget::itemSelectionChanged, this, [this] {
        updateAdapters();
        updatePlan();
        updateButtons();
    });
    connect(&m_runner, &RunnerController::libraryChanged, this, &RunnerPanel::showLibrary);
    connect(&m_runner, &RunnerController::devicesChanged, this, &RunnerPanel::showDevices);
    connect(&m_runner, &RunnerController::hashProgress, this, [this](const QString& path, double fraction) {
        for (int r = 0; r < m_library->rowCount(); ++r)
            if (m_library->item(r, 0)->data(Qt::UserRole).toString() == path && fraction < 1.0)
                m_library->item(r, 6)->setText(tr("hashing %1%").arg(qRound(fraction * 100)));
    });
    connect(&m_runner, &RunnerController::runnerStateChanged, this,
        [this](const QString& key, int state, const QString& message) {
            const auto s = static_cast<gpu::RunnerState>(state);
            QString text = tr("%1: %2").arg(m_runner.displayName(key), QString::fromLatin1(gpu::runnerStateName(s)));
            if (!message.isEmpty())
                text += QStringLiteral(" — ") + message;
            if (auto ep = m_runner.endpoint(key); ep && s == gpu::RunnerState::Ready)
                text += tr(" · serving on %1").arg(QString::fromStdString(ep->baseUrl));
            m_state->setText(text);
            m_busy->setVisible(
                s == gpu::RunnerState::Starting || s == gpu::RunnerState::Loading || s == gpu::RunnerState::Stopping);
            showLoaded();
            updateButtons();
        });
    connect(&m_runner, &RunnerController::logLines, this, [this](const QString& key, const QStringList& lines) {
        // With several instances loaded, each line says which one wrote it.
        if (m_runner.loadedModels().size() > 1) {
            const QString prefix = QStringLiteral("[%1] ").arg(m_runner.displayName(key));
            QStringList named;
            named.reserve(lines.size());
            for (const QString& line : lines)
                named << prefix + line;
            m_log->appendPlainText(named.join(QLatin1Char('\n')));
        } else {
            m_log->appendPlainText(lines.join(QLatin1Char('\n')));
        }
        // llama-server reports each request's speed: "prompt eval time = … tokens per second" then
        // "eval time = 12.34 ms / 8 tokens (… ms per token, 648.30 tokens per second)" for generation.
        static const QRegularExpression eval(
            QStringLiteral(R"((prompt )?eval time\s*=\s*([\d.]+) ms\s*/\s*(\d+) tokens.*?([\d.]+) tokens per second)"));
        for (const QString& line : lines) {
            const QRegularExpressionMatch m = eval.match(line);
            if (!m.hasMatch())
                continue;
            if (m.capturedLength(1) > 0)
                m_lastPromptSpeed = m.captured(4);
            else
                m_speed->setText(tr("%1 · last request: generation %2 tokens/s (%3 tokens), prompt %4 tokens/s")
                                     .arg(m_runner.displayName(key), m.captured(4), m.captured(3),
                                         m_lastPromptSpeed.isEmpty() ? QStringLiteral("—") : m_lastPromptSpeed));
        }
    });
    connect(&m_runner, &RunnerController::failed, this,
        [this](const QString& message) { m_state->setText(tr("✗ %1").arg(message)); });
    showDevices();
    showLibrary();
}

void RunnerPanel::showLibrary()
{
    const QString keep = selectedModel();
    const auto& entries = m_runner.library();
    m_library->setRowCount(0);
    int row = 0;
    for (const gpu::LibraryEntry& e : entries) {
        const bool adapter = e.info && e.info->type == "adapter";
        if (adapter)
            continue; // listed under their base model
        m_library->insertRow(row);
        const QString path = QString::fromStdString(e.path);
        if (!e.info) {
            setRow(m_library, row,
                { QFileInfo(path).fileName(), tr("rejected"), {}, {}, {}, bytes(e.size), {},
                    QString::fromStdString(e.error) },
                path);
        } else {
            const gpu::ModelInfo& m = *e.info;
            QStringList extra;
            if (!m.license.empty())
                extra << QString::fromStdString(m.license);
            for (const std::string& a : e.adapters)
                extra << tr("LoRA: %1").arg(QFileInfo(QString::fromStdString(a)).fileName());
            const QString hash = !e.sha256.empty()
                ? QString::fromStdString(e.sha256.substr(0, 12)) + QStringLiteral("…")
                : !e.hashError.empty() ? tr("hash failed")
                                       : tr("pending");
            setRow(m_library, row,
                { QString::fromStdString(m.name), QString::fromStdString(m.architecture),
                    QLocale().toString(static_cast<double>(m.parameterCount) / 1e6, 'f', 1) + tr(" M"),
                    QString::fromStdString(m.quantization), QLocale().toString(m.contextLength), bytes(e.size), hash,
                    extra.join(QStringLiteral(", ")) },
                path);
            m_library->item(row, 0)->setToolTip(path);
            if (!e.sha256.empty())
                m_library->item(row, 6)->setToolTip(QString::fromStdString(e.sha256));
        }
        ++row;
    }
    m_library->resizeColumnsToContents();
    if (!keep.isEmpty())
        selectModel(keep);
    else if (m_library->rowCount() > 0)
        m_library->selectRow(0);
    updateAdapters();
    updatePlan();
    updateButtons();
}

void RunnerPanel::showDevices()
{
    const auto& devices = m_runner.devices().devices;
    m_devices->setRowCount(static_cast<int>(devices.size()));
    for (int r = 0; r < static_cast<int>(devices.size()); ++r) {
        const core::DeviceInfo& d = devices[static_cast<std::size_t>(r)];
        setRow(m_devices, r,
            { QString::fromStdString(d.id + ": " + d.name), QString::fromStdString(d.backend), bytes(d.totalBytes),
                bytes(d.freeBytes) });
    }
    m_devices->resizeColumnsToContents();
    updatePlan();
}

QString RunnerPanel::selectedModel() const
{
    const auto rows = m_library->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(Qt::UserRole).toString();
}

void RunnerPanel::selectModel(const QString& path)
{
    for (int r = 0; r < m_library->rowCount(); ++r)
        if (m_library->item(r, 0)->data(Qt::UserRole).toString() == path)
            m_library->selectRow(r);
}

void RunnerPanel::updatePlan()
{
    m_plan->setRowCount(0);
    const QString path = selectedModel();
    if (path.isEmpty()) {
        m_planSummary->setText(m_library->rowCount() == 0
                ? tr("Add a folder of GGUF models to see where a model would go before loading it.")
                : tr("Select a model to see its fit plan."));
        return;
    }
    auto plan = m_runner.plan(path, fitRequest());
    if (!plan) {
        m_planSummary->setText(tr("✗ %1").arg(QString::fromStdString(plan.error().message)));
        return;
    }
    m_planSummary->setText(QString::fromStdString(plan->summary));
    m_plan->setRowCount(static_cast<int>(plan->devices.size()));
    for (int r = 0; r < static_cast<int>(plan->devices.size()); ++r) {
        const gpu::DevicePlan& d = plan->devices[static_cast<std::size_t>(r)];
        setRow(m_plan, r,
            { QString::fromStdString(d.deviceId), bytes(d.weights), bytes(d.kvCache), bytes(d.compute),
                bytes(d.total()), bytes(d.freeBytes) });
    }
    m_plan->resizeColumnsToContents();
}

void RunnerPanel::updateAdapters()
{
    const QString path = selectedModel();
    const QString keep = m_adapter->currentData().toString();
    const QSignalBlocker block(m_adapter);
    m_adapter->clear();
    m_adapter->addItem(tr("none (the model alone)"), QString());
    for (const gpu::LibraryEntry& e : m_runner.library())
        if (QString::fromStdString(e.path) == path)
            for (const std::string& a : e.adapters)
                m_adapter->addItem(QFileInfo(QString::fromStdString(a)).fileName(), QString::fromStdString(a));
    m_adapter->setCurrentIndex(std::max(0, m_adapter->findData(keep)));
    m_adapter->setEnabled(m_adapter->count() > 1);
}

QString RunnerPanel::currentKey() const
{
    const QString path = selectedModel();
    if (path.isEmpty())
        return {};
    RunnerController::LoadOptions o;
    o.loraPath = m_adapter->currentData().toString();
    return RunnerController::instanceKey(path, o);
}

void RunnerPanel::showLoaded()
{
    const QString keep = m_loaded->selectionModel()->selectedRows().isEmpty()
        ? QString()
        : m_loaded->selectionModel()->selectedRows().first().data(Qt::UserRole).toString();
    const QStringList keys = m_runner.loadedModels();
    const QSignalBlocker block(m_loaded);
    m_loaded->setRowCount(static_cast<int>(keys.size()));
    for (int r = 0; r < keys.size(); ++r) {
        const QString& key = keys[r];
        const RunnerController::LoadOptions o = RunnerController::optionsOf(key);
        const auto ep = m_runner.endpoint(key);
        setRow(m_loaded, r,
            { tr("local: %1").arg(m_runner.displayName(key)),
                o.embeddings               ? tr("embeddings")
                    : o.loraPath.isEmpty() ? tr("chat")
                                           : tr("chat + LoRA"),
                QString::fromLatin1(gpu::runnerStateName(m_runner.state(key))),
                ep ? QString::fromStdString(ep->baseUrl) : QString(), computesOn(key) },
            key);
        m_loaded->item(r, 4)->setToolTip(
            tr("The devices that compute this model's tokens. Models that share one answer a run's requests in "
               "turns: two llama-servers computing at once on the same cores slow each other down many times "
               "over."));
        if (o.embeddings) // told apart at a glance: it answers /v1/embeddings, not chat
            for (int c = 0; c < m_loaded->columnCount(); ++c)
                m_loaded->item(r, c)->setForeground(palette().color(QPalette::Link));
        if (key == keep)
            m_loaded->selectRow(r);
    }
    m_loaded->resizeColumnsToContents();
}

QString RunnerPanel::computesOn(const QString& key) const
{
    const QString devices = m_runner.computeDevices(key).join(QStringLiteral(", "));
    const QStringList others = m_runner.sharingADevice(key);
    if (devices.isEmpty() || others.isEmpty())
        return devices;
    QStringList names;
    for (const QString& other : others)
        names << m_runner.displayName(other);
    return tr("%1, in turns with %2").arg(devices, names.join(QStringLiteral(", ")));
}

void RunnerPanel::updateButtons()
{
    const QString path = selectedModel();
    const QStringList loaded = m_runner.loadedModels();
    const QString key = currentKey();
    RunnerController::LoadOptions emb;
    emb.embeddings = true;
    const bool canLoad = !path.isEmpty() && m_runner.runnerAvailable();
    m_load->setEnabled(canLoad && !loaded.contains(key));
    m_load->setText(m_adapter->currentData().toString().isEmpty() ? tr("Load") : tr("Load with Adapter"));
    m_loadEmbeddings->setEnabled(canLoad && !loaded.contains(RunnerController::instanceKey(path, emb)));
    const auto picked = m_loaded->selectionModel()->selectedRows();
    const QString target = picked.isEmpty() ? key : picked.first().data(Qt::UserRole).toString();
    const gpu::RunnerState s = m_runner.state(target);
    m_unload->setEnabled(loaded.contains(target));
    m_unload->setText(
        s == gpu::RunnerState::Loading || s == gpu::RunnerState::Starting ? tr("Cancel Load") : tr("Unload"));
}

gpu::FitRequest RunnerPanel::fitRequest() const
{
    gpu::FitRequest req;
    req.contextSize = static_cast<std::uint32_t>(m_context->value());
    req.gpuLayers = m_gpuLayers->value();
    req.parallel = static_cast<std::uint32_t>(m_parallel->value());
    return req;
}

void RunnerPanel::loadSelected()
{
    const QString path = selectedModel();
    if (path.isEmpty())
        return;
    RunnerController::LoadOptions o;
    o.loraPath = m_adapter->currentData().toString();
    m_runner.load(path, fitRequest(), o);
    showLoaded();
    updateButtons();
}

void RunnerPanel::loadSelectedForEmbeddings()
{
    const QString path = selectedModel();
    if (path.isEmpty())
        return;
    RunnerController::LoadOptions o;
    o.embeddings = true;
    m_runner.load(path, fitRequest(), o);
    showLoaded();
    updateButtons();
}

void RunnerPanel::unloadSelected()
{
    const auto picked = m_loaded->selectionModel()->selectedRows();
    const QString key = picked.isEmpty() ? currentKey() : picked.first().data(Qt::UserRole).toString();
    if (key.isEmpty())
        return;
    m_runner.unload(key);
    m_state->setText(tr("%1: stopped").arg(m_runner.displayName(key)));
    m_busy->hide();
    showLoaded();
    updateButtons();
}

QString RunnerPanel::stateText() const
{
    return m_state->text();
}
QString RunnerPanel::planText() const
{
    return m_planSummary->text();
}
QString RunnerPanel::logText() const
{
    return m_log->toPlainText();
}
QString RunnerPanel::speedText() const
{
    return m_speed->text();
}

} // namespace assay::app
