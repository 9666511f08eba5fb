// runSweep: builds the model, tokenised data and frozen bases from a
// checkpoint and its spectral analysis, then runs the sweep engine.
#include "core/train/finetune_sweep.h"

#include "core/format/checkpoint.h"
#include "core/train/cpu_allocator.h"
#include "core/spectral/spectral_analysis.h"
#include "core/train/sweep_engine.h"
#include "core/train/tokenizer.h"
#include "core/util/content_hash.h"
#include "core/util/error.h"

#include <filesystem>

namespace ctscope {
namespace {

torch::Tensor basisRows(const Basis& b, int kMax, const std::string& what) {
    if (kMax > b.dim || b.rows.size() < static_cast<size_t>(b.dim) * static_cast<size_t>(kMax))
        throw std::runtime_error(what + " basis has " + std::to_string(b.dim) + " rows, " + std::to_string(kMax) +
                                 " needed");
    return torch::from_blob(const_cast<float*>(b.rows.data()), {kMax, b.dim}, torch::kFloat32).clone();
}

} // namespace

BasisProvider basisProviderFor(const SpectralAnalysis& analysis, int dModel) {
    return [&analysis, dModel](BasisKind kind, int seed, int kMax) {
        BasisTensors t;
        if (kind == BasisKind::Random) {
            auto rows = randomOrthonormalRows(dModel, kMax, 0xBA515ull + static_cast<uint64_t>(seed));
            t.rows.fill(rows);
            return t;
        }
        if (analysis.dModel != dModel)
            throw std::runtime_error("spectral analysis is for d_model " + std::to_string(analysis.dModel) +
                                     ", the model has " + std::to_string(dModel));
        if (kind == BasisKind::Universal) {
            if (!analysis.universalBasis)
                throw std::runtime_error("the spectral analysis kept no bases (analyse with keepBases)");
            t.rows.fill(basisRows(*analysis.universalBasis, kMax, "universal"));
            return t;
        }
        for (int m = 0; m < kBlockMatrices; ++m) {
            const auto b = analysis.basisFor(static_cast<MatrixType>(m));
            if (!b)
                throw std::runtime_error(std::string("the spectral analysis has no per-type basis for ") +
                                         blockMatrixName(m));
            t.rows[static_cast<size_t>(m)] = basisRows(*b, kMax, blockMatrixName(m));
        }
        return t;
    };
}

SweepResult runSweep(const Checkpoint& ckpt, const SpectralAnalysis& analysis, const FinetuneOptions& opts,
                     const SweepCallbacks& callbacks) {
    if (opts.threads > 0) at::set_num_threads(opts.threads);
    installCachingCpuAllocator();  // steps reuse their large tensors instead of faulting in fresh pages
    auto say = [&callbacks](const std::string& s) {
        if (callbacks.onMessage) callbacks.onMessage(s);
    };
    const DeviceKind device = resolveDevice(opts.device);  // before any work: --device cuda without one fails here
    auto tok = openTokenizer(ckpt.tokenizer(), ckpt.config(), opts.tokenizerFile, ckpt.path());
    PackOptions po;
    po.seq = opts.seq;
    po.heldOutFraction = opts.heldOutFraction;
    po.heldOutWindows = opts.heldOutSequences;
    const PackedData data = packDocuments(readDocuments(opts.dataFile), *tok, po);
    say("data: " + std::to_string(data.train.size()) + " train windows, " + std::to_string(data.heldOut.size()) +
        " held-out windows of " + std::to_string(data.seq) + " tokens (" + tok->kind() + " tokenizer)");
    if (callbacks.shouldStop && callbacks.shouldStop()) {
        SweepResult r;
        r.cancelled = true;
        return r;
    }
    SweepProvenance prov;
    if (!opts.outDir.empty()) {
        prov.checkpointPath = ckpt.path();
        prov.checkpointFormat = ckpt.format();
        prov.checkpointIdentity = ckpt.identity();
        prov.tensorHash = tensorDataHash(ckpt, &prov.checkpointBytes);
        std::error_code ec;
        prov.dataBytes = std::filesystem::file_size(opts.dataFile, ec);
        prov.dataHash = ContentHash::ofFile(opts.dataFile);
        prov.tokenizerKind = tok->kind();
        prov.tokenizerFile = opts.tokenizerFile.empty() ? ckpt.tokenizer().tokenizerFile : opts.tokenizerFile;
        if (!prov.tokenizerFile.empty() && std::filesystem::is_regular_file(prov.tokenizerFile, ec))
            prov.tokenizerHash = ContentHash::ofFile(prov.tokenizerFile);
    }
    LlamaModel model(loadLlamaWeights(ckpt));
    model.moveTo(torchDevice(device));
    say("device: " + describeDevice(device));
    SweepResult result = runSweepOnModel(model, data, basisProviderFor(analysis, model.dModel()), opts, callbacks,
                                         nullptr, opts.outDir.empty() ? nullptr : &prov);
    if (!result.savedRunId.empty()) {
        // The saved folder carries the tokenizer it was trained with, so that
        // `ctscope eval` and other tools read it as it is.
        const std::string tokFile = opts.tokenizerFile.empty() ? ckpt.tokenizer().tokenizerFile : opts.tokenizerFile;
        if (!tokFile.empty()) {
            copyTokenizerFiles(tokFile, *tok, opts.saveDir);
        } else {
            say("the checkpoint's tokenizer is embedded (GGUF): pass --tokenizer FILE when evaluating " + opts.saveDir);
        }
    }
    return result;
}

} // namespace ctscope
