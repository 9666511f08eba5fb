#pragma once
// Shared by the libFuzzer targets: a scratch folder per process (in
// /dev/shm when it exists) and the rule every target enforces: a loader
// given any bytes returns or throws FormatError. Anything else (another
// exception, a sanitizer report, a crash, an allocation past -malloc_limit_mb)
// is a finding.
#include "core/util/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace ctscope::fuzz {

inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
        auto d = base / ("ctscope-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch(), ec);
        });
        return d;
    }();
    return dir;
}

inline std::string writeScratch(const std::string& name, const uint8_t* data, size_t size) {
    const auto path = scratch() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path.string();
}

/// Runs `f`; FormatError is the expected outcome of bad input, anything else aborts.
template <typename F>
void expectFormatErrorOnly(F&& f) {
    try {
        f();
    } catch (const FormatError&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope fuzz: not a FormatError: %s\n", e.what());
        std::abort();
    }
}

} // namespace ctscope::fuzz
