// The caching CPU allocator (core/train/cpu_allocator.h): blocks reused by
// size, a step's pattern served from the cache after its warm-up, stale
// blocks unmapped, the cache limit kept, small requests passed through.
#include <catch2/catch.hpp>

#include "core/train/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <vector>

using namespace ctscope;

namespace {
constexpr std::size_t MiB = std::size_t(1) << 20;
} // namespace

TEST_CASE("cpu allocator: a freed block comes back for the same rounded size; small ones pass through",
          "[train][allocator]") {
    CachingCpuAllocator a(c10::GetDefaultCPUAllocator(), 2 * MiB, 64 * MiB);
    void* first = nullptr;
    {
        c10::DataPtr p = a.allocate(3 * MiB);
        first = p.get();
        REQUIRE(first != nullptr);
        CHECK(reinterpret_cast<std::uintptr_t>(first) % (2 * MiB) == 0);  // huge-page aligned
        std::memset(first, 0x5a, 3 * MiB);                                // writable to its end
        CHECK(a.stats().liveBytes == 4 * MiB);
    }
    CHECK(a.stats().misses == 1);
    CHECK(a.stats().cachedBytes == 4 * MiB);
    {
        c10::DataPtr p = a.allocate(3 * MiB + 512 * 1024);  // rounds to the same 4 MiB
        CHECK(p.get() == first);
        CHECK(a.stats().hits == 1);
        CHECK(a.stats().cachedBytes == 0);
        c10::DataPtr q = a.allocate(3 * MiB);  // the one block is in use: a new one
        CHECK(q.get() != first);
        CHECK(a.stats().misses == 2);
    }
    CHECK(a.stats().cachedBytes == 8 * MiB);
    {
        c10::DataPtr small = a.allocate(1024);  // below the threshold: the fallback's
        REQUIRE(small.get() != nullptr);
        CHECK(a.stats().hits == 1);
        CHECK(a.stats().misses == 2);
    }
    a.releaseCached();
    CHECK(a.stats().cachedBytes == 0);
    CHECK(a.stats().evictions == 2);
}

TEST_CASE("cpu allocator: a repeated step is served from the cache; a stale block goes on a later miss",
          "[train][allocator]") {
    CachingCpuAllocator a(c10::GetDefaultCPUAllocator(), 2 * MiB, 1024 * MiB);
    // One "step": activations live across the step, temporaries come and go.
    auto step = [&a] {
        std::vector<c10::DataPtr> live;
        live.push_back(a.allocate(8 * MiB));
        live.push_back(a.allocate(6 * MiB));
        { c10::DataPtr tmp = a.allocate(10 * MiB); }
        live.push_back(a.allocate(12 * MiB));
        live.erase(live.begin());
        { c10::DataPtr tmp = a.allocate(10 * MiB); }
        live.push_back(a.allocate(8 * MiB));
    };
    { c10::DataPtr stale = a.allocate(20 * MiB); }  // an earlier arm's block, never asked for again
    step();
    step();
    const int64_t missesAfterWarmUp = a.stats().misses;
    for (int i = 0; i < 100; ++i) step();
    CHECK(a.stats().misses == missesAfterWarmUp);  // all hits
    CHECK(a.stats().maxReuseDistance > 0);
    CHECK(a.stats().cachedBytes >= 20 * MiB);      // nothing missed, so nothing evicted yet
    CHECK(a.stats().evictions == 0);
    {
        c10::DataPtr other = a.allocate(14 * MiB);  // a new size: the miss unmaps the stale block
        CHECK(a.stats().evictions == 1);
    }
    const int64_t missesBefore = a.stats().misses;
    for (int i = 0; i < 10; ++i) step();
    CHECK(a.stats().misses == missesBefore);  // the step's own blocks survived the eviction
}

TEST_CASE("cpu allocator: freed blocks beyond the cache limit are unmapped", "[train][allocator]") {
    CachingCpuAllocator a(c10::GetDefaultCPUAllocator(), 2 * MiB, 8 * MiB);
    {
        c10::DataPtr p = a.allocate(4 * MiB), q = a.allocate(4 * MiB), r = a.allocate(4 * MiB);
        c10::DataPtr huge = a.allocate(16 * MiB);  // larger than the limit: never cached
        CHECK(a.stats().liveBytes == 28 * MiB);
    }
    CHECK(a.stats().cachedBytes <= 8 * MiB);
    CHECK(a.stats().liveBytes == 0);
    CHECK(a.stats().evictions >= 1);
}

TEST_CASE("cpu allocator: installed as LibTorch's CPU allocator (not under ASan)", "[train][allocator]") {
    CachingCpuAllocator* installed = installCachingCpuAllocator();
#if defined(__SANITIZE_ADDRESS__)
    CHECK(installed == nullptr);  // ASan's allocator must see every buffer
#else
    REQUIRE(installed != nullptr);
    CHECK(installCachingCpuAllocator() == installed);  // once per process
    CHECK(c10::GetCPUAllocator() == installed);
    const auto before = installed->stats();
    {
        auto t = torch::ones({4 * 1024 * 1024}, torch::kFloat32);  // 16 MiB
        CHECK(t.sum().item<double>() == Approx(4.0 * 1024 * 1024));
        CHECK(installed->stats().liveBytes >= before.liveBytes + 16 * MiB);
    }
    auto u = torch::zeros({4 * 1024 * 1024}, torch::kFloat32);  // the same block again, zeroed
    CHECK(u.abs().sum().item<double>() == 0.0);
    CHECK(installed->stats().hits > before.hits);
#endif
}
