#include "core/spectral/ww_half_spectra.h"

#include "core/format/checkpoint.h"
#include "core/format/dtype.h"
#include "core/format/weight_inventory.h"
#include "core/spectral/linalg.h"
#include "core/util/error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace ctscope {

namespace {

constexpr int64_t kStreamRows = 4096;

void roundToHalf(std::vector<float>& w) {
    for (float& v : w) v = halfToFloat(floatToHalf(v));
}

/// λ of one matrix from its float16-rounded weights: the Gram on the smaller side.
std::vector<double> halfSpectrum(const Checkpoint& ckpt, const WeightMatrix& m) {
    const int64_t small = std::min(m.rows, m.cols);
    std::vector<double> g(static_cast<size_t>(small * small), 0.0);
    const TensorInfo* t = ckpt.find(m.tensor);
    if (t && !t->transposed && m.rows >= m.cols && m.rows > kStreamRows) {
        for (int64_t r0 = 0; r0 < m.rows; r0 += kStreamRows) {
            const int64_t n = std::min(kStreamRows, m.rows - r0);
            std::vector<float> block = ckpt.readRows(*t, m.rowBegin + r0, n);
            roundToHalf(block);
            linalg::addGramInputSide(block.data(), n, m.cols, g.data());
        }
    } else {
        std::vector<float> w = readMatrix(ckpt, m);
        roundToHalf(w);
        if (m.rows >= m.cols)
            linalg::addGramInputSide(w.data(), m.rows, m.cols, g.data());
        else
            linalg::addGramOutputSide(w.data(), m.rows, m.cols, g.data());
    }
    if (t) ckpt.release(*t);
    linalg::symmetrize(g.data(), small);
    std::vector<double> ev = linalg::eigenvalues(g.data(), small);
    for (double& v : ev)
        if (!(v > 0.0)) v = 0.0;  // round-off negatives, as the engine's spectra
    std::sort(ev.begin(), ev.end(), std::greater<>());
    return ev;
}

} // namespace

std::vector<std::vector<double>> halfPrecisionEigenvalues(const Checkpoint& ckpt, const SpectralAnalysis& a,
                                                          int threads, const ProgressFn& progress) {
    const WeightInventory inv = buildInventory(ckpt);
    std::map<std::string, const WeightMatrix*> byName;
    for (const WeightMatrix& m : inv.matrices) byName[m.name] = &m;
    std::vector<const WeightMatrix*> todo;
    for (const MatrixResult& r : a.matrices) {
        const auto it = byName.find(r.name);
        if (it == byName.end())
            throw FormatError(ckpt.path(), "matrix " + r.name + " of the analysis is not in this checkpoint");
        todo.push_back(it->second);
    }
    std::vector<std::vector<double>> out(todo.size());
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int workers = std::clamp(threads > 0 ? threads : hw, 1, std::max(1, static_cast<int>(todo.size())));
    std::atomic<size_t> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex mutex;
    const linalg::BlasThreadsGuard oneBlasThread(1);  // the workers share the cores
    auto work = [&] {
        for (size_t i = next++; i < todo.size() && !stop; i = next++) {
            try {
                out[i] = halfSpectrum(ckpt, *todo[i]);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!error) error = std::current_exception();
                stop = true;
            }
            ++done;
        }
    };
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w) pool.emplace_back(work);
    bool cancelled = false;
    while (done < todo.size() && !stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (progress && !progress(Progress{static_cast<double>(done) / todo.size(), "float16 spectra", ""})) {
            cancelled = true;
            stop = true;
        }
    }
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
    if (cancelled) throw Cancelled();
    return out;
}

} // namespace ctscope
