#pragma once
/// Progress reporting for long core operations. A callback returns false to
/// ask the operation to stop; the operation then throws ctscope::Cancelled
/// and leaves nothing half-written behind. Callbacks may be invoked from a
/// worker thread, never concurrently with themselves.
#include <functional>
#include <string>

namespace ctscope {

struct Progress {
    double fraction = 0.0;  ///< 0..1 of the whole operation
    std::string stage;      ///< short human label, e.g. "reading", "eigen"
    std::string item;       ///< what is being worked on, e.g. a tensor name
};

using ProgressFn = std::function<bool(const Progress&)>;

} // namespace ctscope
