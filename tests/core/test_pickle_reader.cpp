// The restricted unpickler and the zip reader on hand-written pickles and
// archives (tests/core/pickle_writer.h): what torch.save writes, forbidden
// globals, limits, and archives whose views or directory are wrong.
#include "pickle_writer.h"
#include "test_paths.h"

#include "core/format/checkpoint.h"
#include "core/format/pickle_reader.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

using namespace ctscope;
namespace fs = std::filesystem;
namespace pk = ctscope::test::pickle;
using ctscope::test::TempDir;
using Kind = PickleNode::Kind;

namespace {

PickleReader readPickle(const pk::PickleBytes& p) { return PickleReader(p.bytes.data(), p.bytes.size(), "t.pkl"); }

std::vector<uint8_t> floats(int n) {
    std::vector<uint8_t> out(static_cast<size_t>(n) * 4);
    for (int i = 0; i < n; ++i) {
        const float f = static_cast<float>(i) + 0.5f;
        std::memcpy(out.data() + 4 * i, &f, 4);
    }
    return out;
}

/// {"model.embed_tokens.weight": [8, 4] in storage "0", "<name>": <view> of storage "1"}.
pk::PickleBytes twoTensors(const std::string& name, const std::string& type, int64_t numel, int64_t offset,
                           const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    pk::PickleBytes p;
    p.proto().emptyDict().put(0).mark();
    p.str("model.embed_tokens.weight").tensorV2("FloatStorage", "0", 32, 0, {8, 4}, {4, 1});
    p.str(name).tensorV2(type, "1", numel, offset, size, stride);
    return p.setitems().stop();
}

std::string writeArchive(const TempDir& dir, const std::vector<pk::ZipEntrySpec>& entries, bool zip64 = false) {
    const std::string path = dir.file("model.pt");
    pk::writeFile(path, pk::zipBytes(entries, zip64));
    return path;
}

std::vector<pk::ZipEntrySpec> archive(const pk::PickleBytes& p, int storage1 = 40) {
    return {{"model/data.pkl", p.bytes}, {"model/data/0", floats(32)}, {"model/data/1", floats(storage1)},
            {"model/version", {'3', '\n'}}};
}

const std::string kQ = "model.layers.0.self_attn.q_proj.weight";

}  // namespace

TEST_CASE("the unpickler builds the value tree torch.save describes", "[pickle]") {
    pk::PickleBytes p;
    p.proto().global("collections", "OrderedDict").put(0).emptyTuple().reduce().put(1).mark();
    p.str("w").tensorV2("HalfStorage", "7", 12, 2, {2, 5}, {5, 1}).put(2);
    p.str("again").get(2);  // the same tensor object, through the memo
    p.str("meta").emptyList().mark().integer(-5).integer(1LL << 40).integer(-(1LL << 40)).none().boolean(true);
    p.op('G').raw(std::string("\x3f\xf4\x00\x00\x00\x00\x00\x00", 8));  // BINFLOAT 1.25, big-endian
    p.op('e');
    p.setitems();
    p.emptyDict().str("version").integer(1).setitem().op('b');  // BUILD: the state dict's _metadata
    p.stop();
    const PickleReader r = readPickle(p);
    const PickleNode& root = r.node(r.root());
    REQUIRE(root.kind == Kind::Dict);
    REQUIRE(root.items.size() == 6);
    const PickleNode& t = r.node(root.items[1]);
    REQUIRE(t.kind == Kind::Tensor);
    CHECK(root.items[3] == root.items[1]);
    CHECK(t.i == 2);
    const PickleNode& storage = r.node(t.items[0]);
    CHECK(storage.kind == Kind::Storage);
    CHECK(storage.s == "7");
    CHECK(storage.i == 12);
    CHECK(r.storageType(storage) == "HalfStorage");
    CHECK(r.node(r.node(t.items[1]).items[1]).i == 5);
    const PickleNode& meta = r.node(root.items[5]);
    REQUIRE(meta.items.size() == 6);
    CHECK(r.node(meta.items[0]).i == -5);
    CHECK(r.node(meta.items[1]).i == (1LL << 40));
    CHECK(r.node(meta.items[2]).i == -(1LL << 40));
    CHECK(r.node(meta.items[3]).kind == Kind::None);
    CHECK(r.node(meta.items[4]).i == 1);
    CHECK(r.node(meta.items[5]).f == 1.25);
}

