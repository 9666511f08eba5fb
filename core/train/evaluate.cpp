#include "core/train/evaluate.h"

#include "core/format/checkpoint.h"
#include "core/train/cpu_allocator.h"
#include "core/train/llama_model.h"
#include "core/train/text_data.h"
#include "core/train/tokenizer.h"
#include "core/util/error.h"

#include <chrono>

namespace ctscope {

EvalReport evaluateCheckpoint(const Checkpoint& ckpt, const EvalOptions& opts, const ProgressFn& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    if (opts.threads > 0) at::set_num_threads(opts.threads);
    installCachingCpuAllocator();  // steps reuse their large tensors instead of faulting in fresh pages
    auto tok = openTokenizer(ckpt.tokenizer(), ckpt.config(), opts.tokenizerFile, ckpt.path());
    const auto docs = readEvalDocuments(opts.dataFile, opts.docs);
    LlamaModel model(loadLlamaWeights(ckpt));
    model.moveTo(torchDevice(resolveDevice(opts.device)));
    const int ctx = std::max(2, model.config().maxSeq);

    torch::NoGradGuard noGrad;
    EvalReport r;
    r.contextLength = ctx;
    r.tokenizerKind = tok->kind();
    double total = 0.0;
    for (size_t i = 0; i < docs.size(); ++i) {
        if (progress && !progress(Progress{static_cast<double>(i) / docs.size(), "eval",
                                           "document " + std::to_string(i + 1)}))
            throw Cancelled();
        std::vector<int64_t> ids;
        if (tok->documentStartId() >= 0) ids.push_back(tok->documentStartId());
        for (int id : tok->encode(docs[i])) ids.push_back(id);
        if (static_cast<int>(ids.size()) > ctx) ids.resize(static_cast<size_t>(ctx));
        if (ids.size() < 2) continue;
        const int64_t n = static_cast<int64_t>(ids.size());
        auto input = torch::from_blob(ids.data(), {1, n}, torch::kInt64).to(model.device());
        auto logp = torch::log_softmax(model.forward(input.narrow(1, 0, n - 1)), -1);
        auto targets = input.narrow(1, 1, n - 1).unsqueeze(-1);
        total -= logp.gather(-1, targets).to(torch::kFloat64).sum().item<double>();
        r.tokens += n - 1;
        ++r.docs;
    }
    if (r.tokens == 0) throw std::runtime_error(opts.dataFile + ": no tokens to predict");
    r.loss = total / static_cast<double>(r.tokens);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress(Progress{1.0, "eval", ""});
    return r;
}

} // namespace ctscope
