#pragma once
/// The kill tests' helper: runs the real `ctscope` binary as a child process
/// (fork + exec), kills it with SIGKILL (or any signal) at a chosen moment,
/// and checks that the files it was writing are whole.
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ctscope::test {

/// The ctscope binary built beside the tests ($CTSCOPE_BINARY overrides).
inline std::string ctscopeBinary() {
    if (const char* env = std::getenv("CTSCOPE_BINARY")) return env;
#ifdef CTSCOPE_BINARY
    return CTSCOPE_BINARY;
#else
    return "ctscope";
#endif
}

struct ChildResult {
    bool signalled = false;  ///< we sent the signal while it still ran
    bool secondDelivered = false;  ///< the second signal went to a process still running
    int exitCode = -1;       ///< when it exited by itself (or after a catchable signal)
    int termSignal = 0;      ///< the signal that ended it, if any
    double seconds = 0;
};

/// Runs `argv` with stdout and stderr to `log`. After `signalAfter` seconds
/// (negative: never) sends `sig` if it still runs, then waits for it. When
/// `trigger` is set, the delay counts from the first moment trigger() holds
/// (polled every 2 ms), e.g. "metrics.jsonl has 3 lines".
inline ChildResult runChild(const std::vector<std::string>& argv, const std::string& log, double signalAfter,
                            int sig = SIGKILL, const std::function<bool()>& trigger = {}, int secondSig = 0) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ChildResult r;
    int status = 0;
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    double armedAt = trigger ? -1.0 : 0.0;
    for (;;) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (armedAt < 0 && trigger()) armedAt = elapsed();
        if (signalAfter >= 0 && armedAt >= 0 && elapsed() >= armedAt + signalAfter && !r.signalled) {
            ::kill(pid, sig);
            r.signalled = true;
            if (secondSig) {
                // Standard signals do not queue: give the first one time to
                // be handled, then send the second to a process still stopping.
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                if (::waitpid(pid, &status, WNOHANG) == pid) break;
                ::kill(pid, secondSig);
                r.secondDelivered = true;
            }
            ::waitpid(pid, &status, 0);
            break;
        }
        if (elapsed() > 300) {  // a hung child must not hang the test
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.seconds = elapsed();
    if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.termSignal = WTERMSIG(status);
    return r;
}

inline std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Fields of one CSV line (double quotes, "" inside quotes).
inline size_t csvFieldCount(const std::string& line) {
    size_t n = 1;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) ++n;
    }
    return n;
}

/// A whole CSV: it ends with a newline and every row has the header's fields.
inline bool csvIsWhole(const std::string& text, std::string* why = nullptr) {
    if (text.empty() || text.back() != '\n') {
        if (why) *why = "does not end with a newline";
        return false;
    }
    std::istringstream in(text);
    std::string line;
    size_t fields = 0, row = 0;
    while (std::getline(in, line)) {
        const size_t n = csvFieldCount(line);
        if (row++ == 0) fields = n;
        else if (n != fields) {
            if (why) *why = "row " + std::to_string(row) + " has " + std::to_string(n) + " fields, header " + std::to_string(fields);
            return false;
        }
    }
    return row >= 1;
}

inline bool jsonIsWhole(const std::string& text) {
    try {
        return !nlohmann::json::parse(text).is_discarded();
    } catch (const std::exception&) {
        return false;
    }
}

/// metrics.jsonl: every line but possibly the last parses. Returns false when
/// a line before the last is malformed; `tornLast` tells about the last one.
inline bool metricsIsWhole(const std::string& text, bool* tornLast, std::vector<std::string>* lines = nullptr) {
    *tornLast = false;
    std::vector<std::string> all;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) all.push_back(l);
    const bool endsWithNewline = !text.empty() && text.back() == '\n';
    for (size_t i = 0; i < all.size(); ++i) {
        const bool last = i + 1 == all.size();
        if (jsonIsWhole(all[i]) && (!last || endsWithNewline)) {
            if (lines) lines->push_back(all[i]);
            continue;
        }
        if (!last) return false;
        *tornLast = true;
    }
    return true;
}

} // namespace ctscope::test
