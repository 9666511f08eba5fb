#include "core/train/sweep_output.h"

#include "core/report/sweep_dir.h"
#include "core/train/sweep_shards.h"
#include "core/util/content_hash.h"

#include <filesystem>
#include <stdexcept>

namespace ctscope {

namespace fs = std::filesystem;

namespace {

std::string packedDataHash(const PackedData& d) {
    ContentHash h;
    for (const auto* split : {&d.train, &d.heldOut}) {
        const uint64_t n = split->size();
        h.update(&n, sizeof n);
        for (const TokenWindow& w : *split) {
            h.update(w.tokens.data(), w.tokens.size() * sizeof(int));
            h.update(w.mask.data(), w.mask.size());
        }
    }
    return h.hex();
}

nlohmann::ordered_json optionsJson(const FinetuneOptions& o) {
    std::vector<std::string> bases, arms, params;
    for (BasisKind b : o.bases) bases.emplace_back(basisName(b));
    for (Arm a : o.arms) arms.emplace_back(armName(a));
    for (AmpParam p : o.params) params.emplace_back(ampParamName(p));
    return {{"data", o.dataFile},
            {"tokenizer", o.tokenizerFile},
            {"blocks", o.blocks},
            {"ks", o.ks},
            {"bases", bases},
            {"arms", arms},
            {"params", params},
            {"steps", o.steps},
            {"seq", o.seq},
            {"batch", o.batch},
            {"seeds", o.seeds},
            {"lr_grid", o.lrGrid},
            {"lr_grid_full", lrGridFor(o, Arm::Full)},
            {"lr_grid_amp", lrGridFor(o, Arm::Amp)},
            {"lr_grid_lora", lrGridFor(o, Arm::Lora)},
            {"heldout_fraction", o.heldOutFraction},
            {"heldout_windows", o.heldOutSequences},
            {"threads", o.threads},
            {"prefix_cache", o.prefixCache},
            {"prefix_cache_max_mb", o.prefixCacheMaxMB},
            {"weight_decay", o.weightDecay},
            {"optimizer", "AdamW"},
            {"schedule", "constant"},
            {"out", o.outDir},
            {"save", o.saveDir},
            {"save_run", o.saveRun},
            {"resume", o.resume},
            {"shard", std::to_string(o.shardIndex) + "/" + std::to_string(o.shardCount)}};
}

} // namespace

SweepOutput::SweepOutput(const FinetuneOptions& opts, const ModelConfig& c, const PackedData& data, int firstBlock,
                         const std::vector<PlannedArm>& arms, const std::vector<RunSpec>& planned, int kMax,
                         const SweepProvenance* prov)
    : m_opts(opts), m_dir(opts.outDir), m_planned(static_cast<int>(planned.size())) {
    const ExistingSweep existing = inspectSweepDir(m_dir);
    if (existing.present && !opts.resume)
        throw std::runtime_error(m_dir + " already holds a sweep (" + existing.describe() +
                                 "): resume it (--resume) or move it aside (--overwrite)");
    fs::create_directories(m_dir);

    // Everything that changes a run's numbers, and nothing that does not
    // (threads, the prefix cache, the output folder, the K list beyond kMax).
    const nlohmann::ordered_json keyed{{"engine", 1},
                                       {"tensors", prov ? prov->tensorHash : std::string()},
                                       {"data_windows", packedDataHash(data)},
                                       {"first_trained_block", firstBlock},
                                       {"steps", opts.steps},
                                       {"batch", opts.batch},
                                       {"weight_decay", opts.weightDecay},
                                       {"basis_rows", kMax}};
    m_configKey = ContentHash::toHex(ContentHash::of(keyed.dump().data(), keyed.dump().size()));

    const std::string metrics = (fs::path(m_dir) / "metrics.jsonl").string();
    if (opts.resume && fs::exists(metrics)) {
        m_previous = readMetricsLog(metrics);
        m_warnings = m_previous.warnings;
    }

    auto& j = m_record;
    j["ctscope_version"] = CTSCOPE_VERSION;
    j["command_line"] = opts.commandLine;
    j["config_key"] = m_configKey;
    j["config"] = keyed;
    if (prov) {
        j["checkpoint"] = {{"path", prov->checkpointPath},     {"format", prov->checkpointFormat},
                           {"identity", prov->checkpointIdentity}, {"tensor_bytes", prov->checkpointBytes},
                           {"tensor_hash", prov->tensorHash},  {"hash", "xxh64 over names, dtypes, shapes, bytes"}};
        j["tokenizer"] = {{"kind", prov->tokenizerKind}, {"file", prov->tokenizerFile}, {"hash", prov->tokenizerHash}};
    }
    j["model"] = {{"d_model", c.dModel}, {"layers", c.nLayers}, {"heads", c.nHeads}, {"kv_heads", c.nKvHeads},
                  {"ffn", c.ffnDim},     {"vocab", c.vocab},    {"first_trained_block", firstBlock}};
    j["data"] = {{"file", opts.dataFile},
                 {"bytes", prov ? prov->dataBytes : 0},
                 {"hash", prov ? prov->dataHash : std::string()},
                 {"windows_hash", keyed["data_windows"]},
                 {"seq", data.seq},
                 {"train_windows", data.train.size()},
                 {"heldout_windows", data.heldOut.size()},
                 {"train_tokens", data.trainTokens},
                 {"heldout_tokens", data.heldOutTokens},
                 {"split", data.splitByDocument ? "every k-th document" : "last fraction of the token stream"}};
    j["options"] = optionsJson(opts);
    auto& a = j["arms"] = nlohmann::ordered_json::array();
    for (const auto& p : arms) {
        nlohmann::ordered_json e{{"arm", armName(p.spec.arm)}, {"k", p.spec.k}, {"trainable", p.trainable},
                                 {"lr_grid", p.lrs}};
        if (p.spec.arm == Arm::Amp) {
            e["basis"] = basisName(p.spec.basis);
            e["param"] = ampParamName(p.spec.param);
        }
        if (p.spec.arm == Arm::Lora) e["match_k"] = p.spec.matchK;
        a.push_back(e);
    }
    if (opts.shardCount > 1) {
        std::vector<std::string> ids;
        for (const RunSpec& r : planned) ids.push_back(r.id());
        j["shard"] = {{"index", opts.shardIndex}, {"count", opts.shardCount}, {"baseline_shard", kBaselineShard},
                      {"runs", ids}};
    }
    j["summary"] = sweepSummaryJson(EfficiencyTable{}, 0, m_planned);
    writeSweepJson(m_dir, j);
    m_writer = std::make_unique<MetricsWriter>(metrics);
}

const RunResult* SweepOutput::finishedBefore(const RunSpec& spec) const {
    const LoggedRun* r = m_previous.find(spec.id());
    if (!r || !r->run.completed || r->config != m_configKey) return nullptr;
    return &r->run;
}

void SweepOutput::startRun(const std::string& runId) {
    const int attempt = m_previous.attemptsOf(runId) + 1;
    m_previous.attempts[runId] = attempt;
    m_writer->writeRunStart(runId, attempt, m_configKey);
}

std::vector<RunResult> SweepOutput::baselineFromOwner(const std::vector<RunResult>& mine) const {
    std::vector<RunResult> out;
    if (m_opts.shardCount <= 1 || m_opts.shardIndex == kBaselineShard) return out;
    const fs::path owner = fs::path(m_dir).parent_path() / std::to_string(kBaselineShard);
    try {
        if (!fs::exists(owner / "metrics.jsonl")) return out;
        for (const LoggedRun& r : readMetricsLog((owner / "metrics.jsonl").string()).runs) {
            if (r.run.spec.arm != Arm::Full || !r.run.completed || r.config != m_configKey) continue;
            bool have = false;
            for (const RunResult& m : mine) have = have || m.spec.id() == r.run.spec.id();
            if (!have) out.push_back(r.run);
        }
    } catch (const std::exception&) {
        // The owner is mid-write or damaged: this shard's own summary goes
        // without a baseline; `sweep merge` computes the real one.
    }
    return out;
}

EfficiencyTable SweepOutput::writeSummary(const std::vector<RunResult>& runs) {
    std::vector<RunResult> all = runs;
    for (RunResult& r : baselineFromOwner(runs)) all.push_back(std::move(r));
    const EfficiencyTable t = computeEfficiency(all);
    writeSummaryCsv((fs::path(m_dir) / "summary.csv").string(), t);
    m_record["summary"] = sweepSummaryJson(t, static_cast<int>(runs.size()), m_planned);
    writeSweepJson(m_dir, m_record);
    return t;
}

} // namespace ctscope
