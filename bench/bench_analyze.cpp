// Benchmark: `analyze` against the PyTorch peer a researcher would write
// (/work/shared/peers/peer_torch_spectra.py: float32 svdvals per matrix plus
// per-type and universal Gram eigendecompositions), in the same run, each in
// its own process (fork/exec, peak RSS from wait4).
//
//   bench_analyze [--shape tinyllama|llama2-7b] [--layers N[,N...]] [--model DIR]
//                 [--threads N] [--precision auto|fast|exact] [--no-peer]
//                 [--peer-script PATH] [--naive] [--naive-layers N] [--accuracy]
//
// --shape llama2-7b writes an N-layer slice of a Llama-2-7B-shaped BF16
// checkpoint (d 4096, ffn 11008, vocab 32000) and prints seconds per layer;
// several --layers values show whether peak RSS grows with the layer count.
// --naive adds the old reference (float64 full SVD with vectors per matrix),
// labelled as what it is. --accuracy compares fast against exact on the model
// (max relative error of PR, energy and R²; not timed).
// Run timed benchmarks under `flock /tmp/ctscope-build.lock` on shared machines.
#include "bench_common.h"
#include "tinyllama_shaped.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

int childOurs(const std::string& model, const std::string& cacheDir, int threads, Precision precision) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ckpt = openCheckpoint(model);
    AnalysisOptions o;
    o.cacheDir = cacheDir;
    o.threads = threads;
    o.precision = precision;
    o.keepBases = false;  // as `ctscope analyze` without --bases (the per-type bases wait in the cache)
    double readEnd = 0;
    auto a = analyzeCheckpoint(*ckpt, o, [&](const Progress& p) {
        if (p.stage != "reading" && readEnd == 0) readEnd = bench::secondsSince(t0);
        return true;
    });
    std::printf("RESULT seconds=%.3f stream_seconds=%.3f rss_mb=%.1f universal_pr=%.4f matrices=%zu precision=%s\n",
                bench::secondsSince(t0), readEnd, bench::peakRssMb(), a.universal.pr, a.matrices.size(),
                precisionName(a.precision));
    return 0;
}

double relErr(double got, double want) { return std::abs(got - want) / std::max(std::abs(want), 1e-12); }

int childAccuracy(const std::string& model, int threads) {
    auto ckpt = openCheckpoint(model);
    AnalysisOptions o;
    o.useCache = false;
    o.keepBases = false;
    o.threads = threads;
    o.precision = Precision::Fast;
    const SpectralAnalysis f = analyzeCheckpoint(*ckpt, o);
    o.precision = Precision::Exact;
    const SpectralAnalysis x = analyzeCheckpoint(*ckpt, o);
    double pr = 0, energy = 0, r2 = 0, sigma = 0;
    auto energies = [&](const SpectrumStats& a, const SpectrumStats& b) {
        pr = std::max(pr, relErr(a.pr, b.pr));
        for (size_t k = 0; k < b.energy.size(); ++k) energy = std::max(energy, relErr(a.energy[k], b.energy[k]));
    };
    energies(f.universal, x.universal);
    for (size_t t = 0; t < x.types.size(); ++t) {
        energies(f.types[t].spectrum, x.types[t].spectrum);
        for (size_t k = 0; k < x.types[t].r2Universal.size(); ++k)
            r2 = std::max(r2, relErr(f.types[t].r2Universal[k], x.types[t].r2Universal[k]));
    }
    double floorMax = 0;
    for (size_t i = 0; i < x.matrices.size(); ++i) {
        const MatrixResult &a = f.matrices[i], &b = x.matrices[i];
        pr = std::max(pr, relErr(a.pr, b.pr));
        sigma = std::max(sigma, relErr(a.sigmaMax, b.sigmaMax));
        floorMax = std::max(floorMax, std::sqrt(a.lambdaFloor) / std::max(a.sigmaMax, 1e-300));
        // Per-matrix energy curve from the singular values.
        double ta = 0, tb = 0, ca = 0, cb = 0;
        for (size_t k = 0; k < b.singularValues.size(); ++k) {
            ta += a.singularValues[k] * a.singularValues[k];
            tb += b.singularValues[k] * b.singularValues[k];
        }
        for (size_t k = 0; k < b.singularValues.size(); ++k) {
            ca += a.singularValues[k] * a.singularValues[k];
            cb += b.singularValues[k] * b.singularValues[k];
            energy = std::max(energy, relErr(ca / ta, cb / tb));
        }
    }
    std::printf("RESULT pr=%.3e energy=%.3e r2=%.3e sigma_max=%.3e floor_over_sigma_max=%.3e\n", pr, energy, r2, sigma,
                floorMax);
    return 0;
}

