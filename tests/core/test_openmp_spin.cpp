// core/util/openmp_spin.h: the short OpenMP spin is set for a child only
// when the user set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, and marked as
// ctscope's so a benchmark can start its peer without it.
#include <catch2/catch.hpp>

#include "core/util/openmp_spin.h"

#include <cstdlib>
#include <string>

using namespace ctscope;

namespace {
void clearSpinEnvironment() {
    ::unsetenv("OMP_WAIT_POLICY");
    ::unsetenv(openmp_spin::kVariable);
    ::unsetenv(openmp_spin::kMarker);
}
} // namespace

TEST_CASE("openmp spin: set for a child when the user set nothing, and marked as ctscope's", "[util][openmp]") {
    clearSpinEnvironment();
    CHECK(openmp_spin::unset());
    CHECK_FALSE(openmp_spin::setByCtscope());
    REQUIRE(openmp_spin::setForChild());
    REQUIRE(std::getenv(openmp_spin::kVariable) != nullptr);
    CHECK(std::string(std::getenv(openmp_spin::kVariable)) == "10000");
    CHECK(openmp_spin::setByCtscope());
    CHECK_FALSE(openmp_spin::unset());
    CHECK_FALSE(openmp_spin::setForChild());  // once
    clearSpinEnvironment();
}

TEST_CASE("openmp spin: a user's OMP_WAIT_POLICY or GOMP_SPINCOUNT wins", "[util][openmp]") {
    clearSpinEnvironment();
    ::setenv("OMP_WAIT_POLICY", "active", 1);
    CHECK_FALSE(openmp_spin::setForChild());
    CHECK(std::getenv(openmp_spin::kVariable) == nullptr);
    clearSpinEnvironment();
    ::setenv(openmp_spin::kVariable, "123", 1);
    CHECK_FALSE(openmp_spin::setForChild());
    CHECK(std::string(std::getenv(openmp_spin::kVariable)) == "123");
    CHECK_FALSE(openmp_spin::setByCtscope());  // the user's, not ours
    clearSpinEnvironment();
}
