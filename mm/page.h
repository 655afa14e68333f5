/*
 * mm/page.h: the physical page allocator. Memory is identity-mapped, so a
 * page's address is both its physical and its virtual address.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/bootinfo.h"

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12

void page_init(const struct bootinfo *bi);  /* from the memory map, minus kernel, boot data, low 1 MiB */
void *page_alloc(unsigned order);           /* 2^order contiguous pages, aligned to their size; NULL when none */
void page_free(void *p, unsigned order);
uint64_t page_total_bytes(void);            /* usable RAM managed */
uint64_t page_free_bytes(void);

#endif
