#include "core/spectral/spectrum_stats.h"

#include <algorithm>
#include <functional>

namespace ctscope {

int SpectrumStats::kAt(double tau) const {
    // A small tolerance keeps E(K) = 0.5 exactly (up to round-off) at K.
    const double target = tau - 1e-12;
    auto it = std::lower_bound(energy.begin(), energy.end(), target);
    if (it == energy.end()) return static_cast<int>(energy.size());
    return static_cast<int>(it - energy.begin()) + 1;
}

double SpectrumStats::energyAt(int k) const {
    if (energy.empty()) return 0.0;
    k = std::clamp(k, 1, static_cast<int>(energy.size()));
    return energy[static_cast<size_t>(k - 1)];
}

SpectrumStats makeSpectrumStats(std::vector<double> eigenvalues) {
    SpectrumStats s;
    for (double& l : eigenvalues)
        if (!(l > 0.0)) l = 0.0;  // round-off negatives and NaN-free by construction
    std::sort(eigenvalues.begin(), eigenvalues.end(), std::greater<>());
    double sum = 0.0, sumSq = 0.0;
    for (double l : eigenvalues) {
        sum += l;
        sumSq += l * l;
    }
    s.total = sum;
    s.pr = sumSq > 0.0 ? sum * sum / sumSq : 0.0;
    s.energy.resize(eigenvalues.size());
    double run = 0.0;
    for (size_t i = 0; i < eigenvalues.size(); ++i) {
        run += eigenvalues[i];
        s.energy[i] = sum > 0.0 ? run / sum : 0.0;
    }
    if (!s.energy.empty() && sum > 0.0) s.energy.back() = 1.0;  // exact by definition
    s.eigenvalues = std::move(eigenvalues);
    s.k50 = s.kAt(0.5);
    s.k90 = s.kAt(0.9);
    return s;
}

std::vector<double> captureCurve(const std::vector<double>& diagBtGB, double traceG) {
    std::vector<double> out(diagBtGB.size());
    double run = 0.0;
    for (size_t i = 0; i < diagBtGB.size(); ++i) {
        run += diagBtGB[i];
        out[i] = traceG > 0.0 ? run / traceG : 0.0;
    }
    return out;
}

} // namespace ctscope
