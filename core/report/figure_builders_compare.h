#pragma once
/// Builders of the comparison figures: checkpoints side by side (the overlay
/// view) and what a fine-tune moved (the update view). Each decides every
/// number and series its figure shows; renderers add only pens. No
/// checkpoints / no update give the figure's empty state (axes and a
/// placeholder). Pure functions: any thread.
#include "core/report/figure.h"
#include "core/spectral/spectral_analysis.h"
#include "core/spectral/update_analysis.h"

#include <optional>
#include <string>
#include <vector>

namespace ctscope {

/// One overlaid checkpoint: a display name and its analysis (not null).
struct OverlayCheckpoint {
    std::string name;
    const SpectralAnalysis* analysis = nullptr;
};

/// One x position of the overlay bars: a type, or the universal Gram (nullopt).
struct OverlaySlot {
    std::optional<MatrixType> type;
    double position = 0;
};

/// The types present in any checkpoint, attention, then MLP, then embeddings.
std::vector<MatrixType> overlayTypes(const std::vector<OverlayCheckpoint>& cps);
/// One slot per type of overlayTypes, 1 apart within a group and 1.5 between
/// groups, then the universal Gram 1.5 further; empty without checkpoints.
std::vector<OverlaySlot> overlaySlots(const std::vector<OverlayCheckpoint>& cps);

/// "overlay_pr" / "overlay_k90": one bar series per checkpoint, PR/d (or
/// K90/d) of each type and of the universal Gram, each over the checkpoint's
/// own d_model; a type a checkpoint lacks has no bar. Style {"checkpoint", "i"}.
FigureModel overlayBarsFigure(const std::vector<OverlayCheckpoint>& cps, bool k90);

/// "overlay_energy": E(K) against K/d (log axis, percent ticks at 1-2-5
/// steps down to one direction of the widest model) for the universal Gram
/// (nullopt) or one type, one curve per checkpoint that has it; the others
/// are named in the subtitle.
FigureModel overlayEnergyFigure(const std::vector<OverlayCheckpoint>& cps, std::optional<MatrixType> type);

/// The update table's row for one type at K: its values at K (NaN when the
/// curve is empty), K/d (what a random subspace captures), and each
/// captured fraction as a multiple of K/d (NaN when undefined).
struct UpdateCaptureRow {
    MatrixType type = Role::Q;
    double relChange = 0;
    double capturedUniversal = 0;
    double capturedType = 0;
    double kOverD = 0;
    double universalOverRandom = 0;
    double typeOverRandom = 0;
};
/// One row per type of `u`, in its order. `d` ≤ 0 takes u.dModel; K/d is NaN when d ≤ 0.
std::vector<UpdateCaptureRow> updateCaptureRows(const UpdateAnalysis& u, int k, int d = 0);

/// "update_captured": captured_type and captured_universal of `type` over
/// K = 1..n, the K/d diagonal ("random subspace (K/d)", style {"chance",
/// "random"}) and a vertical guide at `k`. `name` ("base → tuned") leads the
/// subtitle. `d` ≤ 0 takes u.dModel. Empty state when `type` is absent or d ≤ 0.
FigureModel updateFigure(const UpdateAnalysis& u, MatrixType type, int k, int d, const std::string& name);

}  // namespace ctscope