TEST_CASE("_rebuild_parameter and _rebuild_from_type_v2 yield the tensor inside", "[pickle]") {
    pk::PickleBytes p;
    p.proto().emptyDict().mark();
    p.str("p").global("torch._utils", "_rebuild_parameter").mark();
    p.tensorV2("FloatStorage", "0", 4, 0, {4}, {1}).boolean(true).global("collections", "OrderedDict");
    p.emptyTuple().reduce().tuple().reduce();
    p.str("s").global("torch._tensor", "_rebuild_from_type_v2").mark().global("torch._utils", "_rebuild_tensor_v2");
    p.global("torch", "Tensor").mark().storage("BFloat16Storage", "1", 6).integer(0);
    p.mark().integer(2).integer(3).tuple().mark().integer(3).integer(1).tuple().boolean(false);
    p.global("collections", "OrderedDict").emptyTuple().reduce().tuple();  // the args of _rebuild_tensor_v2
    p.emptyDict().str("note").str("kept").setitem().tuple().reduce();     // state: the tensor's __dict__
    p.setitems().stop();
    const PickleReader r = readPickle(p);
    const PickleNode& root = r.node(r.root());
    REQUIRE(root.items.size() == 4);
    CHECK(r.node(root.items[1]).kind == Kind::Tensor);
    const PickleNode& s = r.node(root.items[3]);
    REQUIRE(s.kind == Kind::Tensor);
    CHECK(r.storageType(r.node(s.items[0])) == "BFloat16Storage");
}

TEST_CASE("a global outside the allow-list is refused before anything runs", "[pickle]") {
    TempDir dir;
    const std::string marker = dir.file("pwned");
    pk::PickleBytes p;
    p.proto().global("os", "system").mark().str("touch " + marker).tuple().reduce().stop();
    CHECK_THROWS_WITH(readPickle(p), Catch::Contains("global 'os.system' is not allowed in a checkpoint"));
    const std::string path = writeArchive(dir, {{"archive/data.pkl", p.bytes}});
    CHECK_THROWS_WITH(openCheckpoint(path), Catch::Contains("global 'os.system' is not allowed") &&
                                                Catch::Contains(path));
    CHECK_FALSE(fs::exists(marker));
    // STACK_GLOBAL (protocol 4) goes through the same list.
    pk::PickleBytes q;
    q.proto(4).str("builtins").str("eval").op(0x93).stop();
    CHECK_THROWS_WITH(readPickle(q), Catch::Contains("global 'builtins.eval' is not allowed"));
    pk::PickleBytes m;
    m.proto().global("__main__", "Net").stop();
    CHECK_THROWS_WITH(readPickle(m), Catch::Contains("torch.save(model.state_dict(), f)"));
}

TEST_CASE("malformed pickles and the unpickler's limits", "[pickle]") {
    auto fails = [](const pk::PickleBytes& p, const std::string& want) {
        INFO(want);
        try {
            readPickle(p);
            FAIL("accepted");
        } catch (const FormatError& e) {
            CHECK_THAT(e.what(), Catch::Contains(want));
        }
    };
    fails(pk::PickleBytes().proto().raw(std::string("X\x10\x00\x00\x00" "abc", 8)), "ends in the middle of an opcode");
    fails(pk::PickleBytes().proto().emptyDict(), "ends without STOP");
    fails(pk::PickleBytes().proto().raw("I1\n").stop(), "opcode 0x49 'I'");
    fails(pk::PickleBytes().proto().get(3).stop(), "memo key 3 was never stored");
    fails(pk::PickleBytes().proto(1).none().stop(), "pickle protocol 1");
    fails(pk::PickleBytes().proto().raw(std::string("\x8a\x09", 2) + std::string(9, '\1')).stop(), "too large");
    fails(pk::PickleBytes().proto().none().none().append().stop(), "APPEND on a value that is not a list");
    fails(pk::PickleBytes().proto().append().stop(), "pop from an empty stack");
    fails(pk::PickleBytes().proto().none().none().stop(), "STOP with 2 values left");
    fails(pk::PickleBytes().proto().str("f").emptyTuple().reduce().stop(), "REDUCE on a value that is not a global");
    fails(pk::PickleBytes().proto().global("collections", "OrderedDict").mark().none().tuple().reduce().stop(),
          "OrderedDict called with arguments");
    fails(pk::PickleBytes().proto().global("torch", "FloatStorage").emptyTuple().reduce().stop(),
          "'torch.FloatStorage' cannot be called");
    fails(pk::PickleBytes().proto().mark().str("storage").str("x").tuple().persid().stop(), "persistent id");
    fails(pk::PickleBytes().proto().mark().str("storage").global("collections", "OrderedDict").str("0").str("cpu")
              .integer(1).tuple().persid().stop(),
          "storage type is not a torch storage class");
    pk::PickleBytes marks;
    marks.proto().raw(std::string(70000, '('));
    fails(marks, "MARKs nested deeper than 65536");
    pk::PickleBytes deep;
    deep.proto().raw(std::string((size_t{1} << 20) + 1, 'N'));
    fails(deep, "stack deeper than 1048576");
}

