#pragma once
/// sweep.json, the record of a sweep: what it was made from (provenance:
/// ctscope version, command line, checkpoint identity and tensor-data hash,
/// data file and hash, tokenizer), with which options, its plan and, rewritten
/// as runs finish, its summary (L₀, baseline, whether it learns, the note).
/// Read and written by the engine, `ctscope sweep merge` and the window.
/// Torch-free; the header exposes nlohmann::json, so only core includes it.
#include "core/report/efficiency.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace ctscope {

/// Where a sweep's inputs came from, filled by runSweep() from the checkpoint.
struct SweepProvenance {
    std::string checkpointPath;
    std::string checkpointFormat;
    std::string checkpointIdentity;  ///< Checkpoint::identity(): paths, sizes, mtimes
    uint64_t checkpointBytes = 0;    ///< bytes of tensor data
    std::string tensorHash;          ///< ContentHash over every tensor's name, shape, dtype and bytes
    uint64_t dataBytes = 0;
    std::string dataHash;            ///< ContentHash of the data file
    std::string tokenizerKind;
    std::string tokenizerFile;       ///< empty: embedded in the checkpoint
    std::string tokenizerHash;       ///< of tokenizerFile, when there is one
};

/// Hash of a checkpoint's tensor data (names, dtypes, shapes and bytes, in
/// file order), and their total size. Reads every mapped byte once.
class Checkpoint;
std::string tensorDataHash(const Checkpoint& ckpt, uint64_t* bytes = nullptr);

/// The "summary" section: l0, full_mean, full_std, baseline_learns, note,
/// runs_finished, runs_planned (NaN written as null).
nlohmann::ordered_json sweepSummaryJson(const EfficiencyTable& t, int finished, int planned);

/// DIR/sweep.json parsed, or nullopt when absent or unreadable (never throws).
std::optional<nlohmann::ordered_json> readSweepJson(const std::string& dir);
/// Writes DIR/sweep.json atomically (2-space indent). Throws FormatError.
void writeSweepJson(const std::string& dir, const nlohmann::ordered_json& j);
/// The "config_key" of DIR/sweep.json: the hash of every option that changes
/// a run's numbers (empty when there is none).
std::string sweepConfigKey(const std::string& dir);

} // namespace ctscope
