#include "core/train/tokenizer.h"

#include "core/format/checkpoint.h"
#include "core/format/model_config.h"
#include "core/train/bpe_tokenizer.h"
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

std::unique_ptr<Tokenizer> openTokenizerFile(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) throw FormatError(path, "tokenizer file not found");
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".bin" || (ext != ".model" && looksLikeLlama2cBin(path)))
        return ScoreBpeTokenizer::fromLlama2cFile(path);
    return ScoreBpeTokenizer::fromSentencePieceFile(path);
}

std::unique_ptr<Tokenizer> openTokenizer(const TokenizerSource& source, const ModelConfig& config,
                                         const std::string& overrideFile, const std::string& checkpointPath) {
    std::unique_ptr<Tokenizer> tok;
    if (!overrideFile.empty()) {
        tok = openTokenizerFile(overrideFile);
    } else if (!source.tokenizerFile.empty()) {
        tok = openTokenizerFile(source.tokenizerFile);
    } else if (!source.tokens.empty()) {
        if (!source.ggufModel.empty() && source.ggufModel != "llama")
            throw FormatError(checkpointPath, "embedded tokenizer '" + source.ggufModel +
                                                  "' is not supported (only SentencePiece-style 'llama'); "
                                                  "pass --tokenizer FILE");
        tok = std::make_unique<ScoreBpeTokenizer>(source.tokens, source.scores, source.tokenTypes, "gguf");
    } else {
        throw FormatError(checkpointPath, "no tokenizer found with the checkpoint; pass --tokenizer FILE");
    }
    if (config.vocab > 0 && tok->vocabSize() > config.vocab)
        throw FormatError(overrideFile.empty() ? checkpointPath : overrideFile,
                          "tokenizer has " + std::to_string(tok->vocabSize()) + " tokens but the model only " +
                              std::to_string(config.vocab));
    tok->setSpecialIds(config.bosId, config.eosId);
    return tok;
}

} // namespace ctscope