int childNaive(const std::string& model, int layers, int threads) {
    torch::set_num_threads(threads);
    const auto t0 = std::chrono::steady_clock::now();
    auto ckpt = openCheckpoint(model);
    const auto inv = buildInventory(*ckpt);
    const int d = inv.dModel;
    std::map<int, torch::Tensor> grams;
    double layerSeconds = 0, fixedSeconds = 0;
    int counted = 0;
    for (const auto& m : inv.matrices) {
        if (layers > 0 && m.layer >= layers) continue;
        const auto t1 = std::chrono::steady_clock::now();
        std::vector<float> w = readMatrix(*ckpt, m);
        auto W = torch::from_blob(w.data(), {m.rows, m.cols}, torch::kFloat32).to(torch::kFloat64);
        if (!m.inputSide) W = W.t();
        auto [U, S, Vh] = torch::linalg::svd(W, false, c10::nullopt);
        auto G = (Vh.t() * S.square()).matmul(Vh);
        auto& acc = grams[static_cast<int>(m.type)];
        acc = acc.defined() ? acc + G : G;
        (m.layer >= 0 ? layerSeconds : fixedSeconds) += bench::secondsSince(t1);
        ++counted;
    }
    const auto t2 = std::chrono::steady_clock::now();
    torch::Tensor uni = torch::zeros({d, d}, torch::kFloat64);
    for (auto& [t, g] : grams) {
        uni += g;
        (void)torch::linalg::eigh(g, "L");
    }
    (void)torch::linalg::eigh(uni, "L");
    fixedSeconds += bench::secondsSince(t2);
    std::printf("RESULT seconds=%.3f layer_seconds=%.3f fixed_seconds=%.3f rss_mb=%.1f matrices=%d\n",
                bench::secondsSince(t0), layerSeconds, fixedSeconds, bench::peakRssMb(), counted);
    return 0;
}

double field(const bench::ChildRun& run, const std::string& key) {
    std::smatch m;
    if (std::regex_search(run.out, m, std::regex("\"?" + key + "\"?[=:] *([0-9.eE+-]+)"))) return std::stod(m[1]);
    std::cerr << "child (exit " << run.exitCode << ") output without " << key << ":\n" << run.out << "\n";
    std::exit(1);
}

std::vector<int> parseList(const std::string& s) {
    std::vector<int> v;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');) v.push_back(std::stoi(item));
    return v;
}

std::string ensureModel(const std::string& shape, int layers) {
    const std::string model =
        (fs::temp_directory_path() / ("ctscope-bench-" + shape + "-" + std::to_string(layers) + "L")).string();
    if (fs::exists(fs::path(model) / "model.safetensors.index.json")) return model;
    bench::ShapedModelOptions so;
    so.layers = layers;
    if (shape == "llama2-7b") {
        so.dModel = 4096;
        so.ffn = 11008;
        so.heads = 32;
        so.kvHeads = 32;
        so.vocab = 32000;
    }
    std::cout << "generating " << shape << "-shaped BF16 checkpoint (" << layers << " layers) in " << model << " ..."
              << std::flush;
    const auto t0 = std::chrono::steady_clock::now();
    const long long n = bench::writeShapedModel(model, so);
    std::cout << " " << n << " parameters in " << bench::secondsSince(t0) << " s" << std::endl;
    return model;
}

} // namespace

