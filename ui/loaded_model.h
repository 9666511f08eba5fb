#pragma once
/// What an analysis hands to the window: the opened checkpoint (kept open for
/// fine-tuning) and its spectral analysis, shared read-only between threads.
#include "core/format/checkpoint.h"
#include "core/spectral/spectral_analysis.h"

#include <QMetaType>
#include <QString>

#include <memory>

namespace ctscope::ui {

struct LoadedModel {
    QString path;                                  ///< as requested ("demo" for the demo)
    std::shared_ptr<const Checkpoint> checkpoint;  ///< never null
    SpectralAnalysis analysis;
    double seconds = 0.0;     ///< wall time of open + analysis
    bool fromMemory = false;  ///< served from the in-memory cache

    /// Short name for titles: the file or folder name, or "demo (synthetic)".
    QString displayName() const;
};

using LoadedModelPtr = std::shared_ptr<const LoadedModel>;

}  // namespace ctscope::ui

Q_DECLARE_METATYPE(ctscope::ui::LoadedModelPtr)
