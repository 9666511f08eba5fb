#pragma once
/// Rank-based BPE, the `BPE` model of a Hugging Face tokenizer.json: a word
/// starts as its characters (or byte-fallback tokens, or unk), then the
/// adjacent pair with the lowest merge rank is merged, leftmost first, until
/// no pair has a merge (tokenizers' Word::merge_all). Results are cached per
/// word. Torch-free.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ctscope::tok {

struct BpeOptions {
    std::string unkToken;  ///< empty: none (unknown characters are dropped, as tokenizers does)
    bool fuseUnk = false;
    bool byteFallback = false;
    bool ignoreMerges = false;  ///< a word that is itself in the vocabulary is one token
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
};

class BpeModel {
public:
    /// `vocab`: token text and id (ids need not be dense); `merges` in rank
    /// order. Throws FormatError naming `file` when a merge's parts or result
    /// are not in the vocabulary.
    BpeModel(const std::vector<std::pair<std::string, int>>& vocab,
             const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
             const std::string& file);
    BpeModel(const BpeModel&) = delete;
    BpeModel& operator=(const BpeModel&) = delete;

    /// Appends the ids of one pre-tokenized word. Thread-safe (const).
    void tokenize(std::string_view word, std::vector<int>& out) const;

    /// The id of `token`, or -1.
    int id(std::string_view token) const;
    /// The text of `id` ("" for an id the vocabulary lacks).
    const std::string& token(int id) const;
    /// One past the largest id.
    int size() const { return static_cast<int>(m_tokens.size()); }

private:
    void merge(std::string_view word, std::vector<int>& out) const;

    std::vector<std::string> m_tokens;                 ///< by id; holes are empty
    std::unordered_map<std::string_view, int> m_vocab; ///< views into m_tokens
    std::unordered_map<uint64_t, std::pair<int, int>> m_merges;  ///< (left, right) -> (rank, new id)
    BpeOptions m_opt;
    int m_unkId = -1;
    int m_byteIds[256];
    std::string m_file;

    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int>> m_cache;
};

} // namespace ctscope::tok
