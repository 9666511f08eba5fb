#include "core/report/sweep_record.h"

#include "core/format/checkpoint.h"
#include "core/util/atomic_file.h"
#include "core/util/content_hash.h"
#include "core/util/error.h"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace ctscope {

std::string tensorDataHash(const Checkpoint& ckpt, uint64_t* bytes) {
    ContentHash h;
    uint64_t total = 0;
    for (const TensorInfo& t : ckpt.tensors()) {
        h.update(t.name);
        const auto dtype = static_cast<int32_t>(t.dtype);
        h.update(&dtype, sizeof dtype);
        for (int64_t d : t.shape) h.update(&d, sizeof d);
        if (t.data) h.update(t.data, static_cast<size_t>(t.nbytes));
        total += t.nbytes;
    }
    if (bytes) *bytes = total;
    return h.hex();
}

nlohmann::ordered_json sweepSummaryJson(const EfficiencyTable& t, int finished, int planned) {
    auto num = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
    return {{"l0", num(t.l0)},
            {"full_mean", num(t.fullMean)},
            {"full_std", num(t.fullSpread)},
            {"baseline_learns", t.baselineLearns},
            {"note", t.note},
            {"runs_finished", finished},
            {"runs_planned", planned}};
}

std::optional<nlohmann::ordered_json> readSweepJson(const std::string& dir) {
    try {
        std::ifstream in(std::filesystem::path(dir) / "sweep.json");
        if (!in) return std::nullopt;
        return nlohmann::ordered_json::parse(in);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void writeSweepJson(const std::string& dir, const nlohmann::ordered_json& j) {
    const std::string path = (std::filesystem::path(dir) / "sweep.json").string();
    try {
        writeFileAtomically(path, j.dump(2) + "\n");
    } catch (const std::runtime_error& e) {
        throw FormatError(path, e.what());
    }
}

std::string sweepConfigKey(const std::string& dir) {
    const auto j = readSweepJson(dir);
    if (!j || !j->contains("config_key") || !(*j)["config_key"].is_string()) return {};
    return (*j)["config_key"].get<std::string>();
}

} // namespace ctscope
