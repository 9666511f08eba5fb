#include "app/terminal_progress.h"

#include "app/stop_signals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace ctscope::cli {

namespace {
constexpr double kEtaAfterSeconds = 3.0;  // before that the rate is mostly start-up cost
constexpr double kEtaAfterFraction = 0.01;
constexpr double kEtaWeight = 0.2;        // weight of the newest raw estimate
} // namespace

TerminalProgress::TerminalProgress(bool enabled)
    : m_enabled(enabled && ::isatty(STDERR_FILENO)), m_start(std::chrono::steady_clock::now()) {
    StopSignals::install();
}

TerminalProgress::~TerminalProgress() { finish(); }

bool TerminalProgress::interrupted() { return StopSignals::requested(); }

std::string TerminalProgress::formatDuration(double seconds) {
    const long s = std::lround(std::max(0.0, seconds));
    char b[32];
    if (s < 60)
        std::snprintf(b, sizeof b, "%lds", s);
    else if (s < 3600)
        std::snprintf(b, sizeof b, "%ld:%02ld", s / 60, s % 60);
    else
        std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return b;
}

double TerminalProgress::estimateLeft(double elapsed, double fraction) {
    if (elapsed < kEtaAfterSeconds || fraction < kEtaAfterFraction || fraction >= 1.0) return m_eta = -1.0;
    const double raw = elapsed * (1.0 - fraction) / fraction;
    if (m_eta < 0) {
        m_eta = raw;
    } else {
        // Age the previous estimate by the time passed, then blend in the new one.
        const double aged = std::max(0.0, m_eta - (elapsed - m_etaAt));
        m_eta = (1.0 - kEtaWeight) * aged + kEtaWeight * raw;
    }
    m_etaAt = elapsed;
    return m_eta;
}

bool TerminalProgress::update(const Progress& p) {
    if (m_enabled) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_last > std::chrono::milliseconds(100) || p.fraction >= 1.0) {
            m_last = now;
            const double elapsed = std::chrono::duration<double>(now - m_start).count();
            const double left = estimateLeft(elapsed, p.fraction);
            std::string times = formatDuration(elapsed);
            if (left >= 0) times += " ETA " + formatDuration(left);
            const int width = 30;
            const int filled = static_cast<int>(p.fraction * width + 0.5);
            std::string bar(static_cast<size_t>(filled), '#');
            bar.resize(width, '.');
            std::fprintf(stderr, "\r[%s] %3d%% %-8s %-28.28s %-18s", bar.c_str(),
                         static_cast<int>(p.fraction * 100 + 0.5), p.stage.c_str(), p.item.c_str(), times.c_str());
            std::fflush(stderr);
            m_drawn = true;
        }
    }
    return !StopSignals::requested();
}

void TerminalProgress::finish() {
    if (m_drawn) {
        std::fprintf(stderr, "\r%95s\r", "");
        std::fflush(stderr);
        m_drawn = false;
    }
}

} // namespace ctscope::cli
