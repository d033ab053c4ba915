// SPDX-License-Identifier: MIT
// The fit plan against a live llama-server v0.5.0 on the generated tiny model (CPU), and the metadata tst_fitplan
// computes for the tiny shapes against the generated files. Needs the llama.cpp install (ASSAY_REQUIRE_RUNNER: CI
// fails without it).
#include "devices.h"
#include "fitplan.h"
#include "gputestsupport.h"
#include "modelinfo.h"
#include "requirerunner.h"
#include "runnersupervisor.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace assay::gpu;
using assay::test::qs;

class TstFitPlanServer : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    assay::test::TinyModel m_tiny;
    QTemporaryDir m_wideDir;
    assay::test::TinyModel m_wide; ///< head size 32, so quantized KV caches are allowed
    TinyModelSpec m_wideSpec;

private Q_SLOTS:
    void initTestCase()
    {
        ASSAY_REQUIRE_RUNNER();
        auto t = assay::test::makeTinyModelIn(m_dir.path());
        QVERIFY(t);
        m_tiny = *t;
        m_wideSpec.nEmbd = 128;
        m_wideSpec.nFf = 512;
        auto w = assay::test::makeTinyModelIn(m_wideDir.path(), m_wideSpec);
        QVERIFY(w);
        m_wide = *w;
    }

    /// tst_fitplan's arithmetic runs on metadata computed from the shape alone: it must be what the file says.
    void computedInfoMatchesTheGeneratedFile_data()
    {
        QTest::addColumn<bool>("wide");
        QTest::newRow("default") << false;
        QTest::newRow("wide") << true;
    }
    void computedInfoMatchesTheGeneratedFile()
    {
        QFETCH(bool, wide);
        const auto file = readModelInfo(wide ? m_wide.model : m_tiny.model);
        QVERIFY2(file.ok(), file.ok() ? "" : file.error().message.c_str());
        const ModelInfo computed = assay::test::tinyF16Info(wide ? m_wideSpec : TinyModelSpec {});
        QCOMPARE(computed.name, file->name);
        QCOMPARE(computed.architecture, file->architecture);
        QCOMPARE(computed.quantization, file->quantization);
        QCOMPARE(computed.contextLength, file->contextLength);
        QCOMPARE(computed.embeddingLength, file->embeddingLength);
        QCOMPARE(computed.blockCount, file->blockCount);
        QCOMPARE(computed.feedForwardLength, file->feedForwardLength);
        QCOMPARE(computed.headCount, file->headCount);
        QCOMPARE(computed.headCountKv, file->headCountKv);
        QCOMPARE(computed.keyLength, file->keyLength);
        QCOMPARE(computed.valueLength, file->valueLength);
        QCOMPARE(computed.vocabSize, file->vocabSize);
        QCOMPARE(computed.layerBytes, file->layerBytes);
        QCOMPARE(computed.inputBytes, file->inputBytes);
        QCOMPARE(computed.outputBytes, file->outputBytes);
        QCOMPARE(computed.tensorBytes, file->tensorBytes);
        QCOMPARE(computed.tensorCount, file->tensorCount);
        QCOMPARE(computed.parameterCount, file->parameterCount);
        QCOMPARE(computed.type, file->type);
    }

    void rejectsTheGeneratedAdapter()
    {
        auto lora = readModelInfo(m_tiny.lora).value();
        QCOMPARE(planFit(lora, { cpuDevice() }, {}).error().code, assay::core::ErrorCode::Invalid);
    }

    void listsDevicesThroughTheServer()
    {
        auto install = locateRunner();
        QVERIFY(install);
        const auto list = listDevices(*install);
        QVERIFY(!list.devices.empty());
        QCOMPARE(list.devices.front().id, std::string("CPU"));
        QVERIFY2(list.warning.empty(), list.warning.c_str());
        QVERIFY2(qs(list.runnerBuild).contains(QStringLiteral("0.5.0")), list.runnerBuild.c_str());
        qInfo("devices: %zu (%s, %s free)", list.devices.size(), list.devices.front().name.c_str(),
            formatBytes(list.devices.front().freeBytes).c_str());
    }

    /// The plan against what llama-server v0.5.0 reports after loading the tiny model (CPU).
    void planMatchesServer_data()
    {
        QTest::addColumn<int>("ctx");
        QTest::addColumn<int>("nslots");
        QTest::addColumn<QString>("cache");
        QTest::addColumn<bool>("wide");
        QTest::newRow("ctx 512") << 512 << 1 << QStringLiteral("f16") << false;
        QTest::newRow("ctx 4096") << 4096 << 1 << QStringLiteral("f16") << false;
        QTest::newRow("ctx 4096, 4 slots") << 4096 << 4 << QStringLiteral("f16") << false;
        QTest::newRow("wide, ctx 2048, 2 slots, q8_0 cache") << 2048 << 2 << QStringLiteral("q8_0") << true;
        QTest::newRow("wide, ctx 3000, q4_0 cache") << 3000 << 1 << QStringLiteral("q4_0") << true;
    }
    void planMatchesServer()
    {
        QFETCH(int, ctx);
        QFETCH(int, nslots);
        QFETCH(QString, cache);
        QFETCH(bool, wide);
        const auto info = readModelInfo(wide ? m_wide.model : m_tiny.model).value();
        auto install = locateRunner();
        QVERIFY(install);
        FitRequest req;
        req.contextSize = static_cast<std::uint32_t>(ctx);
        req.parallel = static_cast<std::uint32_t>(nslots);
        req.cacheTypeK = req.cacheTypeV = cache.toStdString();
        const auto plan = planFit(info, { cpuDevice() }, req);
        QVERIFY(plan.ok());
        RunnerConfig cfg;
        cfg.modelPath = info.path;
        cfg.contextSize = req.contextSize;
        cfg.parallel = req.parallel;
        cfg.threads = 1;
        cfg.cacheTypeK = cfg.cacheTypeV = req.cacheTypeK;
        RunnerSupervisor sup(*install, cfg);
        QVERIFY(sup.start().ok());
        const auto st = sup.waitUntilReady(std::chrono::seconds(60));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().message.c_str());
        const auto rep = sup.reportedMemory();
        qInfo("%s", compareFit(*plan, rep).summary.c_str());
        QCOMPARE(rep.devices.size(), std::size_t(1));
        // Weights and KV cache exact to the log's 0.01 MiB rounding; compute is an estimate within 10 %.
        const std::string off = assay::test::planVsServerError(*plan, rep);
        QVERIFY2(off.empty(), off.c_str());
        QVERIFY2(compareFit(*plan, rep).maxRelativeError < 0.10, compareFit(*plan, rep).summary.c_str());
    }
};

QTEST_GUILESS_MAIN(TstFitPlanServer)
#include "tst_fitplanserver.moc"
