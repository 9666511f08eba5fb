// TensorBoard's debiased exponential moving average against values worked
// out by hand.
#include <catch2/catch.hpp>

#include "core/report/smoothing.h"

#include <cmath>
#include <limits>

using namespace ctscope;

TEST_CASE("debiased EMA matches hand-computed values; non-finite points pass through", "[smoothing]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    // w = 0.5: s1 = 0.5 → 0.5/0.5 = 1; s2 = 0.25 + 1 = 1.25 → 1.25/0.75 = 5/3;
    // NaN passes; s3 = 0.625 + 2 = 2.625 → 2.625/0.875 = 3; +inf passes;
    // s4 = 1.3125 + 0 = 1.3125 → 1.3125/0.9375 = 1.4.
    const std::vector<double> y{1.0, 2.0, nan, 4.0, inf, 0.0};
    const std::vector<double> s = smoothEma(y, 0.5);
    REQUIRE(s.size() == y.size());
    CHECK(s[0] == Approx(1.0).epsilon(1e-12));
    CHECK(s[1] == Approx(5.0 / 3.0).epsilon(1e-12));
    CHECK(std::isnan(s[2]));
    CHECK(s[3] == Approx(3.0).epsilon(1e-12));
    CHECK(s[4] == inf);
    CHECK(s[5] == Approx(1.4).epsilon(1e-12));
}

TEST_CASE("EMA weight 0 is the identity, a constant stays constant, the weight is clamped", "[smoothing]") {
    const std::vector<double> y{3.0, 1.0, 2.0};
    CHECK(smoothEma(y, 0.0) == y);
    CHECK(smoothEma(y, -1.0) == y);
    for (double v : smoothEma({2.5, 2.5, 2.5, 2.5}, 0.9)) CHECK(v == Approx(2.5).epsilon(1e-12));
    // w = 0.9, two points: s1 = 0.3 → 3; s2 = 0.27 + 0.1 = 0.37 → 0.37/0.19.
    const std::vector<double> s = smoothEma({3.0, 1.0}, 0.9);
    CHECK(s[0] == Approx(3.0).epsilon(1e-12));
    CHECK(s[1] == Approx(0.37 / 0.19).epsilon(1e-12));
    // w ≥ 1 would freeze the curve at 0/0: it is clamped to 0.999, and the
    // first point still comes out as itself.
    const std::vector<double> c = smoothEma({5.0, 1.0}, 1.0);
    CHECK(c[0] == Approx(5.0).epsilon(1e-9));
    CHECK(c[1] == Approx((0.999 * 0.001 * 5.0 + 0.001 * 1.0) / (1.0 - 0.999 * 0.999)).epsilon(1e-9));
    CHECK(smoothEma({}, 0.5).empty());
}
