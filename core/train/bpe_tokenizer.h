#pragma once
/// SentencePiece-style BPE driven by per-token scores, for vocabularies that
/// come without a SentencePiece model: llama2.c `tokenizer.bin` and the GGUF
/// embedded vocabulary, and SentencePiece BPE `.model` files. Torch-free.
#include "core/train/tokenizer.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ctscope {

class ScoreBpeTokenizer : public Tokenizer {
public:
    /// Token kinds, numbered as GGUF's tokenizer.ggml.token_type.
    enum TokenType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

    /// `types` may be empty: kinds are then inferred from the names
    /// ("<unk>", "<s>", "</s>", "<0xHH>"). `kind` is returned by kind().
    ScoreBpeTokenizer(std::vector<std::string> tokens, std::vector<float> scores,
                      std::vector<int> types, std::string kind, bool addDummyPrefix = true,
                      bool removeExtraWhitespaces = false);

    /// Reads llama2.c's tokenizer.bin: int32 max_token_length, then per token
    /// float score, int32 length, bytes. Throws FormatError naming the file.
    static std::unique_ptr<ScoreBpeTokenizer> fromLlama2cFile(const std::string& path);

    /// Reads a SentencePiece model file (its protobuf, parsed here: linking
    /// libsentencepiece next to LibTorch clashes over their two protobuf
    /// runtimes). Accepts BPE models with the identity normaliser, which is
    /// what Llama-family tokenizers are; throws FormatError otherwise.
    static std::unique_ptr<ScoreBpeTokenizer> fromSentencePieceFile(const std::string& path);

    std::vector<int> encode(const std::string& text) const override;
    std::string decode(const std::vector<int>& ids) const override;
    std::string tokenPiece(int id) const override {
        return id >= 0 && id < vocabSize() ? m_tokens[static_cast<size_t>(id)] : std::string();
    }
    int vocabSize() const override { return static_cast<int>(m_tokens.size()); }
    std::string kind() const override { return m_kind; }

private:
    std::vector<std::string> m_tokens;
    std::vector<float> m_scores;
    std::vector<int> m_types;
    std::string m_kind;
    bool m_addDummyPrefix = true;
    bool m_removeExtraWhitespaces = false;
    /// Pieces a merge may produce (normal, user-defined), keyed by text.
    std::unordered_map<std::string_view, int> m_pieces;
    int m_byteIds[256];
    int m_unkId = 0;
};

} // namespace ctscope
