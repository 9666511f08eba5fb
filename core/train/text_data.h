#pragma once
/// Fine-tuning and evaluation text: reading, tokenising, splitting, packing.
/// Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

class Tokenizer;

/// One document. For JSONL prompt/response records `prompt` holds the prompt
/// and `text` the response; loss is then taken on the response only.
struct TextDocument {
    std::string text;
    std::string prompt;
    bool hasPrompt = false;
};

/// Surrounding whitespace (space, tab, CR, LF, VT, FF) removed.
std::string stripWhitespace(const std::string& s);

/// Reads a data file. JSONL (extension .jsonl/.ndjson, or a first non-blank
/// character '{') gives one document per line from `text`, or from
/// `prompt`+`response`. Anything else is plain text split on `<|endoftext|>`
/// (one document when the separator is absent). Documents are stripped and
/// empty ones dropped. Throws FormatError naming the file and line.
std::vector<TextDocument> readDocuments(const std::string& path);

/// A packed window: `tokens` has seq+1 ids; position j (1..seq) is a target
/// when mask[j-1] is 1.
struct TokenWindow {
    std::vector<int> tokens;
    std::vector<uint8_t> mask;
};

struct PackedData {
    int seq = 0;
    std::vector<TokenWindow> train;
    std::vector<TokenWindow> heldOut;
    int64_t trainTokens = 0;    ///< tokens in the train split before windowing
    int64_t heldOutTokens = 0;
    bool splitByDocument = false;
};

struct PackOptions {
    int seq = 256;
    double heldOutFraction = 0.1;
    /// Held-out windows kept (evenly spaced over the held-out split); 0: all.
    int heldOutWindows = 16;
};

/// Tokenises (BOS + encode(doc), prompt tokens masked out) and packs into
/// windows of seq+1 tokens with stride seq. The split is deterministic: with
/// 20 or more documents every k-th document (k = round(1/fraction)) is held
/// out; otherwise the last fraction of the token stream is. Throws
/// std::runtime_error when there is not enough text for one train and one
/// held-out window.
PackedData packDocuments(const std::vector<TextDocument>& docs, const Tokenizer& tok, const PackOptions& opts);

/// Train windows of batch `step` (0-based) for `seed`: a seeded permutation
/// of 0..nTrain-1 read in order and wrapped around, so every arm with the
/// same seed sees the same batches. Deterministic across platforms.
std::vector<size_t> batchWindows(size_t nTrain, int seed, int step, int batch);

/// The distinct train windows any of `seeds` × `steps` batches touch (sorted).
std::vector<size_t> windowsUsed(size_t nTrain, int seeds, int steps, int batch);

/// The evaluation protocol's documents: the file split on `<|endoftext|>`,
/// each stripped, empty ones dropped, the first `maxDocs` (≤ 0: all).
std::vector<std::string> readEvalDocuments(const std::string& path, int maxDocs);

} // namespace ctscope
