// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace assay::app {

class RunnerController;

/// The local runner half of Models & Runner: the GGUF library with metadata and hash status, the devices, the fit
/// plan with a GPU-layers control, load/unload with state and progress, and the runner's log. GUI thread only.
class RunnerPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunnerPanel(RunnerController& runner, QWidget* parent = nullptr);

    QTableWidget* libraryTable() const { return m_library; }
    QString selectedModel() const;
    void selectModel(const QString& path);
    void loadSelected();
    void unloadSelected();
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

    RunnerController& m_runner;
    QLabel* m_runnerInfo;
    QTableWidget* m_library;
    QTableWidget* m_devices;
    QSpinBox* m_context;
    QSpinBox* m_gpuLayers;
    QSpinBox* m_parallel;
    QLabel* m_planSummary;
    QTableWidget* m_plan;
    QPushButton* m_load;
    QPushButton* m_unload;
    QLabel* m_state;
    QLabel* m_speed;
    QString m_lastPromptSpeed;
    QProgressBar* m_busy;
    QPlainTextEdit* m_log;
};

} // namespace assay::app
