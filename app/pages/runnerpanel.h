// SPDX-License-Identifier: MIT
#pragma once

#include "fitplan.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace assay::app {

class RunnerController;

/// The local runner half of Models & Runner: the GGUF library with metadata and hash status, the devices, the fit
/// plan with a GPU-layers control, load/unload with state and progress, the loaded instances (each an endpoint:
/// the model alone, the model with a LoRA adapter beside it, an embeddings server), and the runner's log.
/// GUI thread only.
class RunnerPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunnerPanel(RunnerController& runner, QWidget* parent = nullptr);

    QTableWidget* libraryTable() const { return m_library; }
    QString selectedModel() const;
    void selectModel(const QString& path);
    /// Loads the selected model with the adapter chosen in adapterBox() (none: the model alone).
    void loadSelected();
    /// Loads the selected model as an embeddings server (for cosine similarity).
    void loadSelectedForEmbeddings();
    /// Unloads the instance selected in loadedTable(), else the selected model with the chosen adapter.
    void unloadSelected();
    QComboBox* adapterBox() const { return m_adapter; }
    /// One row per loaded instance: endpoint, serves (chat / embeddings), state, address. Row data: the key.
    QTableWidget* loadedTable() const { return m_loaded; }
    QString stateText() const;
    QString planText() const;
    QString logText() const;
    /// The last generation speed the server reported ("eval time … tokens per second"), "" before any.
    QString speedText() const;
    QSpinBox* gpuLayersBox() const { return m_gpuLayers; }

private:
    void showLibrary();
    void showDevices();
    void updatePlan();
    void updateButtons();
    void updateAdapters();
    void showLoaded();
    /// "CPU", or "CPU, in turns with tiny-random-llama + tiny-lora" when other loaded models compute there too.
    QString computesOn(const QString& key) const;
    QString currentKey() const;
    gpu::FitRequest fitRequest() const;

    RunnerController& m_runner;
    QLabel* m_runnerInfo;
    QTableWidget* m_library;
    QTableWidget* m_devices;
    QSpinBox* m_context;
    QSpinBox* m_gpuLayers;
    QSpinBox* m_parallel;
    QComboBox* m_adapter;
    QLabel* m_planSummary;
    QTableWidget* m_plan;
    QPushButton* m_load;
    QPushButton* m_loadEmbeddings;
    QPushButton* m_unload;
    QTableWidget* m_loaded;
    QLabel* m_state;
    QLabel* m_speed;
    QString m_lastPromptSpeed;
    QProgressBar* m_busy;
    QPlainTextEdit* m_log;
};

} // namespace assay::app
