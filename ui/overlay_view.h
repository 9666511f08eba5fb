#pragma once
/// Checkpoints side by side (issue 6 §4). For two or more analyses, overlaid
/// so that models of different width compare:
///  - per-type PR/d and K90/d as grouped bars (types grouped attention, MLP,
///    embeddings, then the universal Gram), one bar per checkpoint;
///  - the energy curves E(K) on a K/d axis for the universal Gram or a
///    chosen type.
/// Checkpoint i keeps colour colorFor(i) in every plot. The figures come
/// from core/report/figure_builders_compare.h. GUI thread only.
#include "core/report/figure.h"
#include "core/spectral/spectral_analysis.h"
#include "ui/loaded_model.h"
#include "ui/plot_panel.h"

#include <QColor>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

class QComboBox;

namespace ctscope::ui {

/// One overlaid checkpoint: a display name and its analysis (shared, read-only).
struct OverlayEntry {
    QString name;
    std::shared_ptr<const SpectralAnalysis> analysis;
};

class OverlayView : public PlotPanel {
    Q_OBJECT
public:
    explicit OverlayView(QWidget* parent = nullptr);

    /// Replaces every checkpoint (entries with a null analysis are skipped).
    void setCheckpoints(const QList<OverlayEntry>& entries);
    /// Appends one checkpoint; it gets the next colour.
    void addCheckpoint(const QString& name, std::shared_ptr<const SpectralAnalysis> analysis);
    /// Appends a window's model under its display name (shares its analysis).
    void addModel(const LoadedModelPtr& model);
    void removeCheckpoint(int index);
    void clear();
    int checkpointCount() const { return static_cast<int>(m_entries.size()); }
    const QList<OverlayEntry>& checkpoints() const { return m_entries; }

    /// The energy curves show this type, or the universal Gram (nullopt).
    void setEnergyType(std::optional<MatrixType> type);
    std::optional<MatrixType> energyType() const;

    /// The colour of the i-th checkpoint (Okabe–Ito order, yellow skipped).
    static QColor colorFor(int index);

    QCustomPlot* prPlot() const { return m_prPlot; }
    QCustomPlot* k90Plot() const { return m_k90Plot; }
    QCustomPlot* energyPlot() const { return m_energyPlot; }

public slots:
    void resetView() override;

private:
    void rebuild();
    void rebuildTypeChoices();
    void rebuildBars();
    void rebuildEnergy();

    QList<OverlayEntry> m_entries;
    QComboBox* m_typeChoice = nullptr;
    QCustomPlot* m_prPlot = nullptr;
    QCustomPlot* m_k90Plot = nullptr;
    QCustomPlot* m_energyPlot = nullptr;
    FigureModel m_prFigure, m_k90Figure, m_energyFigure;
};

}  // namespace ctscope::ui
