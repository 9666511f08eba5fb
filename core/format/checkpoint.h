#pragma once
/// A loaded checkpoint: its config, its tensors (memory-mapped, never copied
/// whole) and whatever tokenizer it carries. Loaders validate every header
/// field against the file before any tensor is exposed.
#include "core/format/dtype.h"
#include "core/format/model_config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ctscope {

class MappedFile;

struct TensorInfo {
    std::string name;             ///< as written in the file
    DType dtype = DType::F32;
    /// Stored shape, outermost first, as PyTorch writes it ([out, in] for a
    /// Linear weight). GGUF dims (innermost first) are reversed into this order.
    std::vector<int64_t> shape;
    /// True when the stored 2-D array is [in, out] (GPT-2 Conv1D);
    /// readMatrix() (weight_inventory.h) returns such matrices as [out, in].
    bool transposed = false;
    const uint8_t* data = nullptr;
    uint64_t nbytes = 0;
    int fileIndex = -1;           ///< index into Checkpoint::files(), -1 if in memory
    uint64_t offset = 0;          ///< byte offset of data inside that file

    int64_t numel() const;
};

/// A tensor the file holds in a storage type ctscope cannot decode (a GGUF
/// IQ2_XXS tensor, …): listed with the reason, never read.
struct UnsupportedTensor {
    std::string name;
    std::vector<int64_t> shape;  ///< outermost first
    std::string reason;          ///< e.g. "GGML type IQ2_XXS (id 16) is not supported for dequantisation"
};

/// Vocabulary stored inside the checkpoint (GGUF) or a tokenizer file found
/// next to it. Exactly one of `tokenizerFile` / `tokens` is normally set.
struct TokenizerSource {
    /// SentencePiece .model, llama2.c tokenizer.bin or Hugging Face tokenizer.json
    std::string tokenizerFile;
    std::vector<std::string> tokens;  ///< GGUF tokenizer.ggml.tokens
    std::vector<float> scores;
    std::vector<int> tokenTypes;
    std::string ggufModel;            ///< tokenizer.ggml.model, e.g. "llama", "gpt2"
    std::vector<std::string> merges;  ///< GGUF tokenizer.ggml.merges ("a b", rank order; gpt2 models)
    std::string ggufPre;              ///< tokenizer.ggml.pre, e.g. "llama-bpe", "qwen2"
    int ggufAddBos = -1;              ///< tokenizer.ggml.add_bos_token: 0/1, -1 when absent
    int ggufAddEos = -1;              ///< tokenizer.ggml.add_eos_token: 0/1, -1 when absent
    bool empty() const { return tokenizerFile.empty() && tokens.empty(); }
};

class Checkpoint {
public:
    Checkpoint() = default;
    Checkpoint(const Checkpoint&) = delete;
    Checkpoint& operator=(const Checkpoint&) = delete;

    const std::string& path() const { return m_path; }
    /// "safetensors", "hf-folder", "pytorch" (a torch.save file), "gguf", "llama2c", "demo"
    const std::string& format() const { return m_format; }
    const ModelConfig& config() const { return m_config; }
    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    const TensorInfo* find(const std::string& name) const;
    const TensorInfo& require(const std::string& name) const;  ///< throws FormatError
    const TokenizerSource& tokenizer() const { return m_tokenizer; }
    const std::vector<std::shared_ptr<MappedFile>>& files() const { return m_files; }
    /// True for the built-in synthetic checkpoint.
    bool synthetic() const { return m_format == "demo"; }
    /// Remarks from the loader worth showing the user, e.g. that the config
    /// was guessed from tensor shapes because no config.json was found.
    const std::vector<std::string>& notes() const { return m_notes; }
    /// Tensors left out of tensors() because their storage type cannot be decoded.
    const std::vector<UnsupportedTensor>& unsupportedTensors() const { return m_unsupported; }

    /// Stable identity for caches: paths, sizes and mtimes of every file,
    /// plus the config's shape fields (config.json is not a mapped file).
    std::string identity() const;

    /// Whole tensor as float32 in stored order (see `shape`). Throws
    /// FormatError naming the tensor on NaN/Inf when checkFinite.
    std::vector<float> readFloat(const TensorInfo& t, bool checkFinite = true) const;
    /// Rows [rowBegin, rowBegin+rows) of a 2-D tensor in stored order.
    std::vector<float> readRows(const TensorInfo& t, int64_t rowBegin, int64_t rows,
                                bool checkFinite = true) const;
    /// The same rows into `dst` (rows · cols floats), so a streaming reader
    /// can reuse one buffer instead of faulting in a fresh one per matrix.
    void readRowsInto(const TensorInfo& t, int64_t rowBegin, int64_t rows, float* dst,
                      bool checkFinite = true) const;
    /// Columns [colBegin, colBegin+cols) of rows [rowBegin, rowBegin+rows) of
    /// a 2-D tensor into `dst` (rows · cols floats, row-major), for streaming
    /// a wide matrix in column blocks. Throws FormatError when the range is
    /// outside the tensor or cuts a quantised block (see columnsReadable).
    void readColumnsInto(const TensorInfo& t, int64_t rowBegin, int64_t rows, int64_t colBegin, int64_t cols,
                         float* dst, bool checkFinite = true) const;
    /// Whether readColumnsInto can read blocks of `blockCols` columns of `t`
    /// (every row and every block starts on a whole quantised block).
    bool columnsReadable(const TensorInfo& t, int64_t blockCols) const;
    /// Drops the tensor's pages from the resident set (streaming reads).
    void release(const TensorInfo& t) const;
    /// Drops the pages of rows [rowBegin, rowBegin+rows) of a 2-D tensor.
    void releaseRows(const TensorInfo& t, int64_t rowBegin, int64_t rows) const;

    // --- construction, used by the loaders ---
    std::string m_path;
    std::string m_format;
    ModelConfig m_config;
    std::vector<TensorInfo> m_tensors;
    TokenizerSource m_tokenizer;
    std::vector<std::shared_ptr<MappedFile>> m_files;
    std::vector<std::shared_ptr<std::vector<uint8_t>>> m_buffers;  ///< in-memory storage
    std::vector<std::string> m_notes;
    std::vector<UnsupportedTensor> m_unsupported;
};

/// Opens a HF folder, a .safetensors, .gguf, llama2.c .bin or PyTorch
/// (.pt, .pth, zip .bin) file, or "demo".
/// Throws FormatError with the file and the reason on anything invalid.
std::unique_ptr<Checkpoint> openCheckpoint(const std::string& path);

std::unique_ptr<Checkpoint> loadSafetensorsFile(const std::string& file);
std::unique_ptr<Checkpoint> loadHfFolder(const std::string& dir);
std::unique_ptr<Checkpoint> loadGguf(const std::string& file);
std::unique_ptr<Checkpoint> loadLlama2c(const std::string& file);
/// A torch.save zip archive (PyTorch >= 1.6) holding a state dict, possibly
/// nested ({"model": ...}); tensors are read through a restricted unpickler
/// and point into the mapped archive. config.json beside it is used as for
/// safetensors. Legacy (pre-1.6) files are refused with how to re-save them.
std::unique_ptr<Checkpoint> loadPytorchFile(const std::string& file);

} // namespace ctscope
