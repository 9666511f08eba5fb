#pragma once
/// Text → token ids for Llama-family checkpoints. Torch-free.
///
/// Three sources give the same ids for the same vocabulary:
///  - a SentencePiece BPE `.model` (its protobuf read directly: libsentencepiece
///    bundles a protobuf runtime that clashes with LibTorch's in one process),
///  - a llama2.c `tokenizer.bin` (tokens and merge scores),
///  - the vocabulary embedded in a GGUF file (tokenizer.ggml.tokens/scores).
/// All three use ScoreBpeTokenizer, which reproduces SentencePiece's BPE
/// encoder (dummy-prefix space, spaces as U+2581, merges by score, byte fallback).
#include <memory>
#include <string>
#include <vector>

namespace ctscope {

struct TokenizerSource;
struct ModelConfig;

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    /// Ids of `text` without BOS/EOS. A non-empty text gets SentencePiece's
    /// dummy-prefix space, as Llama tokenizers do. Thread-safe (const).
    virtual std::vector<int> encode(const std::string& text) const = 0;
    /// Concatenated pieces with U+2581 turned back into spaces (for display).
    virtual std::string decode(const std::vector<int>& ids) const = 0;
    virtual int vocabSize() const = 0;
    /// "sentencepiece", "llama2c", "gguf"
    virtual std::string kind() const = 0;

    int bosId() const { return m_bos; }
    int eosId() const { return m_eos; }
    void setSpecialIds(int bos, int eos) {
        m_bos = bos;
        m_eos = eos;
    }

private:
    int m_bos = 1;
    int m_eos = 2;
};

/// Opens a tokenizer file: a SentencePiece model (protobuf, usually `.model`)
/// or a llama2.c `tokenizer.bin`. Throws FormatError naming the file.
std::unique_ptr<Tokenizer> openTokenizerFile(const std::string& path);

/// The checkpoint's own tokenizer (TokenizerSource), with BOS/EOS from the
/// config. `overrideFile` (non-empty) wins over the source. Throws FormatError
/// when there is none: the message says to pass --tokenizer.
std::unique_ptr<Tokenizer> openTokenizer(const TokenizerSource& source, const ModelConfig& config,
                                         const std::string& overrideFile = {},
                                         const std::string& checkpointPath = {});

} // namespace ctscope
