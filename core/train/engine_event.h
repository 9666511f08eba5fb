#pragma once
/// One line of the engine's progress stream (`ctscope-engine finetune ...
/// --progress json`, see docs/engine-protocol.md): one JSON object per line
/// on stdout, told apart by "event". Step records carry exactly the fields of
/// a metrics.jsonl line; the window reads this stream to follow a sweep that
/// runs in the engine process. Torch-free; encode and parse live together.
#include "core/train/finetune_types.h"
#include "core/util/progress.h"

#include <string>

namespace ctscope {

struct EngineEvent {
    enum class Kind {
        Started,      ///< the sweep begins: out, runs (planned in this process), version
        Analysis,     ///< spectral analysis for the bases: fraction, stage, item
        Message,      ///< a log line: text
        Step,         ///< one metrics record: step
        RunFinished,  ///< a run ended: run (spec, trainable, start/final loss, completed; no steps)
        Done,         ///< the sweep ended: cancelled, runs (finished), out, savedRun
        Error,        ///< the command failed: text (also on stderr; exit status 1)
        Unknown       ///< an event name this reader does not know (ignore it: newer engine)
    };
    Kind kind = Kind::Unknown;
    std::string name;  ///< the "event" value as read
    std::string text;  ///< Message, Error
    Progress progress; ///< Analysis
    StepMetrics step;  ///< Step
    RunResult run;     ///< RunFinished
    std::string outDir;    ///< Started, Done
    std::string version;   ///< Started
    std::string savedRun;  ///< Done (empty: nothing saved)
    int runs = 0;          ///< Started: planned; Done: finished (kept ones included)
    bool cancelled = false;  ///< Done
};

/// The protocol's lines (no newline).
std::string engineStartedLine(const std::string& outDir, int plannedRuns, const std::string& version);
std::string engineAnalysisLine(const Progress& p);
std::string engineMessageLine(const std::string& text);
/// {"event":"step"} followed by the metrics.jsonl fields of `m`.
std::string engineStepLine(const StepMetrics& m);
std::string engineRunFinishedLine(const RunResult& r);
std::string engineDoneLine(bool cancelled, int finishedRuns, const std::string& outDir, const std::string& savedRun);
std::string engineErrorLine(const std::string& text);

/// Parses one line. Throws FormatError naming `where` when it is not a JSON
/// object with a string "event", or when a known event lacks its fields.
EngineEvent parseEngineEvent(const std::string& line, const std::string& where = "engine progress");

} // namespace ctscope
