#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "test_paths.h"

#include <atomic>
#include <random>
#include <unistd.h>

namespace ctscope::test {

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("ctscope-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
              std::to_string(rd()));
    std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

} // namespace ctscope::test