int main(int argc, char** argv) {
    std::string model, child, cacheDir, shape = "tinyllama", layersArg, precisionArg = "auto";
    std::string peerScript = "/work/shared/peers/peer_torch_spectra.py";
    int naiveLayers = 2, threads = 0;
    bool peer = true, peerSet = false, naive = false, accuracy = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--model") model = next();
        else if (a == "--shape") shape = next();
        else if (a == "--layers") layersArg = next();
        else if (a == "--naive-layers") naiveLayers = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--precision") precisionArg = next();
        else if (a == "--no-peer") peer = false, peerSet = true;
        else if (a == "--peer") peer = true, peerSet = true;
        else if (a == "--peer-script") peerScript = next();
        else if (a == "--naive") naive = true;
        else if (a == "--accuracy") accuracy = true;
        else if (a == "--child") child = next();
        else if (a == "--cache-dir") cacheDir = next();
        else {
            std::cerr << "usage: bench_analyze [--shape tinyllama|llama2-7b] [--layers N[,N...]] [--model DIR]\n"
                         "       [--threads N] [--precision auto|fast|exact] [--no-peer|--peer] [--peer-script PATH]\n"
                         "       [--naive] [--naive-layers N] [--accuracy]\n";
            return 2;
        }
    }
    const auto precision = precisionFromName(precisionArg);
    if (!precision || (shape != "tinyllama" && shape != "llama2-7b")) {
        std::cerr << "bench_analyze: bad --precision or --shape\n";
        return 2;
    }
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    try {
        if (child == "ours") return childOurs(model, cacheDir, threads, *precision);
        if (child == "naive") return childNaive(model, naiveLayers, threads);
        if (child == "accuracy") return childAccuracy(model, threads);
    } catch (const std::exception& e) {
        std::cerr << "bench_analyze: " << e.what() << "\n";
        return 1;
    }

    if (!peerSet) peer = shape == "tinyllama";  // the peer needs minutes per 7B-shaped layer
    std::vector<int> layerCounts = parseList(layersArg.empty() ? (shape == "tinyllama" ? "22" : "1,2") : layersArg);
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string th = std::to_string(threads);
    std::printf("threads: %d (OpenBLAS and torch use as many), precision: %s\n", threads, precisionArg.c_str());
    double prevSeconds = 0;
    int prevLayers = 0;
    for (const int layers : layerCounts) {
        const std::string m = model.empty() ? ensureModel(shape, layers) : model;
        const std::string cache =
            (fs::temp_directory_path() / ("ctscope-bench-cache-" + std::to_string(::getpid()))).string();
        const std::vector<std::string> ours{self, "--model", m, "--threads", th, "--precision", precisionArg,
                                            "--child", "ours", "--cache-dir", cache};
        const bench::ChildRun a = bench::runChild(ours);
        const bench::ChildRun cached = bench::runChild(ours);
        fs::remove_all(cache);
        const double tOurs = a.wallSeconds;
        std::printf("\nmodel: %s (%s-shaped, %d layers)\n", m.c_str(), shape.c_str(), layers);
        std::printf("ctscope analyze (%s) : %8.2f s wall (%.2f s streaming + %.2f s bases)   peak RSS %7.1f MB\n",
                    a.out.find("precision=fast") != std::string::npos ? "fast" : "exact", tOurs,
                    field(a, "stream_seconds"), field(a, "seconds") - field(a, "stream_seconds"), a.peakRssMb);
        std::printf("ctscope cached reopen  : %8.2f s wall   peak RSS %7.1f MB\n", cached.wallSeconds, cached.peakRssMb);
        std::printf("seconds per layer      : %8.2f (total / layers)", tOurs / layers);
        if (prevLayers > 0)
            std::printf("; marginal %.2f s per layer from %d to %d layers", (tOurs - prevSeconds) / (layers - prevLayers),
                        prevLayers, layers);
        std::printf("\n");
        prevSeconds = tOurs;
        prevLayers = layers;
        if (peer) {
            const bench::ChildRun p = bench::runChild({"/usr/bin/python3", peerScript, m});
            std::printf("PyTorch peer           : %8.2f s wall (%.2f s self-timed)   peak RSS %7.1f MB   (%s)\n",
                        p.wallSeconds, field(p, "total_s"), p.peakRssMb, peerScript.c_str());
            std::printf("speed-up vs peer       : %8.2f x wall   (target >= 5x; peak RSS target <= 1024 MB)\n",
                        p.wallSeconds / tOurs);
        }
        if (naive) {
            const bench::ChildRun n = bench::runChild({self, "--model", m, "--threads", th, "--child", "naive",
                                                       "--naive-layers", std::to_string(naiveLayers)});
            const int used = naiveLayers > 0 ? std::min(naiveLayers, layers) : layers;
            const double tNaive = field(n, "fixed_seconds") + field(n, "layer_seconds") * layers / used;
            std::printf("naive float64 SVD+vecs : %8.2f s (%s)   peak RSS %7.1f MB; %.2f x  -- not what a researcher "
                        "would run\n",
                        tNaive, used == layers ? "all layers" : "layers extrapolated", n.peakRssMb, tNaive / tOurs);
        }
        if (accuracy) {
            const bench::ChildRun acc = bench::runChild({self, "--model", m, "--threads", th, "--child", "accuracy"});
            std::printf("fast vs exact, max rel. error: PR %.2e, energy %.2e, R2 %.2e, sigma_max %.2e "
                        "(contract 1e-3); largest sqrt(floor)/sigma_max %.2e\n",
                        field(acc, "pr"), field(acc, "energy"), field(acc, "r2"), field(acc, "sigma_max"),
                        field(acc, "floor_over_sigma_max"));
        }
    }
    return 0;
}
