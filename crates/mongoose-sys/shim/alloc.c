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
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

void *mgn_iobuf_alloc(size_t size) { return malloc(size); }

void mgn_alloc_collect(void) { malloc_trim(0); }

void mgn_wipe(void *buf, size_t len) {
  memset(buf, 0, len);
  // The barrier tells the compiler the zeroes are read, so the memset stays
  // even where the buffer is freed right after (what explicit_bzero does).
  __asm__ __volatile__("" : : "r"(buf) : "memory");
}
