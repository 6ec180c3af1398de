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
 */
#include <malloc.h>
#include <stdlib.h>

#include "shim.h"

void *mgn_iobuf_alloc(size_t size) { return malloc(size); }

void mgn_alloc_collect(void) { malloc_trim(0); }
