#pragma once
/// The top level of `ctscope` and `ctscope-engine`: the subcommands with their
/// one-line summaries, `help [CMD]`, `--version`, and "unknown command, did you
/// mean ..." (exit 2) for a typo. The help is generated with CLI11 from the
/// registered subcommands, with the exit codes in its footer.
#include <functional>
#include <string>
#include <vector>

namespace ctscope::cli {

/// Levenshtein distance with adjacent transpositions counted as one edit.
int editDistance(const std::string& a, const std::string& b);

class TopLevel {
public:
    using Run = std::function<int(int argc, char** argv)>;

    /// `program`: "ctscope"; `version`: the whole --version line.
    TopLevel(std::string program, std::string version, std::string description);

    /// A subcommand; `run` gets the whole argv (argv[1] is the name).
    void add(const std::string& name, const std::string& summary, Run run);
    /// What a first argument that is a path that exists, 'demo', or nothing
    /// at all runs (the window). Without one, those are usage errors.
    void setWindow(Run run);
    /// Text after the subcommand list (before the exit codes).
    void footer(const std::string& text);

    /// Dispatches argv and returns the exit code.
    int run(int argc, char** argv) const;
    /// The generated top-level help.
    std::string help() const;
    /// The registered subcommand closest to `word` within two edits, or "".
    std::string suggestion(const std::string& word) const;

private:
    struct Command {
        std::string name;
        std::string summary;
        Run run;
    };
    const Command* find(const std::string& name) const;
    int unknown(const std::string& word) const;

    std::string m_program;
    std::string m_version;
    std::string m_description;
    std::string m_footer;
    std::vector<Command> m_commands;
    Run m_window;
};

} // namespace ctscope::cli
