#include "core/train/finetune_args.h"

#include "core/report/metrics_io.h"
#include "core/train/sweep_shards.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <tuple>

namespace ctscope {

namespace {

template <typename T, typename F>
std::vector<T> parseNames(const std::vector<std::string>& names, const char* flag, F parse) {
    std::vector<T> out;
    for (const auto& n : names) {
        const auto v = parse(n);
        if (!v) throw UsageError(std::string("--") + flag + ": unknown value '" + n + "'");
        if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
    }
    return out;
}

template <typename T, typename F>
std::vector<std::string> names(const std::vector<T>& values, F name) {
    std::vector<std::string> out;
    for (const T& v : values) out.emplace_back(name(v));
    return out;
}

std::vector<std::string> defaultNames(const FinetuneOptions& d, const char* which) {
    const std::string w = which;
    if (w == "basis") return names(d.bases, basisName);
    if (w == "arms") return names(d.arms, armName);
    return names(d.params, ampParamName);
}

std::string exact(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

template <typename T, typename F>
std::string joined(const std::vector<T>& values, F text) {
    std::string s;
    for (const T& v : values) s += (s.empty() ? "" : ",") + text(v);
    return s;
}

std::string joinedNames(const std::vector<std::string>& values) {
    return joined(values, [](const std::string& s) { return s; });
}

} // namespace

const std::set<std::string>& finetuneOptionFlags() {
    static const std::set<std::string> flags{
        "data",  "tokenizer", "blocks",  "k",         "basis",          "arms",         "param",
        "steps", "seq",       "batch",   "seeds",     "lr-grid",        "heldout-fraction",
        "heldout-windows",    "threads", "device",  "prefix-cache-mb", "weight-decay", "out",
        "save",               "save-run",           "shard"};
    return flags;
}

const std::set<std::string>& finetuneOptionSwitches() {
    static const std::set<std::string> switches{"no-prefix-cache", "bf16", "resume"};
    return switches;
}

FinetuneOptions finetuneOptionsFromArgs(const Args& args) {
    FinetuneOptions o;
    const FinetuneOptions d;
    o.dataFile = args.get("data");
    o.tokenizerFile = args.get("tokenizer");
    o.blocks = args.getInt("blocks", d.blocks);
    o.ks = args.getIntList("k", d.ks);
    o.bases = parseNames<BasisKind>(args.getList("basis", defaultNames(d, "basis")), "basis", basisFromName);
    o.arms = parseNames<Arm>(args.getList("arms", defaultNames(d, "arms")), "arms", armFromName);
    o.params = parseNames<AmpParam>(args.getList("param", defaultNames(d, "param")), "param", ampParamFromName);
    o.steps = args.getInt("steps", d.steps);
    o.seq = args.getInt("seq", d.seq);
    o.batch = args.getInt("batch", d.batch);
    o.seeds = args.getInt("seeds", d.seeds);
    o.lrGrid = args.getDoubleList("lr-grid", {});
    o.heldOutFraction = args.getDouble("heldout-fraction", d.heldOutFraction);
    o.heldOutSequences = args.getInt("heldout-windows", d.heldOutSequences);
    o.threads = args.getInt("threads", d.threads);
    if (args.has("device") && !parseDeviceKind(args.get("device"), &o.device))
        throw UsageError("--device expects auto, cpu or cuda, got '" + args.get("device") + "'");
    o.bf16Autocast = args.has("bf16");
    o.prefixCache = !args.has("no-prefix-cache");
    o.prefixCacheMaxMB = args.getDouble("prefix-cache-mb", d.prefixCacheMaxMB);
    o.weightDecay = args.getDouble("weight-decay", d.weightDecay);
    o.outDir = args.get("out", kFinetuneDefaultOutDir);
    o.saveDir = args.get("save");
    o.saveRun = args.get("save-run");
    o.resume = args.has("resume");
    if (args.has("save-run") && o.saveDir.empty()) throw UsageError("--save-run needs --save DIR");
    if (o.blocks < 1 || o.steps < 1 || o.seq < 2 || o.batch < 1 || o.seeds < 1)
        throw UsageError("--blocks, --steps, --batch and --seeds must be at least 1, --seq at least 2");
    for (int k : o.ks)
        if (k < 1) throw UsageError("--k values must be at least 1");
    for (double lr : o.lrGrid)
        if (!(lr > 0)) throw UsageError("--lr-grid values must be positive");
    if (!(o.heldOutFraction > 0 && o.heldOutFraction < 1))
        throw UsageError("--heldout-fraction must lie strictly between 0 and 1");
    if (!(o.prefixCacheMaxMB >= 0)) throw UsageError("--prefix-cache-mb must not be negative");
    if (!(o.weightDecay >= 0)) throw UsageError("--weight-decay must not be negative");
    if (args.has("shard")) {
        try {
            std::tie(o.shardIndex, o.shardCount) = parseShard(args.get("shard"));
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        o.outDir = shardDir(o.outDir, o.shardIndex);
    }
    return o;
}

std::vector<std::string> finetuneArgs(const FinetuneOptions& o) {
    std::vector<std::string> a;
    auto flag = [&a](const char* name, const std::string& value) {
        a.push_back(std::string("--") + name);
        a.push_back(value);
    };
    if (!o.dataFile.empty()) flag("data", o.dataFile);
    if (!o.tokenizerFile.empty()) flag("tokenizer", o.tokenizerFile);
    flag("blocks", std::to_string(o.blocks));
    flag("k", joined(o.ks, [](int k) { return std::to_string(k); }));
    flag("basis", joinedNames(names(o.bases, basisName)));
    flag("arms", joinedNames(names(o.arms, armName)));
    flag("param", joinedNames(names(o.params, ampParamName)));
    flag("steps", std::to_string(o.steps));
    flag("seq", std::to_string(o.seq));
    flag("batch", std::to_string(o.batch));
    flag("seeds", std::to_string(o.seeds));
    if (!o.lrGrid.empty()) flag("lr-grid", joined(o.lrGrid, exact));
    flag("heldout-fraction", exact(o.heldOutFraction));
    flag("heldout-windows", std::to_string(o.heldOutSequences));
    flag("threads", std::to_string(o.threads));
    flag("device", deviceKindName(o.device));
    if (o.bf16Autocast) a.emplace_back("--bf16");
    if (!o.prefixCache) a.emplace_back("--no-prefix-cache");
    flag("prefix-cache-mb", exact(o.prefixCacheMaxMB));
    flag("weight-decay", exact(o.weightDecay));
    std::string out = o.outDir;
    if (o.shardCount > 1 || o.shardIndex != 0) {
        // outDir is the shard's own folder DIR/shards/i; --out names DIR.
        const std::string suffix = "/" + shardDir("", o.shardIndex);
        if (out.size() > suffix.size() && out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.resize(out.size() - suffix.size());
        flag("shard", std::to_string(o.shardIndex) + "/" + std::to_string(o.shardCount));
    }
    if (!out.empty()) flag("out", out);
    if (!o.saveDir.empty()) flag("save", o.saveDir);
    if (!o.saveRun.empty()) flag("save-run", o.saveRun);
    if (o.resume) a.emplace_back("--resume");
    return a;
}

} // namespace ctscope
