#pragma once
/// Small helpers shared by the benchmark programs.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ctscope::bench {

/// Peak resident set size of this process in MiB (VmHWM).
inline double peakRssMb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return -1;
}

inline double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Runs `cmd` and returns its stdout (benchmarks isolate phases in child
/// processes so each peak RSS is its own).
inline std::string capture(const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        ::pclose(p);
    }
    return out;
}

/// One child process as the benchmark saw it.
struct ChildRun {
    std::string out;      ///< its stdout
    double wallSeconds = 0;  ///< fork to reap, start-up included
    double peakRssMb = 0;    ///< ru_maxrss from wait4 (the child and anything it reaped)
    int exitCode = -1;       ///< -1: killed by a signal or not started
};

/// fork/execv `argv` (no shell), reads its stdout, reaps it with wait4 so the
/// peak RSS is the child's own.
inline ChildRun runChild(const std::vector<std::string>& argv) {
    ChildRun r;
    int fd[2];
    if (::pipe(fd) != 0) return r;
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fd[1], 1);
        ::close(fd[0]);
        ::close(fd[1]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fd[1]);
    if (pid < 0) {
        ::close(fd[0]);
        return r;
    }
    char buf[4096];
    for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<size_t>(n));
    ::close(fd[0]);
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    r.wallSeconds = secondsSince(t0);
    r.peakRssMb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace ctscope::bench
