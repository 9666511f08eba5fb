#pragma once
/// Builders of the WeightWatcher figures (the Heavy tails and Alpha views):
/// the ESD histogram and its complementary CDF with each matrix's power-law
/// fit from xmin, alpha by layer over WeightWatcher's guide bands, and alpha
/// per type beside PR / d and K90 / d. The fits are computed once per model
/// (wwMatrixMetrics, analyzeWw) and passed in; the builders decide every bin,
/// point, line and range. A null analysis gives the empty state.
/// Pure functions: any thread.
#include "core/report/figure.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/ww_metrics.h"

#include <string>
#include <utility>
#include <vector>

namespace ctscope {

struct WwTailsFigureOptions {
    std::vector<int> selection;  ///< indices into matrices; empty: defaultSpectrumSelection
    int bins = 30;               ///< logarithmic bins of the histogram
    int maxCurves = 9;
};

/// One tails figure and where each shown matrix's parts are in it.
struct WwTailsFigure {
    FigureModel figure;
    std::vector<int> shown;       ///< matrix index per shown matrix
    std::vector<int> dataSeries;  ///< its histogram / CCDF series, or -1 (no eigenvalue above the threshold)
    std::vector<int> fitSeries;   ///< its power-law series, or -1 (the fit failed)
    std::vector<int> xminGuide;   ///< its xmin guide in figure.guides, or -1
    int requested = 0;            ///< valid indices asked for (may exceed shown)
};

/// The eigenvalues WeightWatcher fits (λ = σ² above kWwEvalsThresh), ascending.
std::vector<double> wwFittedEigenvalues(const MatrixResult& m);

/// "ww_esd": per matrix, the density ρ(λ) in `bins` equal logarithmic bins
/// from the smallest to the largest fitted eigenvalue (x: the bin's geometric
/// centre; empty bins left out), and the fitted density from xmin to xmax
/// scaled by the tail's share, tail/N · (α−1)/xmin · (λ/xmin)^−α, at 48
/// log-spaced points; xmin as a vertical guide. `metrics` is parallel to
/// a->matrices.
WwTailsFigure wwEsdFigure(const SpectralAnalysis* a, const std::vector<WwMatrixMetrics>& metrics,
                          const WwTailsFigureOptions& opts, const std::string& modelName);
/// "ww_ccdf": per matrix, P(Λ ≥ λᵢ) = (N − i)/N at each fitted eigenvalue
/// (i from 0, ascending), and the fitted survival tail/N · (λ/xmin)^(1−α).
WwTailsFigure wwCcdfFigure(const SpectralAnalysis* a, const std::vector<WwMatrixMetrics>& metrics,
                           const WwTailsFigureOptions& opts, const std::string& modelName);

/// "ww_alpha_layers" and where its parts are.
struct WwAlphaLayersFigure {
    FigureModel figure;
    /// The line (or, for embed and head, the points) of each type, by series index.
    std::vector<std::pair<MatrixType, int>> curves;
    /// The band names written beside the plot, at these α.
    std::vector<std::pair<double, std::string>> bandLabels;
};
/// Alpha of every fitted matrix against its layer, one line per type (embed
/// at −1 and head after the last layer, as filled points), over the bands
/// α < 2, 2–6 and > 6 (band series with no y), with guides at 2 and 6.
/// `ww.matrices` is parallel to a->matrices.
WwAlphaLayersFigure wwAlphaLayersFigure(const SpectralAnalysis* a, const WwAnalysis& ww, const std::string& modelName);

/// "ww_alpha_types" and the series drawn against the right axis.
struct WwAlphaTypesFigure {
    FigureModel figure;
    FigureAxis right;               ///< PR / d, K90 / d: 0 to 1.05
    std::vector<int> rightSeries;   ///< series drawn against `right`
    int stackedSeries = -1;         ///< the stacked-spectrum markers
};
/// Per type (in a->types order) and "all": bars of mean α ± s.d. over the
/// type's fitted matrices (NaN as 0), PR / d and K90 / d; markers at the α
/// of the stacked spectrum (NaN when its fit failed) over the α bar.
WwAlphaTypesFigure wwAlphaTypesFigure(const SpectralAnalysis* a, const WwAnalysis& ww);

/// "α over 36 matrices: 3.35 ± 1.60; stacked spectrum 3.26; 6 outside 2–6."
std::string wwAlphaSummaryText(const WwAnalysis& ww);

}  // namespace ctscope
