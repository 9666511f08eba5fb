#pragma once
/// A one-line progress bar on stderr when it is a terminal; silent otherwise.
/// Ctrl-C, SIGTERM or SIGHUP during a long operation asks it to stop cleanly
/// (update() → false; see StopSignals).
#include "core/util/progress.h"

#include <chrono>

namespace ctscope::cli {

class TerminalProgress {
public:
    explicit TerminalProgress(bool enabled);
    ~TerminalProgress();
    /// Draws at most every 100 ms. Returns false once a stop signal was received.
    bool update(const Progress& p);
    void finish();
    /// True once a stop signal arrived (the handlers are installed by the constructor).
    static bool interrupted();

private:
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_last{};
};

} // namespace ctscope::cli
