// Wall time of the LibTorch spectral path (core/train/torch_spectra.h) on a
// device, in float32 and float64 accumulation, for comparison with
// PEER_DEVICE=cuda /work/shared/peers/peer_torch_spectra.py (bench/gpu/run.sh).
//
//   bench_torch_spectra MODEL [--device auto|cpu|cuda] [--fp64-only]
#include "bench_common.h"

#include "core/format/checkpoint.h"
#include "core/train/torch_spectra.h"

#include <iostream>

using namespace ctscope;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_torch_spectra MODEL [--device auto|cpu|cuda] [--fp64-only]\n";
        return 2;
    }
    TorchSpectraOptions o;
    bool fp32 = true;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--device" && i + 1 < argc && parseDeviceKind(argv[i + 1], &o.device)) ++i;
        else if (a == "--fp64-only") fp32 = false;
        else {
            std::cerr << "bench_torch_spectra: unknown argument " << a << "\n";
            return 2;
        }
    }
    try {
        const auto ckpt = openCheckpoint(argv[1]);
        std::printf("device: %s\n", describeDevice(o.device).c_str());
        for (const bool fp64 : {false, true}) {
            if (!fp64 && !fp32) continue;
            o.fp64 = fp64;
            const auto t0 = std::chrono::steady_clock::now();
            const SpectralAnalysis a = analyzeCheckpointTorch(*ckpt, o);
            std::printf("%s Grams: %zu matrices, %zu types, universal PR %.2f, in %.2f s\n", fp64 ? "fp64" : "fp32",
                        a.matrices.size(), a.types.size(), a.universal.pr, bench::secondsSince(t0));
        }
        std::printf("peak RSS %.0f MB\n", bench::peakRssMb());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_torch_spectra: %s\n", e.what());
        return 1;
    }
    return 0;
}
