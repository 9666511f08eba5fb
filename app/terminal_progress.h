#pragma once
/// A one-line progress bar on stderr when it is a terminal; silent otherwise.
/// It shows the time elapsed and, after a few seconds, an estimate of the
/// time left (from the fraction done, smoothed). Ctrl-C, SIGTERM or SIGHUP
/// during a long operation asks it to stop cleanly (update() → false; see
/// StopSignals).
#include "core/util/progress.h"

#include <chrono>
#include <string>

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

    /// "42s", "3:07", "1:02:03": a duration in seconds as the line shows it.
    static std::string formatDuration(double seconds);
    /// The smoothed seconds left after `elapsed` seconds at `fraction` done;
    /// negative while there is no estimate yet (under 3 s, or under 1 % done).
    /// Called by update(); public so that the estimate can be tested.
    double estimateLeft(double elapsed, double fraction);

private:
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last{};
    double m_eta = -1.0;      // smoothed seconds left, < 0: none yet
    double m_etaAt = 0.0;     // elapsed seconds when m_eta was computed
};

} // namespace ctscope::cli
