#pragma once
/// Small helpers shared by the benchmark programs.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

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

} // namespace ctscope::bench
