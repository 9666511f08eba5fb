#include "core/util/huge_pages.h"

#include <cstdint>

#include <sys/mman.h>

namespace ctscope::huge_pages {

void* map(std::size_t bytes) {
    const std::size_t size = roundUp(bytes);
    if (size < bytes || size + kPage < size) throw std::bad_alloc();
    // Over-map by one huge page, then trim head and tail so the kept range
    // is 2 MiB-aligned (only aligned ranges can be backed by huge pages).
    void* raw = ::mmap(nullptr, size + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kPage - 1) / kPage * kPage;
    if (aligned > start) ::munmap(raw, aligned - start);
    const std::uintptr_t tail = aligned + size;
    const std::uintptr_t end = start + size + kPage;
    if (end > tail) ::munmap(reinterpret_cast<void*>(tail), end - tail);
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice only; failure is harmless
#endif
    return reinterpret_cast<void*>(aligned);
}

void unmap(void* p, std::size_t bytes) noexcept {
    if (p) ::munmap(p, roundUp(bytes));
}

} // namespace ctscope::huge_pages
