#include "core/spectral/update_analysis.h"

#include "core/format/checkpoint.h"
#include "core/spectral/linalg.h"
#include "core/util/error.h"

#include <cmath>
#include <limits>
#include <map>

namespace ctscope {

const UpdateTypeResult* UpdateAnalysis::type(MatrixType t) const {
    for (const auto& r : types)
        if (r.type == t) return &r;
    return nullptr;
}

namespace {

std::vector<double> toDouble(const Basis& b) { return std::vector<double>(b.rows.begin(), b.rows.end()); }

} // namespace

UpdateAnalysis analyzeUpdate(const Checkpoint& base, const Checkpoint& tuned, const SpectralAnalysis& ba,
                             const ProgressFn& progress) {
    const WeightInventory bi = buildInventory(base);
    const WeightInventory ti = buildInventory(tuned);
    if (bi.dModel != ti.dModel)
        throw FormatError(tuned.path(), "d_model " + std::to_string(ti.dModel) + " differs from the base's " +
                                            std::to_string(bi.dModel));
    if (!ba.universalBasis) throw std::invalid_argument("analyzeUpdate: the base analysis has no bases");
    std::map<std::pair<int, int>, const WeightMatrix*> tunedByKey;
    for (const auto& m : ti.matrices) tunedByKey[{static_cast<int>(m.type), m.layer}] = &m;

    const int d = bi.dModel;
    struct Acc {
        std::vector<double> gram;
        double delta = 0, base = 0;
    };
    std::map<MatrixType, Acc> acc;
    size_t done = 0;
    for (const WeightMatrix& m : bi.matrices) {
        const auto it = tunedByKey.find({static_cast<int>(m.type), m.layer});
        if (it == tunedByKey.end() || it->second->rows != m.rows || it->second->cols != m.cols)
            throw FormatError(tuned.path(), "no matrix matching '" + m.name + "' (" + std::to_string(m.rows) + "x" +
                                                std::to_string(m.cols) + ") of the base: shapes differ");
        std::vector<float> w0 = readMatrix(base, m);
        std::vector<float> w1 = readMatrix(tuned, *it->second);
        // A llama2.c/GGUF base and its Hugging Face fine-tune order q/k rows
        // differently (RoPE pairs); compare them in the base's order.
        if (m.type == Role::Q || m.type == Role::K)
            reorderRopeRows(w1.data(), static_cast<int>(m.rows), static_cast<int>(m.cols), base.config().headDim(), tuned.config().ropeLayout,
                            base.config().ropeLayout);
        Acc& a = acc[m.type];
        if (a.gram.empty()) a.gram.assign(static_cast<size_t>(d) * d, 0.0);
        for (size_t i = 0; i < w0.size(); ++i) {
            a.base += double(w0[i]) * w0[i];
            w1[i] -= w0[i];
            a.delta += double(w1[i]) * w1[i];
        }
        if (m.inputSide)
            linalg::addGramInputSide(w1.data(), m.rows, m.cols, a.gram.data());
        else
            linalg::addGramOutputSide(w1.data(), m.rows, m.cols, a.gram.data());
        ++done;
        if (progress && !progress(Progress{0.9 * done / bi.matrices.size(), "reading", m.name})) throw Cancelled();
    }
    UpdateAnalysis out;
    out.dModel = d;
    const std::vector<double> uni = toDouble(*ba.universalBasis);
    for (auto& [t, a] : acc) {
        linalg::symmetrize(a.gram.data(), d);
        UpdateTypeResult r;
        r.type = t;
        r.deltaNorm2 = a.delta;
        r.baseNorm2 = a.base;
        r.relChange = a.base > 0 ? std::sqrt(a.delta / a.base) : 0.0;
        double trace = 0;
        for (int i = 0; i < d; ++i) trace += a.gram[static_cast<size_t>(i) * d + i];
        if (trace > 0) {
            r.capturedUniversal = captureCurve(linalg::diagQuadratic(a.gram.data(), uni.data(), d), trace);
            if (auto b = ba.basisFor(t)) {
                const std::vector<double> tb = toDouble(*b);
                r.capturedType = captureCurve(linalg::diagQuadratic(a.gram.data(), tb.data(), d), trace);
            }
        } else {  // nothing moved: where it lies is undefined, not 0
            r.capturedUniversal.assign(static_cast<size_t>(d), std::numeric_limits<double>::quiet_NaN());
            r.capturedType = r.capturedUniversal;
        }
        out.types.push_back(std::move(r));
    }
    if (progress) progress(Progress{1.0, "done", ""});
    return out;
}

} // namespace ctscope
