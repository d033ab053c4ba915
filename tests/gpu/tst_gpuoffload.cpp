// SPDX-License-Identifier: MIT
// Needs a GPU (ctest label `gpu`): offloads the tiny model and checks the fit plan against the server's report.
#include "devices.h"
#include "fitplan.h"
#include "gputestsupport.h"
#include "modelinfo.h"
#include "runnersupervisor.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace assay::gpu;

class TstGpuOffload : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void offloadMatchesPlan()
    {
        auto install = locateRunner();
        if (!install)
            QSKIP("llama-server not installed");
        const auto devices = listDevices(*install);
        const assay::core::DeviceInfo* gpu = nullptr;
        for (const auto& d : devices.devices)
            if (d.isGpu())
                gpu = &d;
        if (!gpu)
            QSKIP("no GPU visible to llama.cpp on this machine");
        QTemporaryDir dir;
        auto tiny = assay::test::makeTinyModelIn(dir.path());
        QVERIFY(tiny);
        auto info = readModelInfo(tiny->model);
        QVERIFY(info.ok());
        FitRequest req;
        req.contextSize = 2048;
        auto plan = planFit(*info, devices.devices, req);
        QVERIFY(plan.ok());
        QCOMPARE(plan->gpuLayers, plan->offloadableLayers);
        RunnerConfig cfg;
        cfg.modelPath = tiny->model;
        cfg.contextSize = req.contextSize;
        cfg.gpuLayers = plan->gpuLayers;
        cfg.device = gpu->id;
        RunnerSupervisor sup(*install, cfg);
        QVERIFY(sup.start().ok());
        const auto ready = sup.waitUntilReady(std::chrono::seconds(120));
        QVERIFY2(ready.ok(), ready.ok() ? "" : ready.error().message.c_str());
        const auto cmp = compareFit(*plan, sup.reportedMemory());
        qInfo("%s", cmp.summary.c_str());
        bool sawGpu = false;
        for (const auto& d : sup.reportedMemory().devices)
            sawGpu = sawGpu || d.deviceId == gpu->id;
        QVERIFY(sawGpu);
    }
};

QTEST_GUILESS_MAIN(TstGpuOffload)
#include "tst_gpuoffload.moc"
