#pragma once
/// Error types shared by every core module. Messages name the file, the tensor
/// and what was expected, so the UI and the command line can show them as is.
#include <stdexcept>
#include <string>

namespace ctscope {

/// A checkpoint, tokenizer or data file is unreadable or inconsistent.
class FormatError : public std::runtime_error {
public:
    FormatError(const std::string& file, const std::string& what)
        : std::runtime_error(file.empty() ? what : file + ": " + what), m_file(file) {}
    const std::string& file() const { return m_file; }

private:
    std::string m_file;
};

/// A long operation was stopped by its progress callback or stop token.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

/// Numbers that cannot be trusted (NaN/Inf weights, an undefined ratio).
class NumericError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace ctscope
