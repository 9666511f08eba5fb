// llama2.c checkpoints (Karpathy's run.c "version 0" export): a header of
// seven int32, then float32 arrays in a fixed order.
#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <cstring>
#include <filesystem>

namespace ctscope {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kHeaderBytes = 7 * sizeof(int32_t);

struct Header {
    int64_t dim, hidden, layers, heads, kvHeads, vocab, seq;
    bool shared;  ///< classifier weights = token embedding
};

Header readHeader(const MappedFile& f) {
    const std::string& file = f.path();
    if (f.size() >= 4 && std::memcmp(f.data(), "PK\x03\x04", 4) == 0)
        throw FormatError(file, "is a PyTorch (zip) checkpoint, not llama2.c: convert it to safetensors");
    if (f.size() < kHeaderBytes)
        throw FormatError(file, "file is " + std::to_string(f.size()) +
                                    " bytes, shorter than the 28-byte llama2.c header (truncated?)");
    int32_t h[7];
    std::memcpy(h, f.data(), sizeof h);
    const char* names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    // Bounds keep every product below 2^63 and every count in an int.
    const int64_t limits[7] = {1 << 16, 1 << 20, 1 << 12, 1 << 12, 1 << 12, 1 << 22, 1 << 20};
    for (int i = 0; i < 7; ++i) {
        const int64_t v = i == 5 ? (h[i] < 0 ? -int64_t{h[i]} : h[i]) : h[i];
        if (v < 1 || v > limits[i])
            throw FormatError(file, std::string("header field ") + names[i] + " is " + std::to_string(h[i]) +
                                        ", expected " + (i == 5 ? "a non-zero count of magnitude at most " : "1 to ") +
                                        std::to_string(limits[i]));
    }
    Header hd{h[0], h[1], h[2], h[3], h[4], h[5] < 0 ? -int64_t{h[5]} : h[5], h[6], h[5] > 0};
    if (hd.dim % hd.heads != 0)
        throw FormatError(file, "header: dim " + std::to_string(hd.dim) + " is not a multiple of n_heads " +
                                    std::to_string(hd.heads));
    if (hd.kvHeads > hd.heads || hd.heads % hd.kvHeads != 0)
        throw FormatError(file, "header: n_heads " + std::to_string(hd.heads) + " is not a multiple of n_kv_heads " +
                                    std::to_string(hd.kvHeads));
    if ((hd.dim / hd.heads) % 2 != 0)
        throw FormatError(file, "header: head size " + std::to_string(hd.dim / hd.heads) + " is odd; RoPE needs pairs");
    return hd;
}

std::string findTokenizer(const fs::path& dir, int64_t vocab) {
    const std::string v = std::to_string(vocab);
    for (const std::string& name :
         {std::string("tokenizer.model"), "tok" + v + ".model", std::string("tokenizer.bin"), "tok" + v + ".bin"}) {
        const fs::path p = dir / name;
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    return {};
}

}  // namespace

std::unique_ptr<Checkpoint> loadLlama2c(const std::string& file) {
    auto ck = std::make_unique<Checkpoint>();
    ck->m_path = file;
    ck->m_format = "llama2c";
    ck->m_files.push_back(std::make_shared<MappedFile>(file));
    const MappedFile& mf = *ck->m_files[0];
    const Header h = readHeader(mf);

    const int64_t hs = h.dim / h.heads;
    const int64_t qDim = h.heads * hs;
    const int64_t kvDim = h.kvHeads * hs;
    uint64_t pos = kHeaderBytes;  // running byte offset; the bounds above keep it from overflowing
    std::vector<TensorInfo>& ts = ck->m_tensors;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) {
        TensorInfo t;
        t.name = name;
        t.shape = std::move(shape);
        t.nbytes = static_cast<uint64_t>(*detail::numelChecked(t.shape)) * sizeof(float);
        t.fileIndex = 0;
        t.offset = pos;
        pos += t.nbytes;
        ts.push_back(std::move(t));
    };
    // Each stacked [L, ...] array becomes L per-layer tensors.
    auto perLayer = [&](const std::string& leaf, std::vector<int64_t> shape) {
        for (int64_t l = 0; l < h.layers; ++l) add("layers." + std::to_string(l) + "." + leaf, shape);
    };
    add("token_embedding_table", {h.vocab, h.dim});
    perLayer("rms_att_weight", {h.dim});
    perLayer("wq", {qDim, h.dim});
    perLayer("wk", {kvDim, h.dim});
    perLayer("wv", {kvDim, h.dim});
    perLayer("wo", {h.dim, qDim});
    perLayer("rms_ffn_weight", {h.dim});
    perLayer("w1", {h.hidden, h.dim});
    perLayer("w2", {h.dim, h.hidden});
    perLayer("w3", {h.hidden, h.dim});
    add("rms_final_weight", {h.dim});
    add("freq_cis_real", {h.seq, hs / 2});
    add("freq_cis_imag", {h.seq, hs / 2});
    if (!h.shared) add("wcls", {h.vocab, h.dim});

    if (pos != mf.size())
        throw FormatError(file, "file is " + std::to_string(mf.size()) + " bytes, but its header (dim " +
                                    std::to_string(h.dim) + ", hidden_dim " + std::to_string(h.hidden) + ", " +
                                    std::to_string(h.layers) + " layers, vocab " + std::to_string(h.vocab) +
                                    (h.shared ? "" : " unshared") + ", seq_len " + std::to_string(h.seq) + ") needs " +
                                    std::to_string(pos) + " bytes" +
                                    (mf.size() < pos ? " (truncated)" : " (trailing bytes)"));
    for (TensorInfo& t : ts) t.data = mf.data() + t.offset;

    ModelConfig& c = ck->m_config;
    c.arch = "llama";
    c.dModel = static_cast<int>(h.dim);
    c.nLayers = static_cast<int>(h.layers);
    c.nHeads = static_cast<int>(h.heads);
    c.nKvHeads = static_cast<int>(h.kvHeads);
    c.ffnDim = static_cast<int>(h.hidden);
    c.vocab = static_cast<int>(h.vocab);
    c.maxSeq = static_cast<int>(h.seq);
    c.ropeLayout = RopeLayout::Interleaved;
    c.ropeTheta = 10000.0;
    c.normEps = 1e-5;
    c.tiedEmbeddings = h.shared;
    c.bosId = 1;
    c.eosId = 2;

    const fs::path dir = fs::path(file).parent_path();
    ck->m_tokenizer.tokenizerFile = findTokenizer(dir.empty() ? fs::path(".") : dir, h.vocab);
    detail::checkShapesAgainstConfig(*ck, true);
    return ck;
}

}  // namespace ctscope
