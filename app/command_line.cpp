#include "app/command_line.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

namespace ctscope::cli {

struct CommandLine::Impl {
    std::string command;
    std::string program = "ctscope";
    CLI::App app;
    // The order of declaration is the order on the command line.
    std::vector<CLI::Option*> positionals;
    std::vector<std::unique_ptr<std::vector<std::string>>> lists;  // what a `many` positional binds to
    std::vector<std::pair<std::string, CLI::Option*>> values;
    std::vector<std::pair<std::string, CLI::Option*>> flags;

    Impl(std::string cmd, const std::string& summary) : command(std::move(cmd)), app(summary) {}
};

CommandLine::CommandLine(std::string command, std::string summary)
    : m_impl(std::make_unique<Impl>(std::move(command), summary)) {
    auto& app = m_impl->app;
    app.name("ctscope " + m_impl->command);
    app.set_help_flag("-h,--help", "print this help and exit");
    app.set_version_flag("--version", std::string("ctscope " CTSCOPE_VERSION), "print the version and exit");
    app.get_formatter()->column_width(32);
    app.get_formatter()->label("OPTIONS", "options");
}

CommandLine::~CommandLine() = default;

CommandLine& CommandLine::positional(const std::string& name, const std::string& description, bool many) {
    // Unbound, so that a single positional takes exactly one word and leaves
    // the next to the next positional; the values are read from results().
    CLI::Option* o = nullptr;
    if (many) {
        m_impl->lists.push_back(std::make_unique<std::vector<std::string>>());
        o = m_impl->app.add_option(name, *m_impl->lists.back(), description);
        o->expected(0, CLI::detail::expected_max_vector_size);
    } else {
        o = m_impl->app.add_option(name, description);
    }
    o->type_name("");
    m_impl->positionals.push_back(o);
    return *this;
}

CommandLine& CommandLine::value(const std::string& flag, const std::string& valueName,
                                const std::string& description) {
    CLI::Option* o = m_impl->app.add_option("--" + flag, description);
    o->type_name(valueName)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    m_impl->values.emplace_back(flag, o);
    return *this;
}

CommandLine& CommandLine::flag(const std::string& flag, const std::string& description) {
    CLI::Option* o = m_impl->app.add_flag("--" + flag, description);
    o->disable_flag_override();
    m_impl->flags.emplace_back(flag, o);
    return *this;
}

CommandLine& CommandLine::footer(const std::string& text) {
    m_impl->app.footer(text);
    return *this;
}

std::optional<Args> CommandLine::parse(int argc, char** argv) {
    if (argc >= 1 && argv[0]) {
        m_impl->program = std::filesystem::path(argv[0]).filename().string();
        m_impl->app.name(m_impl->program + " " + m_impl->command);
        m_impl->app.set_version_flag("--version", m_impl->program + " " CTSCOPE_VERSION,
                                     "print the version and exit");
    }
    std::vector<std::string> rest;
    for (int i = argc - 1; i >= 2; --i) rest.emplace_back(argv[i]);  // CLI11 takes them reversed
    try {
        m_impl->app.parse(rest);
    } catch (const CLI::CallForHelp&) {
        std::fputs(help().c_str(), stdout);
        return std::nullopt;
    } catch (const CLI::CallForVersion& e) {
        std::printf("%s\n", e.what());
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    std::vector<std::string> pos;
    for (const CLI::Option* o : m_impl->positionals) pos.insert(pos.end(), o->results().begin(), o->results().end());
    std::map<std::string, std::string> values;
    for (const auto& [name, o] : m_impl->values)
        if (o->count() > 0 && !o->results().empty()) values[name] = o->results().back();
    std::set<std::string> switches;
    for (const auto& [name, o] : m_impl->flags)
        if (o->count() > 0) switches.insert(name);
    return Args(std::move(pos), std::move(values), std::move(switches));
}

std::string CommandLine::help() const { return m_impl->app.help(); }

std::string CommandLine::name() const { return m_impl->app.get_name(); }

int usageFailure(const std::string& name, const std::string& message) {
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", name.c_str(), message.c_str(), name.c_str());
    return 2;
}

} // namespace ctscope::cli
