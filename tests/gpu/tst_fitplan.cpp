// SPDX-License-Identifier: MIT
// The fit plan's arithmetic and parsers, on model metadata computed in the test (the tiny model's shape) and on loads
// recorded from llama-server on a GPU: needs nothing installed. The plan against a live llama-server (and the
// computed metadata against the generated file) is tst_fitplanserver.cpp.
#include "devices.h"
#include "fitplan.h"
#include "gputestsupport.h"
#include "modelinfo.h"
#include "runnersupervisor.h" // computeDevicesOf: pure, no server

#include <QFile>
#include <QRegularExpression>
#include <QtTest>

using namespace assay::gpu;
using assay::core::DeviceInfo;
using assay::core::DeviceKind;
using assay::test::qs;

namespace {
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;

DeviceInfo fakeGpu(std::uint64_t freeBytes)
{
    return DeviceInfo { "CUDA0", "Test GPU", "CUDA", DeviceKind::Gpu, 24 * kGiB, freeBytes, 0, 0 };
}
DeviceInfo fakeCpu()
{
    return DeviceInfo { "CPU", "Test CPU", "CPU", DeviceKind::Cpu, 64 * kGiB, 60 * kGiB, 8, 4 };
}

/// One llama-server load recorded on a GPU machine (tests/gpu/data/h200-cuda-buffers.txt).
struct RecordedLoad {
    std::uint32_t embd = 0, layers = 0, ff = 0, heads = 0, kvHeads = 0, ctx = 0;
    int ngl = 0;
    std::vector<std::string> lines;
};

std::vector<RecordedLoad> readRecordedLoads(const QString& path)
{
    std::vector<RecordedLoad> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return out;
    const QRegularExpression head(
        QStringLiteral(R"(^## case embd=(\d+) layers=(\d+) ff=(\d+) heads=(\d+) kv=(\d+) ctx=(\d+) ngl=(\d+))"));
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        if (const auto m = head.match(line); m.hasMatch()) {
            RecordedLoad r;
            r.embd = m.captured(1).toUInt();
            r.layers = m.captured(2).toUInt();
            r.ff = m.captured(3).toUInt();
            r.heads = m.captured(4).toUInt();
            r.kvHeads = m.captured(5).toUInt();
            r.ctx = m.captured(6).toUInt();
            r.ngl = m.captured(7).toInt();
            out.push_back(r);
        } else if (!out.empty() && !line.startsWith(QLatin1Char('#'))) {
            out.back().lines.push_back(line.toStdString());
        }
    }
    return out;
}

/// The recorded load's model: what assay-make-tiny-model writes for an F16 Llama of this shape.
ModelInfo tinyF16Info(const RecordedLoad& r)
{
    TinyModelSpec spec;
    spec.name = "recorded";
    spec.nEmbd = r.embd;
    spec.nLayer = r.layers;
    spec.nFf = r.ff;
    spec.nHead = r.heads;
    spec.nHeadKv = r.kvHeads;
    return assay::test::tinyF16Info(spec);
}
} // namespace

class TstFitPlan : public QObject {
    Q_OBJECT

private:
    ModelInfo m_info = assay::test::tinyF16Info({}); ///< the default tiny model
    ModelInfo m_wide = assay::test::tinyF16Info(wideSpec()); ///< head size 32, so quantized KV caches are allowed

    static TinyModelSpec wideSpec()
    {
        TinyModelSpec wide;
        wide.nEmbd = 128;
        wide.nFf = 512;
        return wide;
    }

private Q_SLOTS:

