#pragma once
/// The `decoder` of a Hugging Face tokenizer.json, for showing ids as text:
/// ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder and
/// Sequence, each as tokenizers' decode_chain. Null joins the tokens with
/// spaces, as tokenizers does. Torch-free.
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace ctscope::tok {

class TokenRegex;

class TokenDecoder {
public:
    TokenDecoder();
    /// From the JSON object (or null). Throws FormatError naming `file` for
    /// a type this reader does not implement.
    TokenDecoder(const nlohmann::json& j, const std::string& file);
    ~TokenDecoder();
    TokenDecoder(TokenDecoder&&) noexcept;
    TokenDecoder& operator=(TokenDecoder&&) noexcept;

    /// Token texts (vocabulary strings) to the text they stand for.
    std::string decode(std::vector<std::string> tokens) const;

    /// Adds a ByteLevel step by hand (tokenizers built from GGUF metadata).
    void addByteLevel();

private:
    enum class Kind { ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BpeSuffix };
    struct Step {
        Kind kind = Kind::Fuse;
        std::string text;  ///< Metaspace replacement, Replace content, Strip content, BPE suffix
        bool prepend = true;
        int start = 0, stop = 0;
        std::shared_ptr<TokenRegex> regex;
    };
    void add(const nlohmann::json& j, const std::string& file);
    std::vector<Step> m_steps;
    bool m_none = true;
};

} // namespace ctscope::tok
