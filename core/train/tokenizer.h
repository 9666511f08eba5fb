#pragma once
/// Text → token ids for Llama-family checkpoints. Torch-free.
///
/// Two families:
///  - SentencePiece-style BPE by scores (ScoreBpeTokenizer): a SentencePiece
///    `.model` (its protobuf read directly: libsentencepiece bundles a
///    protobuf runtime that clashes with LibTorch's in one process), a
///    llama2.c `tokenizer.bin`, or a GGUF `llama` vocabulary. All three give
///    the same ids for the same vocabulary.
///  - Hugging Face `tokenizer.json` (HfTokenizer): normalizer, pre-tokenizer,
///    rank-based BPE and added tokens, as the `tokenizers` library encodes;
///    also a GGUF `gpt2` vocabulary with merges, built the same way.
#include <memory>
#include <string>
#include <vector>

namespace ctscope {

struct TokenizerSource;
struct ModelConfig;

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    /// Ids of `text` without BOS/EOS (Hugging Face's add_special_tokens=False;
    /// added tokens written in the text are still matched). SentencePiece-style
    /// tokenizers give a non-empty text the dummy-prefix space. Thread-safe (const).
    virtual std::vector<int> encode(const std::string& text) const = 0;
    /// encode() with the BOS/EOS the tokenizer adds when asked for special
    /// tokens (addBos(), addEos()). Thread-safe (const).
    std::vector<int> encodeWithSpecials(const std::string& text) const;
    /// The text the ids stand for (for display).
    virtual std::string decode(const std::vector<int>& ids) const = 0;
    /// The vocabulary string of `id` ("▁the", "Ġthe", "<0x0A>", "<s>"); "" out of range.
    virtual std::string tokenPiece(int id) const = 0;
    virtual int vocabSize() const = 0;
    /// "sentencepiece", "llama2c", "gguf", "hf-bpe", "gguf-bpe"
    virtual std::string kind() const = 0;

    /// BOS / EOS ids, -1 when the tokenizer has none.
    int bosId() const { return m_bos; }
    int eosId() const { return m_eos; }
    /// Whether encodeWithSpecials() puts BOS first / EOS last.
    bool addBos() const { return m_addBos; }
    bool addEos() const { return m_addEos; }
    /// The token eval and fine-tuning put before each document: BOS when the
    /// tokenizer has one (whether or not it adds it itself), else EOS (as
    /// lm-evaluation-harness does for models without BOS), else -1 (none).
    int documentStartId() const { return m_bos >= 0 ? m_bos : m_eos; }
    void setSpecialIds(int bos, int eos) {
        m_bos = bos;
        m_eos = eos;
    }
    void setAddSpecials(bool bos, bool eos) {
        m_addBos = bos;
        m_addEos = eos;
    }
    /// True when BOS/EOS come from the tokenizer's own files
    /// (tokenizer_config.json, its post-processor): the checkpoint's config
    /// does not override them then.
    bool ownsSpecialIds() const { return m_ownsSpecials; }

protected:
    void setOwnsSpecialIds(bool owns) { m_ownsSpecials = owns; }

private:
    int m_bos = 1;
    int m_eos = 2;
    bool m_addBos = true;
    bool m_addEos = false;
    bool m_ownsSpecials = false;
};

/// Opens a tokenizer file: a Hugging Face `tokenizer.json` (with the
/// `tokenizer_config.json` beside it), a SentencePiece model (protobuf,
/// usually `.model`) or a llama2.c `tokenizer.bin`; or a folder holding one
/// (tokenizer.json first). Throws FormatError naming the file.
std::unique_ptr<Tokenizer> openTokenizerFile(const std::string& path);

/// Opens what `ctscope tokenize` is given: a tokenizer file or a folder
/// holding one (as openTokenizerFile), or else a checkpoint (anything
/// openCheckpoint accepts) and its own tokenizer. Throws FormatError.
std::unique_ptr<Tokenizer> openTokenizerAt(const std::string& path);

/// The tokenizer file `path` names (a folder: its tokenizer.json, else
/// tokenizer.model, else tokenizer.bin), or "" when a folder holds none.
std::string resolveTokenizerFile(const std::string& path);

/// Copies the tokenizer file `file` (and a tokenizer.json's
/// tokenizer_config.json) into folder `dir` under the names a checkpoint
/// folder uses: tokenizer.json, tokenizer.model, or tokenizer.bin for a
/// llama2.c file. Throws std::filesystem errors.
void copyTokenizerFiles(const std::string& file, const Tokenizer& tok, const std::string& dir);

/// The checkpoint's own tokenizer (TokenizerSource): a tokenizer file, a GGUF
/// `llama` (scores) or `gpt2` (merges) vocabulary. `overrideFile` (non-empty:
/// a file or a folder) wins over the source. BOS/EOS come from the config
/// unless the tokenizer has its own (tokenizer.json with tokenizer_config.json).
/// Throws FormatError when there is none: the message says to pass --tokenizer.
std::unique_ptr<Tokenizer> openTokenizer(const TokenizerSource& source, const ModelConfig& config,
                                         const std::string& overrideFile = {},
                                         const std::string& checkpointPath = {});

} // namespace ctscope