    void parsesListDevices_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("firstId");
        QTest::addColumn<QString>("firstName");
        QTest::addColumn<QString>("backend");
        QTest::addColumn<qulonglong>("totalMiB");
        QTest::addColumn<qulonglong>("freeMiB");
        QTest::newRow("none") << QStringLiteral("load_backend: loaded CPU\nAvailable devices:\n  (none)\n") << 0
                              << QString() << QString() << QString() << 0ull << 0ull;
        QTest::newRow("cuda") << QStringLiteral("ggml_cuda_init: found 1 CUDA devices:\nAvailable devices:\n"
                                                "  CUDA0: NVIDIA H100 80GB HBM3 (81079 MiB, 80532 MiB free)\n")
                              << 1 << QStringLiteral("CUDA0") << QStringLiteral("NVIDIA H100 80GB HBM3")
                              << QStringLiteral("CUDA") << 81079ull << 80532ull;
        QTest::newRow("two vulkan, parentheses in name")
            << QStringLiteral("Available devices:\n  Vulkan0: AMD Radeon (TM) Graphics (RADV) (16384 MiB, 15000 MiB "
                              "free)\n  Vulkan1: llvmpipe (LLVM 15) (8000 MiB, 8000 MiB free)\ngarbage line\n")
            << 2 << QStringLiteral("Vulkan0") << QStringLiteral("AMD Radeon (TM) Graphics (RADV)")
            << QStringLiteral("Vulkan") << 16384ull << 15000ull;
        QTest::newRow("no header") << QStringLiteral("  CUDA0: X (1 MiB, 1 MiB free)\n") << 0 << QString() << QString()
                                   << QString() << 0ull << 0ull;
    }
    void parsesListDevices()
    {
        QFETCH(QString, output);
        QFETCH(int, count);
        const auto list = parseListDevices(output.toStdString());
        QCOMPARE(int(list.size()), count);
        if (count == 0)
            return;
        QFETCH(QString, firstId);
        QFETCH(QString, firstName);
        QFETCH(QString, backend);
        QFETCH(qulonglong, totalMiB);
        QFETCH(qulonglong, freeMiB);
        QCOMPARE(qs(list[0].id), firstId);
        QCOMPARE(qs(list[0].name), firstName);
        QCOMPARE(qs(list[0].backend), backend);
        QVERIFY(list[0].isGpu());
        QCOMPARE(list[0].totalBytes, totalMiB * kMiB);
        QCOMPARE(list[0].freeBytes, freeMiB * kMiB);
    }

    void cpuIsAlwaysListed()
    {
        const auto cpu = cpuDevice();
        QCOMPARE(cpu.id, std::string("CPU"));
        QVERIFY(!cpu.name.empty());
        QVERIFY(cpu.totalBytes > 256 * kMiB);
        QVERIFY(cpu.freeBytes <= cpu.totalBytes);
        QVERIFY(cpu.threads >= 1 && cpu.physicalCores >= 1 && cpu.physicalCores <= cpu.threads);
    }

    void computeDevices_data()
    {
        QTest::addColumn<QStringList>("listed");
        QTest::addColumn<QString>("device");
        QTest::addColumn<int>("gpuLayers");
        QTest::addColumn<QStringList>("expected");
        const QStringList cpuOnly { "CPU: AMD EPYC (24105 MiB, 24105 MiB free)" };
        const QStringList withGpu { "CUDA0: NVIDIA H100 (80000 MiB, 79000 MiB free)", "CPU: AMD EPYC" };
        // The tiny model has 2 blocks: 3 offloadable layers.
        const QStringList twoGpus { "CUDA0: NVIDIA H100", "CUDA1: NVIDIA H100", "CPU: AMD EPYC" };
        const QString all;
        QTest::newRow("cpu build") << cpuOnly << all << 0 << QStringList { "CPU" };
        QTest::newRow("cpu build asked to offload") << cpuOnly << all << 3 << QStringList { "CPU" };
        QTest::newRow("nothing offloaded") << withGpu << all << 0 << QStringList { "CPU" };
        QTest::newRow("partial offload") << withGpu << all << 2 << QStringList { "CPU", "CUDA0" };
        QTest::newRow("all offloaded") << withGpu << all << 3 << QStringList { "CUDA0" };
        QTest::newRow("all (-1)") << withGpu << all << -1 << QStringList { "CUDA0" };
        QTest::newRow("nothing listed") << QStringList {} << all << 3 << QStringList { "CPU", "GPU" };
        QTest::newRow("split over two GPUs") << twoGpus << all << 3 << QStringList { "CUDA0", "CUDA1" };
        QTest::newRow("restricted to one GPU") << twoGpus << QStringLiteral("CUDA1") << 3 << QStringList { "CUDA1" };
    }
    void computeDevices()
    {
        QFETCH(QStringList, listed);
        QFETCH(QString, device);
        QFETCH(int, gpuLayers);
        QFETCH(QStringList, expected);
        std::vector<std::string> in;
        for (const QString& d : listed)
            in.push_back(d.toStdString());
        QStringList out;
        for (const std::string& d : computeDevicesOf(in, device.toStdString(), gpuLayers, 3))
            out << QString::fromStdString(d);
        QCOMPARE(out, expected);
    }

    /// The plan against what llama-server reported on a GPU (CUDA, H200), recorded by a sweep on a lent GPU machine:
    /// 4 shapes × contexts 2048 and 8192 × 0, half and all layers offloaded. Weights and KV cache per device are
    /// exact; the host's staging buffer and, with every layer offloaded, the GPU's compute buffer are within 0.5 MiB;
    /// with layers split (or none: llama.cpp still runs prompt batches on the GPU) the plan's GPU compute buffer is
    /// an upper bound of at most 1.6 times the reported one.
    void planMatchesRecordedGpu()
    {
        const auto loads = readRecordedLoads(QStringLiteral(ASSAY_GPU_TEST_DATA "/h200-cuda-buffers.txt"));
        QCOMPARE(loads.size(), std::size_t(24));
        const DeviceInfo h200 { "CUDA0", "NVIDIA H200", "CUDA", DeviceKind::Gpu, 140 * kGiB, 139 * kGiB, 0, 0 };
        for (const RecordedLoad& r : loads) {
            const QString what = QStringLiteral("n_embd %1, ctx %2, %3 of %4 layers")
                                     .arg(r.embd)
                                     .arg(r.ctx)
                                     .arg(r.ngl)
                                     .arg(r.layers + 1);
            FitRequest req;
            req.contextSize = r.ctx;
            req.gpuLayers = r.ngl;
            const auto plan = planFit(tinyF16Info(r), { fakeCpu(), h200 }, req);
            QVERIFY2(plan.ok(), qPrintable(what));
            const ReportedMemory rep = parseReportedMemory(r.lines);
            QVERIFY2(rep.complete, qPrintable(what));
            QCOMPARE(plan->devices.size(), std::size_t(2)); // the GPU is in the plan even with no layer on it
            if (r.ngl
                > static_cast<int>(r.layers)) { // every layer offloaded: the bound tst_gpuoffload holds a live load to
                const std::string off = assay::test::planVsServerError(*plan, rep, 0.52);
                QVERIFY2(off.empty(), qPrintable(what + QStringLiteral(": ") + qs(off)));
            }
            for (const DevicePlan& p : plan->devices) {
                const auto found = std::find_if(rep.devices.begin(), rep.devices.end(),
                    [&](const DevicePlan& d) { return d.deviceId == p.deviceId; });
                const DevicePlan got = found == rep.devices.end() ? DevicePlan { p.deviceId } : *found;
                const QString where = what + QStringLiteral(", ") + qs(p.deviceId) + QStringLiteral(": ")
                    + qs(compareFit(*plan, rep).summary);
                auto near = [](std::uint64_t a, std::uint64_t b, double mib) {
                    return std::abs(static_cast<double>(a) - static_cast<double>(b)) <= mib * kMiB;
                };
                // The tiny models store output.weight between token_embd and the blocks, and llama.cpp reports the
                // mapped file range of the CPU's tensors: with layers split, that range spans the (offloaded)
                // output weights, mapped but never read. Models from the usual converters store it last.
                const bool split = r.ngl > 0 && r.ngl <= static_cast<int>(r.layers);
                const std::uint64_t spanned
                    = p.deviceId == "CPU" && split ? tinyF16Info(r).outputBytes - 4 * r.embd : 0;
                QVERIFY2(near(p.weights + spanned, got.weights, 0.01), qPrintable(where));
                QVERIFY2(near(p.kvCache, got.kvCache, 0.01), qPrintable(where));
                const bool allOffloaded = r.ngl > static_cast<int>(r.layers);
                if (p.deviceId == "CPU" || allOffloaded) {
                    QVERIFY2(near(p.compute, got.compute, 0.52), qPrintable(where));
                } else {
                    QVERIFY2(p.compute >= got.compute, qPrintable(where));
                    QVERIFY2(static_cast<double>(p.compute) <= 1.6 * static_cast<double>(got.compute) + kMiB,
                        qPrintable(where));
                }
            }
        }
    }

    void kvCacheArithmetic()
    {
        FitRequest r;
        r.contextSize = 4096;
        auto p = planFit(m_info, { fakeCpu() }, r);
        QVERIFY(p.ok());
        QCOMPARE(p->gpuLayers, 0);
        QCOMPARE(p->devices.size(), std::size_t(1));
        // 4096 cells × 2 layers × (4 kv heads × 16) × (K + V) × 2 bytes (f16) = 2 MiB
        QCOMPARE(p->devices[0].kvCache, 2 * kMiB);
        QCOMPARE(p->devices[0].weights, m_info.tensorBytes);
        QVERIFY(qs(p->summary).contains(QStringLiteral("runs on the CPU")));
        // Quantized caches on the wide model (head size 32): q8_0 is 34 bytes per 32 elements, q4_0 18.
        const ModelInfo& wide = m_wide;
        r.cacheTypeK = r.cacheTypeV = "q8_0";
        QCOMPARE(planFit(wide, { fakeCpu() }, r)->devices[0].kvCache, 4096ull * 2 * 2 * 128 * 34 / 32);
        r.cacheTypeK = "q4_0";
        r.cacheTypeV = "f16";
        QCOMPARE(planFit(wide, { fakeCpu() }, r)->devices[0].kvCache, 4096ull * 2 * (128 * 18 / 32 + 128 * 2));
        // Context is padded to 256 cells, and per slot when slots are separate.
        r.cacheTypeK = "f16";
        r.contextSize = 1000;
        r.parallel = 3;
        QCOMPARE(planFit(m_info, { fakeCpu() }, r)->kvCells, 3u * 512u); // pad(pad(1000)=1024 / 3 = 341) = 512
    }

    void layerPlacement_data()
    {
        QTest::addColumn<int>("ngl");
        QTest::newRow("none") << 0;
        QTest::newRow("output only") << 1;
        QTest::newRow("one block") << 2;
        QTest::newRow("all") << 3;
        QTest::newRow("more than all") << 99;
    }
    void layerPlacement()
    {
        QFETCH(int, ngl);
        FitRequest r;
        r.gpuLayers = ngl;
        auto p = planFit(m_info, { fakeCpu(), fakeGpu(20 * kGiB) }, r);
        QVERIFY(p.ok());
        const int used = std::min(ngl, 3);
        QCOMPARE(p->gpuLayers, used);
        QCOMPARE(p->offloadableLayers, 3);
        std::uint64_t gpuWeights = used >= 1 ? m_info.outputBytes : 0; // the output layer goes first
        for (int l = 2 - (used - 1); used >= 2 && l < 2; ++l)
            gpuWeights += m_info.layerBytes[static_cast<std::size_t>(l)];
        const std::uint64_t gpuKv = used >= 2 ? static_cast<std::uint64_t>(used - 1) * kMiB : 0;
        QCOMPARE(p->devices.size(), std::size_t(2));
        if (used == 0) { // no layer, but llama.cpp still runs prompt batches on the GPU: its compute buffer
            QCOMPARE(p->devices[1].weights + p->devices[1].kvCache, std::uint64_t(0));
            QVERIFY(p->devices[1].compute > 0);
            QVERIFY2(qs(p->summary).contains(QStringLiteral("CUDA0 still holds")), qPrintable(qs(p->summary)));
            return;
        }
        QCOMPARE(p->devices[1].deviceId, std::string("CUDA0"));
        QCOMPARE(p->devices[1].weights, gpuWeights);
        QCOMPARE(p->devices[1].kvCache, gpuKv);
        QCOMPARE(p->devices[0].weights + p->devices[1].weights, m_info.tensorBytes);
        QCOMPARE(p->devices[0].kvCache + p->devices[1].kvCache, 2 * kMiB);
        QVERIFY(qs(p->summary).contains(QStringLiteral("on CUDA0")));
    }

    void autoPicksLargestOffloadThatFits()
    {
        FitRequest r;
        FitRequest two = r;
        two.gpuLayers = 2;
        // What each offload needs on the GPU. All layers can need less than a split: the split's compute buffer is
        // larger (planFit's GPU calibration).
        std::vector<std::uint64_t> need(4, 0);
        for (int n = 1; n <= 3; ++n) {
            FitRequest forced = r;
            forced.gpuLayers = n;
            need[static_cast<std::size_t>(n)]
                = planFit(m_info, { fakeCpu(), fakeGpu(20 * kGiB) }, forced)->devices[1].total();
        }
        int expected = 0;
        for (int n = 1; n <= 3; ++n)
            if (need[static_cast<std::size_t>(n)] <= need[2])
                expected = n;
        auto p = planFit(m_info, { fakeCpu(), fakeGpu(r.safetyMarginBytes + need[2] + 1) }, r);
        QVERIFY(p.ok());
        QCOMPARE(p->gpuLayers, expected);
        QVERIFY(p->fits);
        QVERIFY(p->devices[1].total() + r.safetyMarginBytes <= p->devices[1].freeBytes);
        // Nothing fits under the margin: CPU, and the plan says why.
        p = planFit(m_info, { fakeCpu(), fakeGpu(r.safetyMarginBytes / 2) }, r);
        QCOMPARE(p->gpuLayers, 0);
        QVERIFY(qs(p->summary).contains(QStringLiteral("Not even one layer")));
        // A forced offload that does not fit is reported as not fitting.
        two.gpuLayers = 3;
        p = planFit(m_info, { fakeCpu(), fakeGpu(1 * kMiB) }, two);
        QVERIFY(!p->fits);
        QVERIFY(qs(p->summary).contains(QStringLiteral("does not fit")));
    }

    void rejectsBadRequests()
    {
        FitRequest r;
        r.cacheTypeK = "q3_weird";
        QCOMPARE(planFit(m_info, { fakeCpu() }, r).error().code, assay::core::ErrorCode::Invalid);
        r = {};
        r.gpuDevice = "CUDA7";
        QCOMPARE(planFit(m_info, { fakeCpu(), fakeGpu(kGiB) }, r).error().code, assay::core::ErrorCode::NotFound);
        r = {};
        r.cacheTypeK = "q8_0"; // the tiny model's heads are 16 wide: llama.cpp would refuse to create the context
        const auto q8 = planFit(m_info, { fakeCpu() }, r);
        QVERIFY(!q8.ok());
        QVERIFY2(qs(q8.error().message).contains(QStringLiteral("divisible by 32")), q8.error().message.c_str());
        ModelInfo lora = m_info;
        lora.type = "adapter";
        lora.adapterType = "lora";
        QCOMPARE(planFit(lora, { fakeCpu() }, {}).error().code, assay::core::ErrorCode::Invalid);
    }

    void parsesServerReport()
    {
        const std::vector<std::string> log {
            "0.00.085.609 I load_tensors:   CPU_Mapped model buffer size =     8.06 MiB",
            "0.00.085.609 I load_tensors:        CUDA0 model buffer size =   100.50 MiB",
            "0.00.087.764 I llama_context:        CPU  output buffer size =     0.24 MiB",
            "0.00.088.006 I llama_kv_cache:      CUDA0 KV buffer size =     2.00 MiB",
            "0.00.092.659 I sched_reserve:      CUDA0 compute buffer size =     2.26 MiB",
            "0.00.092.659 I sched_reserve:  CUDA_Host compute buffer size =     1.00 MiB",
        };
        const auto rep = parseReportedMemory(log);
        QVERIFY(rep.complete);
        QCOMPARE(rep.devices.size(), std::size_t(2));
        QCOMPARE(rep.devices[0].deviceId, std::string("CPU"));
        QCOMPARE(rep.devices[0].weights, std::uint64_t(8.06 * kMiB + 0.5));
        QCOMPARE(rep.devices[0].compute, std::uint64_t(0.24 * kMiB + 0.5) + kMiB);
        QCOMPARE(rep.devices[1].kvCache, 2 * kMiB);
        QVERIFY(!parseReportedMemory({ "nothing here" }).complete);
    }
};

QTEST_GUILESS_MAIN(TstFitPlan)
#include "tst_fitplan.moc"
