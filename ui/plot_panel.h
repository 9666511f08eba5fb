#pragma once
/// Base of every plotting view: a row of controls above one or more styled
/// QCustomPlots. Adds the shared interactions: hover shows the nearest
/// point's values, drag pans, the wheel zooms, a double-click or the
/// "Reset view" button restores the default ranges. GUI thread only.
#include "ui/figure_export.h"

#include <QList>
#include <QWidget>

class QBoxLayout;
class QHBoxLayout;
class QMouseEvent;
class QCustomPlot;

namespace ctscope::ui {

class PlotPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotPanel(QWidget* parent = nullptr);

    /// The figures this view offers for export, in display order.
    QList<Figure> figures() const { return m_figures; }

public slots:
    /// Restores the default axis ranges of every plot.
    virtual void resetView() = 0;

protected:
    QHBoxLayout* controlsRow() const { return m_controls; }
    /// The layout the plots go in (vertical by default).
    QBoxLayout* plotArea() const { return m_plotArea; }
    /// Creates a styled plot, registered for export as `id`, and adds it to
    /// `layout` (the plot area when null) with the given stretch.
    QCustomPlot* addPlot(const QString& id, QBoxLayout* layout = nullptr, int stretch = 1);
    /// Records the core figure `plot` was rendered from, so that exports
    /// write its CSV and JSON from the model.
    void setFigureModel(QCustomPlot* plot, FigureModel model);
    /// Adds the "Reset view" button at the right end of the controls row.
    void finishControls();

private:
    void showHover(QCustomPlot* plot, QMouseEvent* event);

    QHBoxLayout* m_controls = nullptr;
    QBoxLayout* m_plotArea = nullptr;
    QList<Figure> m_figures;
};

}  // namespace ctscope::ui
