#pragma once
/// The `pre_tokenizer` of a Hugging Face tokenizer.json: ByteLevel (with or
/// without its GPT-2 regex, add_prefix_space), Split (regex or string, every
/// `behavior`, `invert`), Digits, Metaspace (replacement, prepend_scheme,
/// split), Whitespace, WhitespaceSplit, Punctuation, CharDelimiterSplit and
/// Sequence; null keeps each piece whole. Splitting follows the `tokenizers`
/// library's NormalizedString::split, so pieces come out as it makes them.
/// Torch-free.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ctscope::tok {

class TokenRegex;

/// One piece of text on its way to the model. `atStart`: the piece begins at
/// offset 0 of the original text (Metaspace's prepend_scheme "first").
struct PreToken {
    std::string text;
    bool atStart = false;
};

class PreTokenizer {
public:
    enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
    enum class Prepend { Always, First, Never };

    /// Keeps every piece whole.
    PreTokenizer();
    /// From the JSON object (or null). Throws FormatError naming `file` for
    /// a type or option this reader does not implement.
    PreTokenizer(const nlohmann::json& j, const std::string& file);
    ~PreTokenizer();
    PreTokenizer(PreTokenizer&&) noexcept;
    PreTokenizer& operator=(PreTokenizer&&) noexcept;

    /// Splits (and for ByteLevel, maps to byte characters) every piece, in
    /// order; empty pieces are dropped. Thread-safe (const).
    void run(std::vector<PreToken>& pieces) const;

    // Steps added by hand, for tokenizers built from GGUF metadata.
    void addSplit(const std::string& regex, Behavior behavior, bool invert, const std::string& file);
    void addByteLevel(bool addPrefixSpace, bool useRegex, const std::string& file);
    void addDigits(bool individual);

    /// The GPT-2 pattern ByteLevel splits with when use_regex is true.
    static const char* gpt2Pattern();

private:
    enum class Kind { ByteLevel, Split, CharClass, Metaspace };
    enum class CharClass { Numeric, Whitespace, Punctuation, Delimiter };
    struct Step {
        Kind kind = Kind::Split;
        std::shared_ptr<TokenRegex> regex;  ///< Split, and ByteLevel with use_regex
        Behavior behavior = Behavior::Isolated;
        bool invert = false;
        bool addPrefixSpace = false;        ///< ByteLevel
        CharClass charClass = CharClass::Numeric;
        char32_t delimiter = 0;             ///< CharClass Delimiter; Metaspace replacement
        std::string replacement;            ///< Metaspace, as UTF-8
        Prepend prepend = Prepend::Always;
        bool split = true;                  ///< Metaspace
    };
    void add(const nlohmann::json& j, const std::string& file);
    void runStep(const Step& s, std::vector<PreToken>& pieces) const;
    std::vector<Step> m_steps;
};

} // namespace ctscope::tok
