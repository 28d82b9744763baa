/* SPDX-License-Identifier: MIT */
/* pages.c: a pool of freed pages that later blocks take over with mremap (see pages.h). Under
 * AddressSanitizer, plain malloc and free, so that it sees every block. */
#include "config.h"

#include "pages.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* What the pool keeps at most: the freed node blocks and loader memory of a 100,000-step
 * compile (the 5,000-step fan's are 13 MB). A package's YAML buffer gives back the pages it
 * does not take (core/tarzip.c); mpi_pages_trim() gives back the rest. */
#define POOL_MAX ((size_t)256 << 20)
#define POOL_SLOTS 32

static size_t page_size(void)
{
    static size_t ps;
    if (!ps) {
        long v = sysconf(_SC_PAGESIZE);
        ps = v > 0 ? (size_t)v : 4096;
    }
    return ps;
}

/* @n rounded up to whole pages; 0 when it would overflow. */
static size_t whole_pages(size_t n)
{
    size_t ps = page_size();
    return n > SIZE_MAX - ps ? 0 : (n + ps - 1) & ~(ps - 1);
}

size_t mpi_pages_round(size_t n)
{
    return whole_pages(n);
}

/* A block's header, before its bytes: @map is its mapping's length, 0 for a malloc block. */
struct block {
    size_t map;
    size_t size; /* the bytes asked for */
};

#ifdef MP_ASAN

void *mpi_pages_take(size_t n, bool zero)
{
    return zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
}

void mpi_pages_put(void *p, size_t n)
{
    (void)n;
    free(p);
}

size_t mpi_pages_fill(void *p, size_t n, bool zero)
{
    (void)p;
    (void)n;
    (void)zero;
    return 0;
}

void mpi_pages_trim(void)
{
}

bool mpi_pages_pooled(void)
{
    return false;
}

void *mpi_block_realloc(void *p, size_t n)
{
    return realloc(p, n ? n : 1);
}

void mpi_block_free(void *p)
{
    free(p);
}

#else

static struct {
    pthread_mutex_t mu;
    struct {
        char *base;
        size_t len;
    } slot[POOL_SLOTS];
    size_t n, bytes;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER};

size_t mpi_pages_fill(void *p, size_t n, bool zero)
{
    size_t ps = page_size(), off = 0;
    n &= ~(ps - 1);
    pthread_mutex_lock(&pool.mu);
    while (off < n && pool.n) {
        /* The last freed first: its pages are the likeliest still in the cache. */
        size_t i = pool.n - 1, k = pool.slot[i].len < n - off ? pool.slot[i].len : n - off;
        /* Kernels before 6.17 move one mapping (VMA) at a time: halve until it is one. */
        void *r;
        while ((r = mremap(pool.slot[i].base, k, k, MREMAP_MAYMOVE | MREMAP_FIXED,
                           (char *)p + off)) == MAP_FAILED && k > ps)
            k = (k / 2 + ps - 1) & ~(ps - 1);
        if (r == MAP_FAILED) { /* not movable at all: back to the kernel */
            munmap(pool.slot[i].base, pool.slot[i].len);
            pool.bytes -= pool.slot[i].len;
            pool.n--;
            continue;
        }
        pool.slot[i].base += k;
        pool.slot[i].len -= k;
        pool.bytes -= k;
        if (!pool.slot[i].len)
            pool.n--;
        off += k;
    }
    pthread_mutex_unlock(&pool.mu);
    if (zero && off)
        memset(p, 0, off);
    return off;
}

void *mpi_pages_take(size_t n, bool zero)
{
    size_t len = whole_pages(n ? n : 1);
    void *p = len ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  : MAP_FAILED;
    if (p == MAP_FAILED)
        return NULL;
    mpi_pages_fill(p, len, zero);
    return p;
}

/* The length of the part of [@p, @p + @len) up to its last page in memory: a block's tail
 * that was never written has no pages, and pooling it would save no fault. */
static size_t resident(void *p, size_t len)
{
    size_t ps = page_size(), np = len / ps;
    unsigned char vec[1024];
    size_t end = 0;
    for (size_t i = 0; i < np; i += sizeof(vec)) {
        size_t k = np - i < sizeof(vec) ? np - i : sizeof(vec);
        if (mincore((char *)p + i * ps, k * ps, vec) != 0)
            return len; /* cannot tell: keep it all */
        for (size_t j = k; j-- > 0;)
            if (vec[j] & 1) {
                end = (i + j + 1) * ps;
                break;
            }
    }
    return end;
}

void mpi_pages_put(void *p, size_t n)
{
    size_t len = whole_pages(n);
    if (!p || !len)
        return;
    size_t keep = resident(p, len);
    if (keep < len) {
        munmap((char *)p + keep, len - keep);
        if (!(len = keep))
            return;
    }
    pthread_mutex_lock(&pool.mu);
    bool kept = pool.n < POOL_SLOTS && len <= POOL_MAX - pool.bytes;
    if (kept) {
        pool.slot[pool.n].base = p;
        pool.slot[pool.n].len = len;
        pool.n++;
        pool.bytes += len;
    }
    pthread_mutex_unlock(&pool.mu);
    if (!kept)
        munmap(p, len);
}

bool mpi_pages_pooled(void)
{
    return __atomic_load_n(&pool.bytes, __ATOMIC_RELAXED) != 0;
}

void mpi_pages_trim(void)
{
    pthread_mutex_lock(&pool.mu);
    for (size_t i = 0; i < pool.n; i++)
        munmap(pool.slot[i].base, pool.slot[i].len);
    pool.n = pool.bytes = 0;
    pthread_mutex_unlock(&pool.mu);
}

void *mpi_block_realloc(void *p, size_t n)
{
    struct block *h = p ? (struct block *)p - 1 : NULL;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = sizeof(*h) + n;
    if (need < MPI_PAGES_MIN && (!h || !h->map)) {
        struct block *nh = realloc(h, need);
        if (!nh)
            return NULL;
        *nh = (struct block){.map = 0, .size = n};
        return nh + 1;
    }
    size_t len = whole_pages(need);
    if (h && h->map) {
        if (len < h->map) { /* the tail's pages go to the pool */
            mpi_pages_put((char *)h + len, h->map - len);
        } else if (len > h->map) {
            size_t old = h->map;
            struct block *nh = mremap(h, old, len, MREMAP_MAYMOVE);
            if (nh != MAP_FAILED) {
                mpi_pages_fill((char *)nh + old, len - old, false);
            } else { /* pooled pages made it more than one mapping: copy it */
                if (!(nh = mpi_pages_take(len, false)))
                    return NULL;
                memcpy(nh, h, sizeof(*h) + h->size);
                mpi_pages_put(h, old);
            }
            h = nh;
        }
        *h = (struct block){.map = len, .size = n};
        return h + 1;
    }
    struct block *nh = mpi_pages_take(len, false);
    if (!nh)
        return NULL;
    if (h) {
        memcpy(nh + 1, h + 1, h->size < n ? h->size : n);
        free(h);
    }
    *nh = (struct block){.map = len, .size = n};
    return nh + 1;
}

void mpi_block_free(void *p)
{
    struct block *h = p ? (struct block *)p - 1 : NULL;
    if (h && h->map)
        mpi_pages_put(h, h->map);
    else
        free(h);
}

#endif
