#include "app/terminal_progress.h"

#include "app/stop_signals.h"

#include <cstdio>
#include <string>
#include <unistd.h>

namespace ctscope::cli {

TerminalProgress::TerminalProgress(bool enabled) : m_enabled(enabled && ::isatty(STDERR_FILENO)) {
    StopSignals::install();
}

TerminalProgress::~TerminalProgress() { finish(); }

bool TerminalProgress::interrupted() { return StopSignals::requested(); }

bool TerminalProgress::update(const Progress& p) {
    if (m_enabled) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_last > std::chrono::milliseconds(100) || p.fraction >= 1.0) {
            m_last = now;
            const int width = 30;
            const int filled = static_cast<int>(p.fraction * width + 0.5);
            std::string bar(static_cast<size_t>(filled), '#');
            bar.resize(width, '.');
            std::fprintf(stderr, "\r[%s] %3d%% %-8s %-40.40s", bar.c_str(), static_cast<int>(p.fraction * 100 + 0.5),
                         p.stage.c_str(), p.item.c_str());
            std::fflush(stderr);
            m_drawn = true;
        }
    }
    return !StopSignals::requested();
}

void TerminalProgress::finish() {
    if (m_drawn) {
        std::fprintf(stderr, "\r%90s\r", "");
        std::fflush(stderr);
        m_drawn = false;
    }
}

} // namespace ctscope::cli
