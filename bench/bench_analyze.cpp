// Benchmark: `analyze` on a TinyLlama-shaped 1.1B BF16 sharded checkpoint
// against the naive method (per-matrix full SVD with LibTorch, then per-type
// Grams and their eigenvectors), in the same run. Each phase runs in its own
// child process so each peak RSS is its own.
//
//   bench_analyze [--model DIR] [--naive-layers N] [--threads N]
//
// --naive-layers N (default 2) runs the naive method on embed, head and the
// first N layers and extrapolates linearly to all layers (printed as such);
// --naive-layers 0 runs it on every layer.
#include "bench_common.h"
#include "tinyllama_shaped.h"

#include "core/format/checkpoint.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/spectral_analysis.h"

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <thread>
#include <unistd.h>

using namespace ctscope;
namespace fs = std::filesystem;

namespace {

int childOurs(const std::string& model, const std::string& cacheDir, int threads) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ckpt = openCheckpoint(model);
    AnalysisOptions o;
    o.cacheDir = cacheDir;
    o.threads = threads;
    auto a = analyzeCheckpoint(*ckpt, o);
    std::printf("RESULT seconds=%.3f rss_mb=%.1f universal_pr=%.4f matrices=%zu\n", bench::secondsSince(t0),
                bench::peakRssMb(), a.universal.pr, a.matrices.size());
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
        auto G = (Vh.t() * S.square()) .matmul(Vh);
        auto& acc = grams[static_cast<int>(m.type)];
        acc = acc.defined() ? acc + G : G;
        (m.layer >= 0 ? layerSeconds : fixedSeconds) += bench::secondsSince(t1);
        ++counted;
    }
    const auto t2 = std::chrono::steady_clock::now();
    torch::Tensor uni = torch::zeros({d, d}, torch::kFloat64);
    for (auto& [t, g] : grams) {
        uni += g;
        auto eig = torch::linalg::eigh(g, "L");
        (void)eig;
    }
    auto eu = torch::linalg::eigh(uni, "L");
    fixedSeconds += bench::secondsSince(t2);
    std::printf("RESULT seconds=%.3f layer_seconds=%.3f fixed_seconds=%.3f rss_mb=%.1f matrices=%d\n",
                bench::secondsSince(t0), layerSeconds, fixedSeconds, bench::peakRssMb(), counted);
    return 0;
}

double field(const std::string& out, const std::string& key) {
    std::smatch m;
    if (std::regex_search(out, m, std::regex(key + "=([0-9.eE+-]+)"))) return std::stod(m[1]);
    std::cerr << "child output without " << key << ":\n" << out << "\n";
    std::exit(1);
}

} // namespace

int main(int argc, char** argv) {
    std::string model, child, cacheDir;
    int naiveLayers = 2, threads = 0, totalLayers = 22;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--model") model = next();
        else if (a == "--naive-layers") naiveLayers = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--layers") totalLayers = std::stoi(next());
        else if (a == "--child") child = next();
        else if (a == "--cache-dir") cacheDir = next();
        else {
            std::cerr << "usage: bench_analyze [--model DIR] [--layers 22] [--naive-layers 2] [--threads N]\n";
            return 2;
        }
    }
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    try {
        if (child == "ours") return childOurs(model, cacheDir, threads);
        if (child == "naive") return childNaive(model, naiveLayers, threads);
    } catch (const std::exception& e) {
        std::cerr << "bench_analyze: " << e.what() << "\n";
        return 1;
    }

    if (model.empty()) {
        model = (fs::temp_directory_path() / ("ctscope-bench-tinyllama-" + std::to_string(totalLayers) + "L")).string();
        if (!fs::exists(fs::path(model) / "model.safetensors.index.json")) {
            std::cout << "generating TinyLlama-shaped BF16 checkpoint in " << model << " ..." << std::flush;
            const auto t0 = std::chrono::steady_clock::now();
            bench::ShapedModelOptions so;
            so.layers = totalLayers;
            const long long n = bench::writeShapedModel(model, so);
            std::cout << " " << n << " parameters in " << bench::secondsSince(t0) << " s\n";
        }
    }
    const std::string cache = (fs::temp_directory_path() / ("ctscope-bench-cache-" + std::to_string(::getpid()))).string();
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string base = self + " --model '" + model + "' --threads " + std::to_string(threads);

    const std::string ours = bench::capture(base + " --child ours --cache-dir '" + cache + "'");
    const std::string cached = bench::capture(base + " --child ours --cache-dir '" + cache + "'");
    const std::string naive = bench::capture(base + " --child naive --naive-layers " + std::to_string(naiveLayers));
    fs::remove_all(cache);

    const double tOurs = field(ours, "seconds"), tCached = field(cached, "seconds");
    const double tNaiveMeasured = field(naive, "seconds");
    const double tLayers = field(naive, "layer_seconds"), tFixed = field(naive, "fixed_seconds");
    const int usedLayers = naiveLayers > 0 ? std::min(naiveLayers, totalLayers) : totalLayers;
    const double tNaive = tFixed + tLayers * totalLayers / usedLayers;
    std::printf("model: %s (%d layers), threads: %d\n", model.c_str(), totalLayers, threads);
    std::printf("ctscope analyze      : %8.2f s   peak RSS %7.1f MB\n", tOurs, field(ours, "rss_mb"));
    std::printf("ctscope cached reopen: %8.2f s   peak RSS %7.1f MB\n", tCached, field(cached, "rss_mb"));
    std::printf("naive (LibTorch SVD) : %8.2f s   peak RSS %7.1f MB   (%s)\n", tNaive, field(naive, "rss_mb"),
                usedLayers == totalLayers ? "measured on all layers"
                                          : ("measured " + std::to_string(tNaiveMeasured).substr(0, 6) + " s on " +
                                             std::to_string(usedLayers) + " layers + embed/head, layers extrapolated")
                                                .c_str());
    std::printf("speed-up             : %8.2f x   (target >= 5x; peak RSS target <= 1024 MB; reopen < 1 s)\n",
                tNaive / tOurs);
    return 0;
}
