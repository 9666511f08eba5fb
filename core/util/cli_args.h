#pragma once
/// Minimal argument parsing of the command lines (ctscope, ctscope-engine and
/// the finetune options in core/train/finetune_args.h): positionals and
/// --flag VALUE / --flag=VALUE / --switch. Unknown flags are errors.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ctscope {

/// A bad command line: the command prints it with its usage and exits 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The parsed arguments from argv[first] on. Throws UsageError for an unknown
/// flag, a missing value or a value given to a switch.
class Args {
public:
    /// `valued`: flags that take a value; `switches`: flags that do not.
    Args(int argc, char** argv, int first, const std::set<std::string>& valued,
         const std::set<std::string>& switches);
    /// Arguments parsed elsewhere (app/command_line.cpp, with CLI11): flag
    /// names without the leading --.
    Args(std::vector<std::string> positional, std::map<std::string, std::string> values,
         std::set<std::string> switches)
        : m_positional(std::move(positional)), m_values(std::move(values)), m_switches(std::move(switches)) {}

    const std::vector<std::string>& positional() const { return m_positional; }
    bool has(const std::string& flag) const;
    std::string get(const std::string& flag, const std::string& fallback = {}) const;
    int getInt(const std::string& flag, int fallback) const;
    double getDouble(const std::string& flag, double fallback) const;
    std::vector<int> getIntList(const std::string& flag, const std::vector<int>& fallback) const;
    std::vector<double> getDoubleList(const std::string& flag, const std::vector<double>& fallback) const;
    std::vector<std::string> getList(const std::string& flag, const std::vector<std::string>& fallback) const;

private:
    std::vector<std::string> m_positional;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_switches;
};

} // namespace ctscope
