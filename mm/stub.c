/* STUB: a bump allocator until the real page allocator and heap land. */
#include <string.h>
#include "mm/heap.h"
#include "mm/page.h"

static uint8_t arena[1 << 20] __attribute__((aligned(4096)));
static size_t used;

void page_init(const struct bootinfo *bi) { (void)bi; }
void *page_alloc(unsigned order) { size_t n = PAGE_SIZE << order; used = (used + n - 1) & ~(n - 1); if (used + n > sizeof(arena)) return NULL; void *p = arena + used; used += n; return p; }
void page_free(void *p, unsigned order) { (void)p; (void)order; }
uint64_t page_total_bytes(void) { uint64_t t = 0; for (int i = 0; i < boot_info.nregions; i++) if (boot_info.regions[i].type == MEM_USABLE) t += boot_info.regions[i].len; return t; }
uint64_t page_free_bytes(void) { return sizeof(arena) - used; }
void heap_init(void) {}
void *kmalloc(size_t size) { size = (size + 15) & ~15ul; if (used + size > sizeof(arena)) return NULL; void *p = arena + used; used += size; return p; }
void *kzalloc(size_t size) { void *p = kmalloc(size); if (p) memset(p, 0, size); return p; }
void *kmalloc_aligned(size_t size, size_t align) { used = (used + align - 1) & ~(align - 1); return kmalloc(size); }
void *krealloc(void *p, size_t size) { void *n = kmalloc(size); if (n && p) memcpy(n, p, size); return n; }
void kfree(void *p) { (void)p; }
void heap_get_stats(struct heap_stats *st) { memset(st, 0, sizeof(*st)); }
