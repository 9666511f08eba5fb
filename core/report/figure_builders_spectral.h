#pragma once
/// Builders of the spectral figures (the spectrum, energy, type-comparison
/// and frontier views) from one SpectralAnalysis. Each decides every number
/// and every series the figure shows; renderers add only pens. A null
/// analysis gives the figure's empty state (axes and a placeholder).
/// Pure functions: any thread.
#include "core/report/figure.h"
#include "core/spectral/spectral_analysis.h"

#include <string>
#include <vector>

namespace ctscope {

/// The matrices to draw: `requested` without indices outside [0, count), cut to `maxCurves`.
std::vector<int> curvesToDraw(const std::vector<int>& requested, int count, int maxCurves);
/// True when every curve has a type of its own, so curves are styled by type
/// (else by position). `types` holds each curve's type, in curve order.
bool styleByType(const std::vector<MatrixType>& types);
/// "L3 q (64×64)", or "embed (…)" outside the blocks.
std::string matrixLabel(const MatrixResult& m);
/// The style of the n-th of `shown` curves: {"type", "q"} or {"series", "n"}.
StyleKey curveStyle(MatrixType type, int n, bool byType);

/// The first layer's matrices and those outside the blocks (embed, head).
std::vector<int> defaultSpectrumSelection(const SpectralAnalysis& a);

/// The curves a per-matrix figure draws for a selection (empty: the default
/// selection) among the first `count` matrices: `shown` cut to `maxCurves`,
/// how many valid indices were asked for, and whether they are styled by type.
struct CurveSelection {
    std::vector<int> shown;
    int requested = 0;
    bool byType = false;
};
CurveSelection selectCurves(const SpectralAnalysis& a, const std::vector<int>& selection, int count, int maxCurves);

struct SpectrumFigureOptions {
    std::vector<int> selection;  ///< indices into matrices; empty: the default selection
    bool logLog = true;
    bool normalized = false;  ///< divide each spectrum by its σ_max
    int maxCurves = 16;
};
struct SpectrumFigure {
    FigureModel figure;
    std::vector<int> shown;  ///< matrix index of each series, in series order
    int requested = 0;       ///< valid indices asked for (may exceed shown)
};
/// "spectrum": σᵢ (or σᵢ/σ_max) against i = 1..n per matrix; on log axes
/// zeros are left out.
SpectrumFigure spectrumFigure(const SpectralAnalysis* a, const SpectrumFigureOptions& opts,
                              const std::string& modelName);

/// "energy": E(K) per type (when `perType`) and universal, K = 1..d, each
/// with its K50/K90 marks as an attached marker series; guides at 50%, 90%.
FigureModel energyFigure(const SpectralAnalysis* a, bool perType, const std::string& modelName);

/// One x position per type present: attention, then MLP, then embeddings,
/// 1 apart within a group and 1.6 between groups.
struct TypeSlot {
    MatrixType type = Role::Q;
    double position = 0;
};
std::vector<TypeSlot> typeSlots(const SpectralAnalysis& a);

/// "type_pr_k90": PR and K90 bars per type, universal PR and K90 as guides.
FigureModel typeStatsFigure(const SpectralAnalysis* a, const std::string& modelName);

/// The type comparison at K: the mean over types of R²_t(K) in each type's
/// own basis and in the universal basis (the frontier's row at K), their
/// ratio, and how much smaller the energy left out is.
struct TypeR2Summary {
    int k = 0;
    double meanType = 0, meanUniversal = 0;
    double gain = 0;          ///< meanType / meanUniversal (0 when undefined)
    double leftOutRatio = 0;  ///< (1 − meanUniversal) / (1 − meanType) (0 when undefined)
};
TypeR2Summary typeR2Summary(const SpectralAnalysis& a, int k);
/// The sentence the type comparison shows under its plots.
std::string typeR2SummaryText(const TypeR2Summary& s, int dModel);

/// "type_r2": R²_t(K) per type in its own basis and in the universal basis.
FigureModel typeR2Figure(const SpectralAnalysis* a, int k, const std::string& modelName);

/// "frontier_r2": mean R²(K) over types, K = 1..d, both bases, with marks at
/// `tableKs`; the subtitle quotes the gain at min(32, d).
FigureModel frontierFigure(const SpectralAnalysis* a, const std::vector<int>& tableKs, const std::string& modelName);

}  // namespace ctscope
