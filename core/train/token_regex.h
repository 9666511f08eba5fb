#pragma once
/// A compiled PCRE2 pattern in UTF + Unicode-property mode (so `\p{L}`,
/// `\s` and `\w` are Unicode classes, and possessive quantifiers and
/// look-ahead work), as Hugging Face's Oniguruma patterns need. JIT-compiled
/// where PCRE2 supports it. Torch-free.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctscope::tok {

class TokenRegex {
public:
    /// Compiles `pattern` (a regex, or a literal when `literal`). Throws
    /// FormatError naming `where` (the file) and PCRE2's message.
    TokenRegex(const std::string& pattern, bool literal, const std::string& where);
    ~TokenRegex();
    TokenRegex(const TokenRegex&) = delete;
    TokenRegex& operator=(const TokenRegex&) = delete;

    /// Non-overlapping matches of well-formed UTF-8 `text`, left to right, as
    /// byte ranges [begin, end). An empty match right after the previous
    /// match is skipped, as Oniguruma's iterator does. Thread-safe.
    std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;

    /// `text` with every match (findAll) replaced by `content`.
    std::string replaceAll(std::string_view text, const std::string& content) const;

    const std::string& pattern() const { return m_pattern; }

private:
    std::string m_pattern;
    std::string m_where;
    struct Code;
    std::unique_ptr<Code> m_code;
};

/// A tokenizer.json pattern object, `{"Regex": "..."}` or `{"String": "..."}`
/// (a literal). Throws FormatError naming `file` and `what` otherwise.
std::shared_ptr<TokenRegex> patternFromJson(const nlohmann::json& j, const std::string& file, const std::string& what);

} // namespace ctscope::tok
