#include "core/train/tokenizer.h"

#include "core/format/checkpoint.h"
#include "core/format/model_config.h"
#include "core/train/bpe_tokenizer.h"
#include "core/train/hf_tokenizer.h"
#include "core/util/error.h"

#include <filesystem>
#include <fstream>

namespace ctscope {
namespace {

// A llama2.c tokenizer.bin starts with a small int32 (max_token_length); a
// SentencePiece model is a protobuf whose first byte is a field tag (0x0A).
bool looksLikeLlama2cBin(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char b[4] = {0, 0, 0, 0};
    if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
    const uint32_t v = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    return v > 0 && v <= 4096 && b[0] != 0x0A;
}

} // namespace

std::vector<int> Tokenizer::encodeWithSpecials(const std::string& text) const {
    std::vector<int> ids;
    if (m_addBos && m_bos >= 0) ids.push_back(m_bos);
    const std::vector<int> body = encode(text);
    ids.insert(ids.end(), body.begin(), body.end());
    if (m_addEos && m_eos >= 0) ids.push_back(m_eos);
    return ids;
}

std::string resolveTokenizerFile(const std::string& path) {
    if (!std::filesystem::is_directory(path)) return path;
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer.bin"}) {
        const auto f = std::filesystem::path(path) / name;
        if (std::filesystem::is_regular_file(f)) return f.string();
    }
    return {};
}

std::unique_ptr<Tokenizer> openTokenizerFile(const std::string& given) {
    const std::string path = resolveTokenizerFile(given);
    if (path.empty())
        throw FormatError(given, "folder holds no tokenizer.json, tokenizer.model or tokenizer.bin");
    if (!std::filesystem::is_regular_file(path)) throw FormatError(path, "tokenizer file not found");
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".json") return HfTokenizer::fromFile(path);
    if (ext == ".bin" || (ext != ".model" && looksLikeLlama2cBin(path)))
        return ScoreBpeTokenizer::fromLlama2cFile(path);
    return ScoreBpeTokenizer::fromSentencePieceFile(path);
}

std::unique_ptr<Tokenizer> openTokenizerAt(const std::string& path) {
    namespace fs = std::filesystem;
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".json" || ext == ".model") return openTokenizerFile(path);
    if (path != "demo" && !fs::exists(path)) throw FormatError(path, "no such file or folder");
    if (fs::is_directory(path) && !resolveTokenizerFile(path).empty()) {
        // A checkpoint folder gives its config's BOS/EOS and vocabulary size
        // too; a folder that is only a tokenizer opens as one.
        if (!fs::is_regular_file(fs::path(path) / "config.json")) return openTokenizerFile(path);
        std::unique_ptr<Checkpoint> ckpt;
        try {
            ckpt = openCheckpoint(path);
        } catch (const FormatError&) {
            return openTokenizerFile(path);
        }
        return openTokenizer(ckpt->tokenizer(), ckpt->config(), {}, ckpt->path());
    }
    // A checkpoint, with its own tokenizer. A .bin may instead be a llama2.c
    // tokenizer.bin: tried when it does not open as a checkpoint.
    std::unique_ptr<Checkpoint> ckpt;
    try {
        ckpt = openCheckpoint(path);
    } catch (const FormatError&) {
        if (ext == ".bin" && fs::is_regular_file(path) && looksLikeLlama2cBin(path)) return openTokenizerFile(path);
        throw;
    }
    return openTokenizer(ckpt->tokenizer(), ckpt->config(), {}, ckpt->path());
}

void copyTokenizerFiles(const std::string& given, const Tokenizer& tok, const std::string& dir) {
    namespace fs = std::filesystem;
    const std::string file = resolveTokenizerFile(given);
    const fs::path out(dir);
    const auto opts = fs::copy_options::overwrite_existing;
    if (fs::path(file).extension() == ".json") {
        fs::copy_file(file, out / "tokenizer.json", opts);
        const fs::path config = fs::path(file).parent_path() / "tokenizer_config.json";
        if (fs::is_regular_file(config)) fs::copy_file(config, out / "tokenizer_config.json", opts);
        return;
    }
    fs::copy_file(file, out / (tok.kind() == "llama2c" ? "tokenizer.bin" : "tokenizer.model"), opts);
}

std::unique_ptr<Tokenizer> openTokenizer(const TokenizerSource& source, const ModelConfig& config,
                                         const std::string& overrideFile, const std::string& checkpointPath) {
    std::unique_ptr<Tokenizer> tok;
    if (!overrideFile.empty()) {
        tok = openTokenizerFile(overrideFile);
    } else if (!source.tokenizerFile.empty()) {
        tok = openTokenizerFile(source.tokenizerFile);
    } else if (!source.tokens.empty()) {
        if (source.ggufModel == "gpt2") {
            tok = HfTokenizer::fromGguf(source, checkpointPath);
        } else if (!source.ggufModel.empty() && source.ggufModel != "llama") {
            throw FormatError(checkpointPath, "embedded tokenizer '" + source.ggufModel +
                                                  "' is not supported (only SentencePiece-style 'llama' and "
                                                  "byte-level BPE 'gpt2'); pass --tokenizer FILE");
        } else {
            tok = std::make_unique<ScoreBpeTokenizer>(source.tokens, source.scores, source.tokenTypes, "gguf");
        }
    } else {
        throw FormatError(checkpointPath, "no tokenizer found with the checkpoint; pass --tokenizer FILE");
    }
    if (config.vocab > 0 && tok->vocabSize() > config.vocab)
        throw FormatError(overrideFile.empty() ? checkpointPath : overrideFile,
                          "tokenizer has " + std::to_string(tok->vocabSize()) + " tokens but the model only " +
                              std::to_string(config.vocab));
    // A tokenizer.json with its tokenizer_config.json knows its own BOS/EOS
    // (Llama 3: <|begin_of_text|>); the others take the checkpoint's.
    if (!tok->ownsSpecialIds()) tok->setSpecialIds(config.bosId, config.eosId);
    return tok;
}

} // namespace ctscope
