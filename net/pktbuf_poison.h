/*
 * pktbuf_poison.h: AddressSanitizer hooks for the packet pools.
 *
 * The pools carve buffers out of big blocks, so ASan's heap checks alone
 * cannot see a read past a frame's end (it lands in the next buffer) or a
 * use after pktbuf_free() (the storage is still the pool's). Under ASan
 * (host builds: unit tests and fuzz targets) pktbuf.c therefore poisons
 * every buffer's storage while it is free and, while it is in use, all of
 * it but the packet bytes (data .. data+len, widened by push and put);
 * any access outside them is reported like a heap overflow or a
 * use-after-free. Elsewhere (the kernel build) both hooks are empty.
 *
 * The ASan interface is declared here rather than taken from
 * <sanitizer/asan_interface.h>: net/ includes only its own and the
 * freestanding headers (tools/check-layering.sh).
 */
#ifndef NET_PKTBUF_POISON_H
#define NET_PKTBUF_POISON_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define PKTBUF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PKTBUF_ASAN 1
#endif
#endif

#ifdef PKTBUF_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
/* Bytes [a, a+n) may not be touched until unpoisoned. */
#define PKTBUF_POISON(a, n)	__asan_poison_memory_region((a), (n))
/* Bytes [a, a+n) may be touched again. */
#define PKTBUF_UNPOISON(a, n)	__asan_unpoison_memory_region((a), (n))
#else
#define PKTBUF_POISON(a, n)	((void)(a), (void)(n))
#define PKTBUF_UNPOISON(a, n)	((void)(a), (void)(n))
#endif

#endif /* NET_PKTBUF_POISON_H */
