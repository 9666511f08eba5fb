#pragma once
/// One subcommand's command line, parsed with CLI11: its options are declared
/// once, with their descriptions, and `--help` is generated from them so that
/// the help cannot drift from what is accepted. Every subcommand also takes
/// -h/--help and --version. The result is an Args (core/util/cli_args.h), so
/// the commands and core/train/finetune_args read their values as before.
#include "core/util/cli_args.h"

#include <memory>
#include <optional>
#include <string>

namespace ctscope::cli {

class CommandLine {
public:
    /// `command`: the subcommand's name ("analyze"); `summary`: its one line
    /// for the help. The program name shown is the basename of argv[0].
    CommandLine(std::string command, std::string summary);
    ~CommandLine();
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    /// A positional argument, in order; `many` takes all the remaining ones.
    CommandLine& positional(const std::string& name, const std::string& description, bool many = false);
    /// `--flag VALUE` (also --flag=VALUE); the last one given wins. `valueName`
    /// is what the help shows for the value ("N", "FILE", "text|json").
    CommandLine& value(const std::string& flag, const std::string& valueName, const std::string& description);
    /// `--flag` without a value.
    CommandLine& flag(const std::string& flag, const std::string& description);
    /// Text after the options in the help (notes, defaults explained).
    CommandLine& footer(const std::string& text);

    /// Parses argv[2...]. Returns the arguments, or nothing once `--help` or
    /// `--version` was printed on stdout (the command then exits 0). Throws
    /// UsageError for an unknown option, a missing value or a value given to
    /// a switch, so that the command prints it and exits 2.
    std::optional<Args> parse(int argc, char** argv);
    /// The generated help text.
    std::string help() const;
    /// "ctscope analyze", for messages.
    std::string name() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Prints "NAME: MESSAGE" and a hint at `NAME --help` on stderr; returns 2.
int usageFailure(const std::string& name, const std::string& message);

} // namespace ctscope::cli