TEST_CASE("hand-written archives: in-place, ZIP64 and strided views read the right elements", "[pickle]") {
    TempDir dir;
    for (bool zip64 : {false, true}) {
        INFO("zip64 " << zip64);
        const auto ck = openCheckpoint(writeArchive(dir, archive(twoTensors(kQ, "FloatStorage", 40, 8, {4, 4}, {4, 1})),
                                                    zip64));
        const std::vector<float> q = ck->readFloat(ck->require(kQ));
        REQUIRE(q.size() == 16);
        for (int i = 0; i < 16; ++i) CHECK(q[static_cast<size_t>(i)] == static_cast<float>(8 + i) + 0.5f);
        CHECK(ck->readFloat(ck->require("model.embed_tokens.weight"))[31] == 31.5f);
    }
    // Transposed: element (r, c) = storage[c * 4 + r].
    const auto ck = openCheckpoint(writeArchive(dir, archive(twoTensors(kQ, "FloatStorage", 40, 0, {4, 4}, {1, 4}))));
    const std::vector<float> q = ck->readFloat(ck->require(kQ));
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) CHECK(q[static_cast<size_t>(r * 4 + c)] == static_cast<float>(c * 4 + r) + 0.5f);
}

TEST_CASE("archives whose views, storages or directory are wrong are refused", "[pickle]") {
    TempDir dir;
    auto refused = [&](const std::vector<pk::ZipEntrySpec>& entries, const std::string& want) {
        INFO(want);
        CHECK_THROWS_WITH(openCheckpoint(writeArchive(dir, entries)), Catch::Contains(want));
    };
    const auto view = [&](int64_t numel, int64_t offset, std::vector<int64_t> size, std::vector<int64_t> stride) {
        return archive(twoTensors(kQ, "FloatStorage", numel, offset, size, stride));
    };
    refused(view(41, 0, {4, 4}, {4, 1}), "should hold 41 FloatStorage elements, but its entry has 160 bytes");
    refused(view(40, 30, {4, 4}, {4, 1}), "reaches past the 40 elements of storage '1'");
    refused(view(40, 0, {1LL << 62, 1LL << 62}, {1, 1}), "overflows 64 bits");
    refused(view(40, 0, {4, 4}, {-4, 1}), "expected non-negative");
    refused(view(40, 0, {4, 1LL << 40}, {1LL << 40, 1LL << 40}), "reaches past");
    refused(archive(twoTensors(kQ, "FloatStorage", 4, 0, {4, 4}, {0, 1}), 4), "larger than its storage");
    refused(archive(twoTensors(kQ, "DoubleStorage", 20, 0, {4, 4}, {4, 1})),
            "storage type torch.DoubleStorage is not supported");
    refused(view(40, 0, std::vector<int64_t>(17, 1), std::vector<int64_t>(17, 1)), "at most 16");
    auto noStorage = view(40, 0, {4, 4}, {4, 1});
    noStorage.pop_back();
    noStorage.erase(noStorage.begin() + 2);
    refused(noStorage, "has no entry 'model/data/1' in the archive");
    refused({{"model/version", {'3'}}}, "has no 'model/data.pkl'");
    refused({{"m/data.pkl", {}}, {"m/constants.pkl", {}}}, "TorchScript archive");
    auto big = view(40, 0, {4, 4}, {4, 1});
    big.push_back({"model/byteorder", {'b', 'i', 'g'}});
    refused(big, "big-endian");
    refused({{"model/data.pkl", pk::PickleBytes().proto().emptyList().stop().bytes}}, "holds no dict of tensors");
    auto deflated = view(40, 0, {4, 4}, {4, 1});
    deflated[2].method = 8;
    refused(deflated, "entry 'model/data/1' is compressed (deflate)");

    // A dict that holds itself: the search for the state dict terminates.
    pk::PickleBytes loop;
    loop.proto().emptyDict().put(0).mark().str("self").get(0);
    loop.str("model.embed_tokens.weight").tensorV2("FloatStorage", "0", 32, 0, {8, 4}, {4, 1});
    loop.str(kQ).tensorV2("FloatStorage", "1", 40, 0, {4, 4}, {4, 1}).setitems().stop();
    CHECK(openCheckpoint(writeArchive(dir, archive(loop)))->tensors().size() == 2);
}

TEST_CASE("a damaged zip directory is refused, never read out of bounds", "[pickle]") {
    TempDir dir;
    const std::vector<uint8_t> good = pk::zipBytes(archive(twoTensors(kQ, "FloatStorage", 40, 0, {4, 4}, {4, 1})));
    const size_t end = good.size() - 22;  // end-of-central-directory record
    uint32_t cdOffset = 0;
    std::memcpy(&cdOffset, good.data() + end + 16, 4);
    auto damaged = [&](size_t at, uint32_t value, const std::string& want) {
        std::vector<uint8_t> bytes = good;
        std::memcpy(bytes.data() + at, &value, 4);
        pk::writeFile(dir.file("d.pt"), bytes);
        INFO(want);
        CHECK_THROWS_WITH(openCheckpoint(dir.file("d.pt")), Catch::Contains(want));
    };
    damaged(end + 16, 0xFFFFFF00u, "central directory");                // directory offset past the end
    damaged(end + 10, 0x00FF00FFu, "multi-part");                      // entry counts disagree
    damaged(cdOffset + 42, 0x7FFFFFFFu, "no local file header");        // first entry's local header
    damaged(cdOffset + 20, 0x7FFFFFFFu, "run past the end");            // first entry's size
    damaged(cdOffset, 0x12345678u, "no central file header");
}
