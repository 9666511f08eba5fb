// THE correctness test of the training engine: next-token loss of every form
// of stories260K against the independent float64 reference (1.2451 nats/token
// over 12,571 predicted tokens, ../shared/models/README.md).
#include <catch2/catch.hpp>

#include "core/format/checkpoint.h"
#include "core/train/evaluate.h"
#include "train_test_util.h"

using namespace ctscope;
using ctscope::test::sharedPath;

namespace {

EvalReport evalForm(const std::string& rel, const std::string& tokenizer = {}) {
    auto ckpt = openCheckpoint(sharedPath(rel));
    EvalOptions o;
    o.dataFile = sharedPath(test::kStoriesSample);
    o.tokenizerFile = tokenizer;
    o.docs = 40;
    o.threads = 1;  // small matrices: more threads only add contention
    return evaluateCheckpoint(*ckpt, o);
}

} // namespace

TEST_CASE("eval: every form of stories260K gives 1.2451 nats/token", "[train][eval]") {
    CTSCOPE_REQUIRE_SHARED(test::kStoriesBin);
    CTSCOPE_REQUIRE_SHARED(test::kStoriesSample);
    const char* forms[] = {"models/stories260K/stories260K.bin", "models/stories260K-hf",
                           "models/stories260K-hf-bf16-sharded", "models/stories260K-f32.gguf",
                           "models/stories260K-f16.gguf"};
    for (const char* form : forms) {
        if (!test::haveShared(form)) {
            WARN("SKIPPED form " << form << ": not present");
            continue;
        }
        const EvalReport r = evalForm(form);
        INFO(form << ": " << r.loss << " nats/token over " << r.tokens << " tokens (" << r.tokenizerKind << ")");
        CHECK(r.docs == 40);
        CHECK(r.tokens == 12571);
        CHECK(r.loss == Approx(1.2451).margin(0.0005));
        WARN(form << ": " << std::to_string(r.loss) << " nats/token, " << r.tokens << " tokens, " << r.tokenizerKind);
    }
}

TEST_CASE("eval: --tokenizer overrides the checkpoint's own", "[train][eval]") {
    CTSCOPE_REQUIRE_SHARED(test::kStoriesBin);
    CTSCOPE_REQUIRE_SHARED(test::kStoriesSample);
    const EvalReport r = evalForm(test::kStoriesBin, sharedPath("models/stories260K/tok512.bin"));
    CHECK(r.tokenizerKind == "llama2c");
    CHECK(r.tokens == 12571);
    CHECK(r.loss == Approx(1.2451).margin(0.0005));
}

TEST_CASE("eval: a missing data file is an error naming it", "[train][eval]") {
    CTSCOPE_REQUIRE_SHARED(test::kStoriesBin);
    auto ckpt = openCheckpoint(sharedPath(test::kStoriesBin));
    EvalOptions o;
    o.dataFile = "/nonexistent/data.txt";
    try {
        evaluateCheckpoint(*ckpt, o);
        FAIL("expected an error");
    } catch (const std::exception& e) {
        CHECK(std::string(e.what()).find("/nonexistent/data.txt") != std::string::npos);
    }
}
