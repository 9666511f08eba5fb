#pragma once
/// A Hugging Face `tokenizer.json` with a BPE model, encoded as the
/// `tokenizers` library does: added tokens are cut out of the raw text first,
/// the rest is normalised, pre-tokenized, and each piece BPE-merged by rank;
/// BOS/EOS follow the post-processor and tokenizer_config.json. A GGUF `gpt2`
/// vocabulary (tokens, merges, token types, tokenizer.ggml.pre) builds the
/// same pipeline. Torch-free.
#include "core/train/added_tokens.h"
#include "core/train/bpe_merges.h"
#include "core/train/pre_tokenizer.h"
#include "core/train/text_normalizer.h"
#include "core/train/token_decoder.h"
#include "core/train/tokenizer.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ctscope {

struct TokenizerSource;

class HfTokenizer : public Tokenizer {
public:
    /// Reads `path` (a tokenizer.json) and the tokenizer_config.json beside
    /// it when there is one. Throws FormatError naming the file and what it
    /// does not support (only the BPE model is implemented).
    static std::unique_ptr<HfTokenizer> fromFile(const std::string& path);
    /// From parsed tokenizer.json and tokenizer_config.json (null: none);
    /// `file` names them in errors.
    static std::unique_ptr<HfTokenizer> fromJson(const nlohmann::json& tokenizer, const nlohmann::json& config,
                                                 const std::string& file);
    /// A GGUF `gpt2` vocabulary: tokens, merges and token types from
    /// `source`, the normalizer and pre-tokenizer chosen by
    /// tokenizer.ggml.pre (llama-bpe/llama3, qwen2, gpt2/default, starcoder
    /// and their aliases). Control and user-defined tokens are added tokens.
    /// BOS/EOS ids are left to openTokenizer (the GGUF's bos/eos_token_id).
    static std::unique_ptr<HfTokenizer> fromGguf(const TokenizerSource& source, const std::string& file);

    std::vector<int> encode(const std::string& text) const override;
    std::string decode(const std::vector<int>& ids) const override;
    std::string tokenPiece(int id) const override;
    int vocabSize() const override { return m_size; }
    std::string kind() const override { return m_kind; }

    /// The id of a token (added tokens first, then the model's vocabulary), or -1.
    int tokenId(const std::string& content) const;

private:
    HfTokenizer() = default;
    void finish();

    tok::TextNormalizer m_normalizer;
    tok::PreTokenizer m_pre;
    std::unique_ptr<tok::BpeModel> m_model;
    tok::AddedTokens m_added;
    tok::TokenDecoder m_decoder;
    std::string m_kind = "hf-bpe";
    int m_size = 0;
};

} // namespace ctscope
