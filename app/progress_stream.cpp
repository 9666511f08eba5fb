#include "app/progress_stream.h"

#include "app/stop_signals.h"
#include "core/train/engine_event.h"

#include <cstdio>

namespace ctscope::cli {

void ProgressStream::write(const std::string& line) const {
    if (!m_enabled) return;
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

bool ProgressStream::analysis(const Progress& p) {
    if (m_enabled) {
        const auto now = std::chrono::steady_clock::now();
        if (p.stage != m_stage || now - m_last >= std::chrono::milliseconds(100) || p.fraction >= 1.0) {
            m_stage = p.stage;
            m_last = now;
            write(engineAnalysisLine(p));
        }
    }
    return !StopSignals::requested();
}

} // namespace ctscope::cli
