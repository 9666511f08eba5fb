#pragma once
/// `finetune --progress json`: writes the engine's progress stream (one
/// JSON object per line, core/train/engine_event.h, docs/engine-protocol.md)
/// to stdout, flushing every line so that a reader sees it at once. When
/// disabled every call does nothing. Main thread of the engine only.
#include "core/util/progress.h"

#include <chrono>
#include <string>

namespace ctscope::cli {

class ProgressStream {
public:
    explicit ProgressStream(bool enabled) : m_enabled(enabled) {}
    bool enabled() const { return m_enabled; }
    /// Writes `line` and a newline to stdout, then flushes.
    void write(const std::string& line) const;
    /// An analysis event at most every 100 ms (and on a new stage). Returns
    /// false once a stop signal was received, like TerminalProgress::update.
    bool analysis(const Progress& p);

private:
    bool m_enabled;
    std::string m_stage;
    std::chrono::steady_clock::time_point m_last{};
};

} // namespace ctscope::cli
