/* canary_shm_testing.h — what only Canary's own tests and benchmarks use,
 * kept out of canary_shm.h so no replica that includes the ABI header ever
 * compiles a way to leave a claimed slot uncommitted, or a benchmark loop.
 * Same license and rules as canary_shm.h (see proto/shm-layout.md). */
#ifndef CANARY_SHM_TESTING_H
#define CANARY_SHM_TESTING_H

#include "canary_shm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Test hook: claim a ticket and mark it "writing", but never commit: what a
 * writer killed between claim and commit leaves behind. Returns the ticket. */
static inline uint64_t canary_ring_claim_only(const canary_ring *ring) {
    uint64_t t = atomic_fetch_add_explicit(CANARY_A64(&ring->header->head), 1, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&ring->records[(t & ring->mask) << 3]), 2 * t + 1, memory_order_relaxed);
    return t;
}

/* Test hook: finishes ticket `t` claimed by canary_ring_claim_only, as its
 * writer would after being preempted mid-record: payload, then commit. */
static inline void canary_ring_commit_claimed(const canary_ring *ring, uint64_t t, uint64_t latency_ns, uint64_t key) {
    canary_record r;
    memset(&r, 0, sizeof r);
    r.timestamp_ns = canary_now_ns(CLOCK_REALTIME);
    r.latency_ns = latency_ns;
    r.key = key;
    r.kind = CANARY_KIND_INFERENCE;
    r.status = CANARY_STATUS_OK;
    canary_ring_store(ring, t, &r);
}

/* MARK: - Benchmark floor */

/* The floor the Swift recorder is measured against: the same fetch-add
 * claim, a 64-byte record with a fresh timestamp, and a release commit, as
 * a plain C loop with nothing else (no busy mark, no check word). */
static inline void canary_bench_floor(const canary_ring *ring, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        uint64_t t = atomic_fetch_add_explicit(CANARY_A64(&ring->header->head), 1, memory_order_relaxed);
        uint64_t *slot = ring->records + ((t & ring->mask) << 3);
        uint64_t ts = canary_now_ns(CLOCK_REALTIME);
        atomic_store_explicit(CANARY_A64(&slot[1]), ts, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[2]), 1000 + i, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[3]), i, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[4]), 0x0000000500050001ull, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[5]), 0, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[6]), 0, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[7]), 0, memory_order_relaxed);
        atomic_store_explicit(CANARY_A64(&slot[0]), 2 * t + 2, memory_order_release);
    }
}

#ifdef __cplusplus
}
#endif
#endif /* CANARY_SHM_TESTING_H */
