#pragma once
/// Large scratch buffers backed by transparent huge pages.
///
/// A fresh 4 KiB page costs a page fault on first touch. On the 2-core VM
/// ctscope is benchmarked on that is 3.3 ms per MB (256 MB first touched in
/// 0.85 s), so the spectral engine's tens of 16–64 MB Grams and buffers spent
/// seconds in the kernel. With madvise(MADV_HUGEPAGE) on a 2 MiB-aligned
/// mapping the same 256 MB is touched in 0.016 s once the kernel has huge
/// pages to hand out. Systems with THP off ("never") just get normal pages.
#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace ctscope {

namespace huge_pages {
/// The huge page size the mappings are aligned and rounded to (2 MiB).
constexpr std::size_t kPage = std::size_t(2) << 20;
/// Allocations from this size on are mapped separately and advised.
constexpr std::size_t kFrom = kPage;
/// `bytes` rounded up to whole huge pages (the size a mapping of `bytes` takes).
constexpr std::size_t roundUp(std::size_t bytes) { return (bytes + kPage - 1) / kPage * kPage; }
/// A 2 MiB-aligned anonymous mapping of at least `bytes`, advised for huge
/// pages; throws std::bad_alloc when the mapping fails.
void* map(std::size_t bytes);
void unmap(void* p, std::size_t bytes) noexcept;
} // namespace huge_pages

/// std::allocator for small sizes, huge_pages::map for large ones.
template <class T>
struct HugePageAllocator {
    using value_type = T;
    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_pages::kFrom) return std::allocator<T>().allocate(n);
        return static_cast<T*>(huge_pages::map(bytes));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_pages::kFrom) return std::allocator<T>().deallocate(p, n);
        huge_pages::unmap(p, bytes);
    }
    template <class U>
    bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const HugePageAllocator<U>&) const noexcept { return false; }
};

/// A vector whose large storage comes from huge pages.
template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

} // namespace ctscope
