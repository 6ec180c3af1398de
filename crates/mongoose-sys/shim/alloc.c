/*
 * Memory for Mongoose's I/O buffers, and giving it back.
 *
 * Each connection that has made a request holds a receive and a send buffer
 * of 32 KiB (MG_IO_SIZE) for as long as it lives. Mongoose allocates them with
 * calloc, which in a thread's malloc arena writes every byte; build/fixes.rs
 * routes them to mgn_iobuf_alloc instead, so only the bytes a connection
 * really uses are touched (Mongoose's buffers never read past what they
 * hold). The engine frees the buffers of connections idle for a second
 * (mgn_release_buffers) and then calls mgn_alloc_collect, because glibc only
 * returns memory from the top of a heap by itself: without it, a burst of
 * connections would leave its high-water mark in RSS for good.
 *
 * Mongoose zeroes buffers before freeing them and bytes it has sent; mgn_wipe
 * does that at memset's speed (build/fixes.rs).
 *
 * The C library's own ways of giving memory back, and the compiler's of
 * keeping a memset, are the only #if here.
 */
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#elif defined(_WIN32)
#include <malloc.h>
#endif

#include "shim.h"

void *mgn_iobuf_alloc(size_t size) { return malloc(size); }

void mgn_alloc_collect(void) {
#if defined(__GLIBC__)
  malloc_trim(0);
#elif defined(__APPLE__)
  /* The default zone hands free pages back to the system. */
  malloc_zone_pressure_relief(NULL, 0);
#elif defined(_WIN32)
  /* The C runtime's heap decommits what it can spare. */
  _heapmin();
#else
  /* musl and the BSDs' jemalloc return freed pages by themselves. */
#endif
}

#if !defined(__GNUC__)
/* A compiler cannot know what a volatile pointer holds when it is read, so
 * it can neither inline this memset nor drop it as a store to dying memory. */
static void *(*volatile wipe_memset)(void *, int, size_t) = memset;
#endif

void mgn_wipe(void *buf, size_t len) {
#if defined(__GNUC__)
  memset(buf, 0, len);
  // The barrier tells the compiler the zeroes are read, so the memset stays
  // even where the buffer is freed right after (what explicit_bzero does).
  __asm__ __volatile__("" : : "r"(buf) : "memory");
#else
  /* MSVC has no GNU asm (and no inline asm at all on x64 and arm64).
   * SecureZeroMemory would keep the stores too, but on arm64 it is a byte
   * loop, the slowness this function exists to avoid. */
  wipe_memset(buf, 0, len);
#endif
}
