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

EvalReport evalForm(const std::string& path, const std::string& tokenizer = {}) {
    auto ckpt = openCheckpoint(path);
    EvalOptions o;
    o.dataFile = sharedPath(test::kStoriesSample);
    o.tokenizerFile = tokenizer;
    o.docs = 40;
    o.threads = 1;  // small matrices: more threads only add contention
    return evaluateCheckpoint(*ckpt, o);
}

} // namespace

TEST_CASE("eval: every form of stories260K gives 1.2451 nats/token", "[train][eval]") {
    CTSCOPE_REQUIRE_SHARED(test::kStoriesSample);  // the evaluation text is only in ../shared
    std::vector<std::string> forms = {test::storiesBin()};
    for (const char* rel : {"models/stories260K-hf", "models/stories260K-hf-bf16-sharded",
                            "models/stories260K-f32.gguf", "models/stories260K-f16.gguf"}) {
        if (test::haveShared(rel))
            forms.push_back(sharedPath(rel));
        else
            WARN("SKIPPED form " << rel << ": not present");
    }
    for (const std::string& form : forms) {
        const EvalReport r = evalForm(form);
        INFO(form << ": " << r.loss << " nats/token over " << r.tokens << " tokens (" << r.tokenizerKind << ")");
        CHECK(r.docs == 40);
        CHECK(r.tokens == 12571);
        CHECK(r.loss == Approx(1.2451).margin(0.0005));
        WARN(form << ": " << std::to_string(r.loss) << " nats/token, " << r.tokens << " tokens, " << r.tokenizerKind);
    }
}

TEST_CASE("eval: --tokenizer overrides the checkpoint's own", "[train][eval]") {
    CTSCOPE_REQUIRE_SHARED(test::kStoriesSample);
    const EvalReport r = evalForm(test::storiesBin(), test::storiesTokenizer("tok512.bin"));
    CHECK(r.tokenizerKind == "llama2c");
    CHECK(r.tokens == 12571);
    CHECK(r.loss == Approx(1.2451).margin(0.0005));
}

TEST_CASE("eval: a missing data file is an error naming it", "[train][eval]") {
    auto ckpt = openCheckpoint(test::storiesBin());
    EvalOptions o;
    o.dataFile = "/nonexistent/data.txt";
    try {
        evaluateCheckpoint(*ckpt, o);
        FAIL("expected an error");
    } catch (const std::exception& e) {
        CHECK(std::string(e.what()).find("/nonexistent/data.txt") != std::string::npos);
    }
}
