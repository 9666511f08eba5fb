#pragma once
/// The `added_tokens` of a Hugging Face tokenizer.json, matched in the text
/// before pre-tokenization as tokenizers' AddedVocabulary does: leftmost,
/// then longest, non-overlapping; `single_word` matches only between
/// non-word characters; `lstrip`/`rstrip` swallow the whitespace beside the
/// match. Tokens with `normalized` are matched in the normalised text, the
/// others in the raw text. Torch-free.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ctscope::tok {

class TextNormalizer;

struct AddedToken {
    std::string content;
    int id = -1;
    bool special = false;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
};

class AddedTokens {
public:
    /// A byte range of the text; `id` is the added token matched there, or
    /// -1 for text between matches.
    struct Segment {
        size_t begin, end;
        int id;
    };

    void add(AddedToken t) { m_tokens.push_back(std::move(t)); }
    /// Builds the matchers; normalized tokens' contents go through `n` first.
    void build(const TextNormalizer& n);

    /// `text` cut at the matches of the tokens whose `normalized` flag is
    /// `normalizedSet`; covers the whole text, no empty segments. Thread-safe.
    std::vector<Segment> split(std::string_view text, bool normalizedSet) const;

    bool empty() const { return m_tokens.empty(); }
    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    /// The token with `id`, or nullptr (after build()).
    const AddedToken* byId(int id) const;
    /// The id of the token whose content is `content`, or -1.
    int idOf(const std::string& content) const;

private:
    struct Matcher {
        std::vector<int> byFirstByte[256];  ///< token indices, longest pattern first
        std::vector<std::string> patterns;  ///< by token index ("" when not in this set)
        bool any = false;
    };
    std::vector<AddedToken> m_tokens;
    std::unordered_map<int, size_t> m_byId;  ///< id -> index into m_tokens
    Matcher m_raw, m_normalized;
};

} // namespace ctscope::tok
