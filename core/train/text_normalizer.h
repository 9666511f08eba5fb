#pragma once
/// The `normalizer` of a Hugging Face tokenizer.json: NFC, NFD, NFKC, NFKD
/// (utf8proc), Lowercase, Strip, Prepend, Replace (a string or a regex) and
/// Sequence of these; null is the identity. Torch-free.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ctscope::tok {

class TokenRegex;

class TextNormalizer {
public:
    /// The identity.
    TextNormalizer();
    /// From the JSON object (or null). Throws FormatError naming `file` for
    /// a type this reader does not implement.
    TextNormalizer(const nlohmann::json& j, const std::string& file);
    ~TextNormalizer();
    TextNormalizer(TextNormalizer&&) noexcept;
    TextNormalizer& operator=(TextNormalizer&&) noexcept;

    /// `text` (well-formed UTF-8) normalised. Thread-safe (const).
    std::string apply(std::string text) const;
    bool identity() const { return m_steps.empty(); }

    /// Adds a step by hand (for tokenizers built from GGUF metadata).
    void addUnicodeForm(const std::string& form);  ///< "NFC", "NFD", "NFKC", "NFKD"

private:
    enum class Kind { Unicode, Lowercase, Strip, Prepend, Replace };
    struct Step {
        Kind kind = Kind::Unicode;
        int unicodeOptions = 0;
        bool left = false, right = false;
        std::string text;     ///< Prepend: the prefix; Replace: the content
        std::string literal;  ///< Replace with a String pattern
        std::shared_ptr<TokenRegex> regex;
    };
    void add(const nlohmann::json& j, const std::string& file);
    std::vector<Step> m_steps;
};

} // namespace ctscope::tok
