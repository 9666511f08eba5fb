#include "app/top_level.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

namespace ctscope::cli {

namespace {

const char* kExitCodes =
    "exit codes:\n"
    "  0    success\n"
    "  1    an error (the message says which file, tensor or value)\n"
    "  2    a usage error (unknown command or option, a bad or missing value)\n"
    "  130  cancelled with Ctrl-C (143 SIGTERM, 129 SIGHUP): finished results are kept\n";

} // namespace

int editDistance(const std::string& a, const std::string& b) {
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
    for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
    for (size_t i = 1; i <= n; ++i)
        for (size_t j = 1; j <= m; ++j) {
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

TopLevel::TopLevel(std::string program, std::string version, std::string description)
    : m_program(std::move(program)), m_version(std::move(version)), m_description(std::move(description)) {}

void TopLevel::add(const std::string& name, const std::string& summary, Run run) {
    m_commands.push_back({name, summary, std::move(run)});
}

void TopLevel::setWindow(Run run) { m_window = std::move(run); }

void TopLevel::footer(const std::string& text) { m_footer = text; }

const TopLevel::Command* TopLevel::find(const std::string& name) const {
    for (const auto& c : m_commands)
        if (c.name == name) return &c;
    return nullptr;
}

std::string TopLevel::help() const {
    CLI::App app(m_description, m_program);
    app.set_help_flag("-h,--help", "print this help and exit");
    app.add_flag("--version", "print the version and exit");
    app.get_formatter()->column_width(14);
    app.get_formatter()->label("OPTIONS", "options");
    app.get_formatter()->label("SUBCOMMAND", "COMMAND");
    app.get_formatter()->label("SUBCOMMANDS", "commands");
    for (const auto& c : m_commands) app.add_subcommand(c.name, c.summary);
    app.add_subcommand("help", "help CMD: the options of CMD (the same as CMD --help)");
    std::string foot = m_footer.empty() ? "" : m_footer + "\n\n";
    app.footer(foot + kExitCodes);
    return app.help();
}

std::string TopLevel::suggestion(const std::string& word) const {
    std::string best;
    int bestDistance = 3;
    for (const auto& c : m_commands) {
        const int d = editDistance(word, c.name);
        if (d < bestDistance) {
            bestDistance = d;
            best = c.name;
        }
    }
    return best;
}

int TopLevel::unknown(const std::string& word) const {
    const std::string near = suggestion(word);
    if (!near.empty())
        std::fprintf(stderr, "%s: unknown command '%s', did you mean '%s'?\n", m_program.c_str(), word.c_str(),
                     near.c_str());
    else
        std::fprintf(stderr, "%s: unknown command '%s'\n", m_program.c_str(), word.c_str());
    if (m_window) std::fprintf(stderr, "  (to open a checkpoint, give a path that exists, or 'demo')\n");
    std::fprintf(stderr, "Run '%s --help' for the commands.\n", m_program.c_str());
    return 2;
}

int TopLevel::run(int argc, char** argv) const {
    if (argc < 2) {
        if (m_window) return m_window(argc, argv);
        std::fputs(help().c_str(), stderr);
        return 2;
    }
    const std::string first = argv[1];
    if (first == "-h" || first == "--help" || (first == "help" && argc == 2)) {
        std::fputs(help().c_str(), stdout);
        return 0;
    }
    if (first == "--version") {
        std::printf("%s\n", m_version.c_str());
        return 0;
    }
    if (first == "help") {
        const Command* c = find(argv[2]);
        if (!c) return unknown(argv[2]);
        std::string helpFlag = "--help";
        std::vector<char*> args = {argv[0], argv[2], helpFlag.data(), nullptr};
        return c->run(3, args.data());
    }
    if (const Command* c = find(first)) return c->run(argc, argv);
    if (!first.empty() && first[0] == '-') {
        std::fprintf(stderr, "%s: unknown option '%s'\nRun '%s --help' for the commands.\n", m_program.c_str(),
                     first.c_str(), m_program.c_str());
        return 2;
    }
    std::error_code ec;
    if (m_window && (first == "demo" || std::filesystem::exists(first, ec))) return m_window(argc, argv);
    return unknown(first);
}

} // namespace ctscope::cli
