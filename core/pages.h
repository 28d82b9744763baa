/* SPDX-License-Identifier: MIT */
/* pages.h: big blocks of whole pages whose memory is recycled between the phases of a compile.
 *
 * A block given back keeps its pages (already faulted in and charged) in a small pool instead
 * of going back to the kernel; the next blocks taken, or a reservation filled, get those pages
 * moved in (mremap: page tables only, no copy and no fault). The parser's node block, freed once
 * the pipeline is loaded, so becomes the workflow tree and the YAML output buffer. */
#ifndef MNISTPIPE_CORE_PAGES_H
#define MNISTPIPE_CORE_PAGES_H

#include <stdbool.h>
#include <stddef.h>

/* Blocks smaller than this come from malloc (mpi_block_*) or are not worth a mapping. */
#define MPI_PAGES_MIN ((size_t)256 << 10)

/* A mapping of @n bytes (rounded up to whole pages), its front made of pooled pages when there
 * are some: zeroed when @zero (fresh pages always are), else holding old bytes.
 * Errors: NULL when out of memory. */
void *mpi_pages_take(size_t n, bool zero);
/* Give back a mapping (or a page-aligned part of one) of @n bytes from mpi_pages_take() or
 * mmap: pooled up to a cap, the rest unmapped. */
void mpi_pages_put(void *p, size_t n);
/* Move pooled pages into the first bytes of the mapping [@p, @p + @n) (page-aligned, from mmap),
 * replacing what was there, and zero them when @zero. Returns the bytes filled. */
size_t mpi_pages_fill(void *p, size_t n, bool zero);
/* Pages are pooled now (a hint: blocks under MPI_PAGES_MIN are worth a mapping only then). */
bool mpi_pages_pooled(void);
/* @n rounded up to whole pages (0 when that overflows). */
size_t mpi_pages_round(size_t n);
/* Unmap every pooled page. */
void mpi_pages_trim(void);

/* realloc() and free() for one growing array: a malloc block while small, a mapping (grown by
 * mremap, without copying) from MPI_PAGES_MIN on, whose pages are pooled when freed.
 * Errors: NULL when out of memory, @p left as it was. */
void *mpi_block_realloc(void *p, size_t n);
void mpi_block_free(void *p);

#endif /* MNISTPIPE_CORE_PAGES_H */
