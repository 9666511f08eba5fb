#include "core/report/smoothing.h"

#include <algorithm>
#include <cmath>

namespace ctscope {

std::vector<double> smoothEma(const std::vector<double>& y, double weight) {
    const double w = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.999);
    std::vector<double> out(y.size());
    double last = 0.0;
    int finite = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        if (!std::isfinite(y[i])) {
            out[i] = y[i];
            continue;
        }
        last = w * last + (1.0 - w) * y[i];
        ++finite;
        // Debiasing: s_t starts from 0, so divide by the weight mass 1 − wᵗ.
        const double debias = 1.0 - std::pow(w, finite);
        out[i] = debias > 0 ? last / debias : y[i];
    }
    return out;
}

} // namespace ctscope
