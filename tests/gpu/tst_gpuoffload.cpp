// SPDX-License-Identifier: MIT
// Needs a GPU (ctest label `gpu`, the only test CI lets skip, and only where llama.cpp lists no GPU): offloads the
// tiny model and holds the fit plan to the server's report with the bound the CPU test uses (tst_fitplanserver).
#include "devices.h"
#include "fitplan.h"
#include "gputestsupport.h"
#include "modelinfo.h"
#include "requirerunner.h"
#include "runnersupervisor.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace assay::gpu;

class TstGpuOffload : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void offloadMatchesPlan()
    {
        ASSAY_REQUIRE_RUNNER();
        auto install = locateRunner();
        QVERIFY(install);
        const auto devices = listDevices(*install);
        ASSAY_REQUIRE_GPU(devices.devices);
        const assay::core::DeviceInfo gpu = assay::test::gpusOf(devices.devices).front();
        QTemporaryDir dir;
        auto tiny = assay::test::makeTinyModelIn(dir.path());
        QVERIFY(tiny);
        auto info = readModelInfo(tiny->model);
        QVERIFY(info.ok());
        FitRequest req;
        req.contextSize = 2048;
        req.gpuDevice = gpu.id;
        auto plan = planFit(*info, devices.devices, req);
        QVERIFY(plan.ok());
        QCOMPARE(plan->gpuLayers, plan->offloadableLayers);
        RunnerConfig cfg;
        cfg.modelPath = tiny->model;
        cfg.contextSize = req.contextSize;
        cfg.gpuLayers = plan->gpuLayers;
        cfg.device = gpu.id;
        RunnerSupervisor sup(*install, cfg);
        QVERIFY(sup.start().ok());
        const auto ready = sup.waitUntilReady(std::chrono::seconds(120));
        QVERIFY2(ready.ok(), ready.ok() ? "" : ready.error().message.c_str());
        const auto reported = sup.reportedMemory();
        qInfo("%s", compareFit(*plan, reported).summary.c_str());
        bool sawGpu = false;
        for (const auto& d : reported.devices)
            sawGpu = sawGpu || d.deviceId == gpu.id;
        QVERIFY(sawGpu);
        // Weights and KV cache exact to the log's 0.01 MiB rounding on the CPU and the GPU; compute within 10 %, or
        // 0.52 MiB for the small host staging buffer (the bound planMatchesRecordedGpu holds the H200 recording to).
        const std::string off = assay::test::planVsServerError(*plan, reported, 0.52);
        QVERIFY2(off.empty(), off.c_str());
    }
};

QTEST_GUILESS_MAIN(TstGpuOffload)
#include "tst_gpuoffload.moc"
