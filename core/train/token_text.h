#pragma once
/// UTF-8 helpers shared by the Hugging Face tokenizer pieces: code point
/// decoding, Unicode classes the `tokenizers` library tests with Rust's
/// `char` predicates, and GPT-2's byte-to-character table. Torch-free.
#include <cstdint>
#include <string>
#include <string_view>

namespace ctscope::tok {

/// Bytes in the well-formed UTF-8 sequence at the start of `s`, or 0 when it
/// is not well formed (overlong, surrogate, beyond U+10FFFF, truncated).
size_t utf8Length(std::string_view s);

/// `s` with each ill-formed byte replaced by U+FFFD, as Python's
/// `bytes.decode("utf-8", "replace")` would give a tokenizer its text.
std::string sanitizeUtf8(std::string_view s);

/// The code point at the start of well-formed `s` (see sanitizeUtf8), and its length.
char32_t decodeUtf8(std::string_view s, size_t* length);
/// Appends the UTF-8 encoding of `cp` to `out`.
void appendUtf8(std::string& out, char32_t cp);

/// Rust's `char::is_whitespace` (Unicode White_Space).
bool isWhitespace(char32_t cp);
/// Rust's `char::is_numeric` (general category Nd, Nl or No).
bool isNumeric(char32_t cp);
/// Rust's `char::is_alphanumeric` or '_' (the `tokenizers` word test for single_word).
bool isWordChar(char32_t cp);

/// Bytes of whitespace at the end of `s` (whole code points).
size_t trailingWhitespace(std::string_view s);
/// Bytes of whitespace at the start of `s` (whole code points).
size_t leadingWhitespace(std::string_view s);

/// GPT-2's bytes_to_unicode(): the UTF-8 text of the character that stands
/// for byte `b` in byte-level vocabularies ("Ġ" for a space).
const std::string& byteLevelChar(unsigned char b);
/// The byte a byte-level character stands for, or -1 when `cp` is none.
int byteLevelByte(char32_t cp);

} // namespace ctscope::tok
