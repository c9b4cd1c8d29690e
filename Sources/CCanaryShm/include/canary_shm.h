/*
 * canary_shm.h — the Canary shared-memory ABI, implemented once.
 *
 * Two segments, both specified byte for byte in proto/shm-layout.md:
 *   - the sample ring: multi-producer (fetch-add claim), single consumer,
 *     64-byte records, overwrite-never-block, loss counted by the reader;
 *   - the route page: a seqlock-protected table of up to 8 (version, weight
 *     in parts per million) entries, and the sticky `route(key)` mapping.
 *
 * One header on purpose (it is longer than our other files): it is the
 * ABI, and every writer — a replica in C, C++, Python or Swift — includes
 * this one file and nothing else, so the layout and its memory orders can
 * never be split across versions. What only Canary's tests and benchmarks
 * use lives in canary_shm_testing.h.
 *
 * Everything here is `static inline` so C, C++, Swift (through the
 * CCanaryShm module) and the Python extension compile the very same code.
 * This header does no system calls except clock_gettime: opening, sizing and
 * mapping segments belongs to each language binding, which validates what it
 * mapped with canary_ring_check / canary_route_check before using it.
 *
 * Atomics: struct fields are plain integer types so that every language can
 * import the structs; all concurrent accesses go through C11 <stdatomic.h>
 * operations on the same addresses (CANARY_A64/CANARY_A32 below), which is
 * the lock-free, address-free use C11 §7.17.5 intends for shared memory.
 */
#ifndef CANARY_SHM_H
#define CANARY_SHM_H

/* clock_gettime and CLOCK_* are POSIX: a strict -std=c11 build must define
 * _POSIX_C_SOURCE >= 199309L before its first include. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "canary_shm.h: the shared-memory layout is little-endian only"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Views a plain field as the atomic object the protocol treats it as. */
#define CANARY_A64(p) ((_Atomic uint64_t *)(void *)(p))
#define CANARY_A32(p) ((_Atomic uint32_t *)(void *)(p))

/* MARK: - Constants */

#define CANARY_LAYOUT_VERSION 1u
/* "CNRYRING" and "CNRYROUT" read as little-endian u64. */
#define CANARY_RING_MAGIC 0x474E495259524E43ull
#define CANARY_ROUTE_MAGIC 0x54554F5259524E43ull
#define CANARY_RING_HEADER_SIZE 4096u
#define CANARY_RECORD_SIZE 64u
#define CANARY_ROUTE_PAGE_SIZE 4096u
#define CANARY_LABEL_SIZE 64u
#define CANARY_ROUTE_LABEL_SIZE 56u
#define CANARY_ROUTE_MAX_ENTRIES 8u
#define CANARY_PPM 1000000u
/* Clock of record timestamps; 0 is Linux's CLOCK_REALTIME id, stored so a
 * reader never has to guess. */
#define CANARY_CLOCK_REALTIME_ID 0u
#define CANARY_READY 1u
/* 2^4 .. 2^30 records: 1 KiB .. 64 GiB of ring. */
#define CANARY_MIN_CAPACITY 16ull
#define CANARY_MAX_CAPACITY (1ull << 30)

/* Record kinds. */
#define CANARY_KIND_INFERENCE 1u
#define CANARY_KIND_OUTCOME 2u

/* Status classes. */
#define CANARY_STATUS_OK 0u
#define CANARY_STATUS_CLIENT_ERROR 1u
#define CANARY_STATUS_SERVER_ERROR 2u
#define CANARY_STATUS_TIMEOUT 3u

/* Presence flags of the optional record fields. */
#define CANARY_HAS_PREDICTION 0x01u /* predicted class (i32) */
#define CANARY_HAS_SCORE 0x02u      /* score (f32) */
#define CANARY_HAS_CONFIDENCE 0x04u /* confidence (f32) */
#define CANARY_HAS_LABEL 0x08u      /* true label (i32), outcome records */
#define CANARY_HAS_CORRECT 0x10u    /* correct flag, outcome records */

/* Route page phases (the rollout state machine of DESIGN.md §5). */
#define CANARY_PHASE_PENDING 0u
#define CANARY_PHASE_PROGRESSING 1u
#define CANARY_PHASE_PAUSED 2u
#define CANARY_PHASE_PROMOTED 3u
#define CANARY_PHASE_ROLLED_BACK 4u
#define CANARY_PHASE_ABORTED 5u

/* Results of the check / validate functions: 0 is success. */
typedef enum canary_status {
    CANARY_OK = 0,
    CANARY_E_NOT_READY = 1,      /* magic 0 or ready word not yet set */
    CANARY_E_FOREIGN = 2,        /* magic is not ours */
    CANARY_E_VERSION = 3,        /* layout version differs */
    CANARY_E_RECORD_SIZE = 4,    /* record size differs */
    CANARY_E_GEOMETRY = 5,       /* capacity/header size nonsense */
    CANARY_E_TRUNCATED = 6,      /* segment smaller than its header says */
    CANARY_E_EMPTY_TABLE = 10,   /* route table with no entries */
    CANARY_E_TOO_MANY = 11,      /* more than 8 entries */
    CANARY_E_EMPTY_LABEL = 12,   /* an entry without a version label */
    CANARY_E_LABEL_TOO_LONG = 13,/* label longer than 56 bytes */
    CANARY_E_DUPLICATE = 14,     /* the same label twice */
    CANARY_E_WEIGHT_SUM = 15,    /* weights do not sum to 1 000 000 */
    CANARY_E_BUSY = 20           /* route page stayed mid-write (writer died?) */
} canary_status;

/* MARK: - Sample ring layout */

/* Header of the sample-ring segment: exactly one 4096-byte page. Writer and
 * reader counters sit 128 bytes apart (two cache lines, so the adjacent-line
 * prefetcher does not couple them either). */
typedef struct canary_ring_header {
    uint64_t magic;          /*   0 CANARY_RING_MAGIC */
    uint32_t layout_version; /*   8 CANARY_LAYOUT_VERSION */
    uint32_t record_size;    /*  12 64 */
    uint64_t capacity;       /*  16 records, power of two */
    uint32_t header_size;    /*  24 4096: records start here */
    uint32_t clock_id;       /*  28 clock of timestamps (0 = CLOCK_REALTIME) */
    uint64_t created_ns;     /*  32 creation time, that clock */
    uint32_t ready;          /*  40 CANARY_READY, stored last (release) */
    uint32_t creator_pid;    /*  44 informational */
    uint8_t reserved0[16];   /*  48 */
    char model[CANARY_LABEL_SIZE];   /*  64 UTF-8, NUL-padded */
    char version[CANARY_LABEL_SIZE]; /* 128 UTF-8, NUL-padded */
    uint8_t reserved1[64];   /* 192 */
    /* writer line */
    uint64_t head;           /* 256 next ticket to claim (fetch-add) */
    uint8_t reserved2[120];  /* 264 */
    /* reader line: written only by the single reader */
    uint64_t tail;           /* 384 next ticket to read */
    uint64_t delivered;      /* 392 records handed to the reader, total */
    uint64_t overrun;        /* 400 lost: overwritten before read */
    uint64_t torn;           /* 408 lost: changed while being copied */
    uint64_t abandoned;      /* 416 lost: claimed, never committed */
    uint8_t reserved3[88];   /* 424 */
    uint8_t reserved4[3584]; /* 512 .. 4095 */
} canary_ring_header;

/* One sample: one 64-byte cache line. `commit` is 2t+1 while ticket t is
 * being written and 2t+2 once ticket t is committed (0: never written). */
typedef struct canary_record {
    uint64_t commit;        /*  0 */
    uint64_t timestamp_ns;  /*  8 header's clock */
    uint64_t latency_ns;    /* 16 */
    uint64_t key;           /* 24 request key hash */
    uint8_t kind;           /* 32 CANARY_KIND_* */
    uint8_t status;         /* 33 CANARY_STATUS_* */
    uint8_t flags;          /* 34 CANARY_HAS_* */
    uint8_t correct;        /* 35 1 true, 0 false (if HAS_CORRECT) */
    int32_t prediction;     /* 36 predicted class (if HAS_PREDICTION) */
    float score;            /* 40 score (if HAS_SCORE) */
    float confidence;       /* 44 (if HAS_CONFIDENCE) */
    int32_t label;          /* 48 true label (if HAS_LABEL) */
    uint32_t reserved0;     /* 52 zero */
    uint32_t reserved1;     /* 56 zero */
    uint32_t check;         /* 60 canary_record_check(ticket, bytes 8..59) */
} canary_record;

_Static_assert(sizeof(canary_ring_header) == CANARY_RING_HEADER_SIZE, "ring header is one page");
_Static_assert(offsetof(canary_ring_header, model) == 64, "model label offset");
_Static_assert(offsetof(canary_ring_header, head) == 256, "writer line offset");
_Static_assert(offsetof(canary_ring_header, tail) == 384, "reader line offset");
_Static_assert(offsetof(canary_ring_header, abandoned) == 416, "reader counters");
_Static_assert(sizeof(canary_record) == CANARY_RECORD_SIZE, "record is one cache line");
_Static_assert(offsetof(canary_record, kind) == 32, "record kind offset");
_Static_assert(offsetof(canary_record, check) == 60, "record check offset");

/* Bytes a ring of `capacity` records occupies. */
static inline uint64_t canary_ring_size(uint64_t capacity) {
    return (uint64_t)CANARY_RING_HEADER_SIZE + capacity * CANARY_RECORD_SIZE;
}

static inline int canary_is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

static inline uint64_t canary_now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Copies a label into a fixed NUL-padded field; returns 0, or -1 if too long. */
static inline int canary_label_set(char *field, size_t field_size, const char *label, size_t len) {
    if (len > field_size) return -1;
    memset(field, 0, field_size);
    if (len) memcpy(field, label, len);
    return 0;
}

/* Initialises a freshly created, zero-filled, already sized segment and
 * publishes it: every field first, `ready` last with release order, so an
 * attacher that acquires `ready` sees a complete header. */
static inline void canary_ring_init(canary_ring_header *h, uint64_t capacity,
                                    const char *model, size_t model_len,
                                    const char *version, size_t version_len,
                                    uint32_t pid) {
    h->magic = CANARY_RING_MAGIC;
    h->layout_version = CANARY_LAYOUT_VERSION;
    h->record_size = CANARY_RECORD_SIZE;
    h->capacity = capacity;
    h->header_size = CANARY_RING_HEADER_SIZE;
    h->clock_id = CANARY_CLOCK_REALTIME_ID;
    h->created_ns = canary_now_ns(CLOCK_REALTIME);
    h->creator_pid = pid;
    canary_label_set(h->model, CANARY_LABEL_SIZE, model, model_len);
    canary_label_set(h->version, CANARY_LABEL_SIZE, version, version_len);
    atomic_store_explicit(CANARY_A32(&h->ready), CANARY_READY, memory_order_release);
}

/* Only the magic word, read atomically: lets an attacher tell "someone else's
 * segment" (refuse at once) from "creator still initialising" (wait). */
static inline canary_status canary_ring_check_magic(const canary_ring_header *h) {
    uint64_t magic = atomic_load_explicit(CANARY_A64(&h->magic), memory_order_relaxed);
    if (magic == 0) return CANARY_E_NOT_READY;
    return magic == CANARY_RING_MAGIC ? CANARY_OK : CANARY_E_FOREIGN;
}

/* Validates a mapped header against the size of the segment it lives in
 * (`segment_size` from fstat). Reads only the first page. */
static inline canary_status canary_ring_check(const canary_ring_header *h, uint64_t segment_size) {
    canary_status s = canary_ring_check_magic(h);
    if (s != CANARY_OK) return s;
    if (atomic_load_explicit(CANARY_A32(&h->ready), memory_order_acquire) != CANARY_READY)
        return CANARY_E_NOT_READY;
    if (h->layout_version != CANARY_LAYOUT_VERSION) return CANARY_E_VERSION;
    if (h->record_size != CANARY_RECORD_SIZE) return CANARY_E_RECORD_SIZE;
    if (h->header_size != CANARY_RING_HEADER_SIZE || !canary_is_power_of_two(h->capacity) ||
        h->capacity < CANARY_MIN_CAPACITY || h->capacity > CANARY_MAX_CAPACITY)
        return CANARY_E_GEOMETRY;
    if (segment_size < canary_ring_size(h->capacity)) return CANARY_E_TRUNCATED;
    return CANARY_OK;
}

/* A bound view of a validated ring: what writers and the reader hold. */
typedef struct canary_ring {
    canary_ring_header *header;
    uint64_t *records; /* capacity * 8 words */
    uint64_t mask;     /* capacity - 1 */
} canary_ring;

static inline canary_ring canary_ring_bind(canary_ring_header *h) {
    canary_ring r;
    r.header = h;
    r.records = (uint64_t *)(void *)((char *)h + CANARY_RING_HEADER_SIZE);
    r.mask = h->capacity - 1;
    return r;
}

/* Acquire load of a counter, for languages without C11 atomics (statistics). */
static inline uint64_t canary_load_u64(const uint64_t *p) {
    return atomic_load_explicit(CANARY_A64(p), memory_order_acquire);
}

/* MARK: - Sample ring: writer side */

/* 32-bit check over the ticket and bytes 8..59 of a record. It catches the
 * one tear the commit re-check cannot: a writer stalled for a whole lap that
 * resumes and scribbles over a newer record's payload (see the spec, §4.4).
 * Independent multiplies so it costs ~2 ns, not a serial hash chain. */
static inline uint32_t canary_record_check(uint64_t ticket, const uint64_t w[8]) {
    uint64_t h = (ticket + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (w[1] + 0x632BE59BD9B4E019ull) * 0x94D049BB133111EBull;
    h ^= (w[2] + 0x8CB92BA72F3D8DD7ull) * 0xD6E8FEB86659FD93ull;
    h ^= (w[3] ^ 0x5851F42D4C957F2Dull) * 0xBF58476D1CE4E5B9ull;
    h ^= (w[4] ^ 0x14057B7EF767814Full) * 0x94D049BB133111EBull;
    h ^= (w[5] ^ 0x2545F4914F6CDD1Dull) * 0xD6E8FEB86659FD93ull;
    h ^= ((w[6] ^ (w[7] & 0xFFFFFFFFull)) + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    return (uint32_t)(h >> 32);
}

/* Claims a ticket, writes the record, commits it. Never blocks, never fails:
 * a full ring is overwritten and the reader counts what it lost.
 * `r->commit` and `r->check` are ignored (computed here). */
static inline void canary_ring_write(const canary_ring *ring, const canary_record *r) {
    uint64_t t = atomic_fetch_add_explicit(CANARY_A64(&ring->header->head), 1, memory_order_relaxed);
    uint64_t *slot = ring->records + ((t & ring->mask) << 3);
    uint64_t w[8];
    memcpy(w, r, sizeof w);
    w[7] = (w[7] & 0xFFFFFFFFull) | ((uint64_t)canary_record_check(t, w) << 32);
    /* Seqlock writer: mark "writing t", then a release fence so the mark is
     * ordered before every payload store, then the payload, then the commit. */
    atomic_store_explicit(CANARY_A64(&slot[0]), 2 * t + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (int i = 1; i < 8; i++) atomic_store_explicit(CANARY_A64(&slot[i]), w[i], memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&slot[0]), 2 * t + 2, memory_order_release);
}

/* One inference sample, timestamped now on CLOCK_REALTIME. `flags` says which
 * of prediction / score / confidence are present. */
static inline void canary_ring_record(const canary_ring *ring, uint8_t status, uint8_t flags,
                                      uint64_t latency_ns, uint64_t key, int32_t prediction,
                                      float score, float confidence) {
    canary_record r;
    memset(&r, 0, sizeof r);
    r.timestamp_ns = canary_now_ns(CLOCK_REALTIME);
    r.latency_ns = latency_ns;
    r.key = key;
    r.kind = CANARY_KIND_INFERENCE;
    r.status = status;
    r.flags = flags & (CANARY_HAS_PREDICTION | CANARY_HAS_SCORE | CANARY_HAS_CONFIDENCE);
    r.prediction = (r.flags & CANARY_HAS_PREDICTION) ? prediction : 0;
    r.score = (r.flags & CANARY_HAS_SCORE) ? score : 0.0f;
    r.confidence = (r.flags & CANARY_HAS_CONFIDENCE) ? confidence : 0.0f;
    canary_ring_write(ring, &r);
}

/* One outcome sample (ground truth that arrived for an earlier request).
 * `flags` says which of label / correct are present. */
static inline void canary_ring_record_outcome(const canary_ring *ring, uint64_t key, uint8_t flags,
                                              int32_t label, int correct) {
    canary_record r;
    memset(&r, 0, sizeof r);
    r.timestamp_ns = canary_now_ns(CLOCK_REALTIME);
    r.key = key;
    r.kind = CANARY_KIND_OUTCOME;
    r.status = CANARY_STATUS_OK;
    r.flags = flags & (CANARY_HAS_LABEL | CANARY_HAS_CORRECT);
    r.label = (r.flags & CANARY_HAS_LABEL) ? label : 0;
    r.correct = (r.flags & CANARY_HAS_CORRECT) ? (correct ? 1 : 0) : 0;
    canary_ring_write(ring, &r);
}

/* MARK: - Sample ring: reader side (single consumer) */

/* Losses of one drain call (deltas), plus how many records it delivered. */
typedef struct canary_drain_result {
    uint64_t delivered;
    uint64_t overrun;   /* overwritten before the reader got to them */
    uint64_t torn;      /* changed while copied, or failed the check */
    uint64_t abandoned; /* claimed but not committed within the dead wait */
    uint64_t pending;   /* 1 if the drain stopped at an uncommitted slot */
} canary_drain_result;

/* Reader-process state that does not belong in the segment: which ticket it
 * is waiting on and since when (CLOCK_MONOTONIC). Zero-initialise. */
typedef struct canary_reader_wait {
    uint64_t ticket_plus_one; /* 0: not waiting */
    uint64_t since_ns;
} canary_reader_wait;

/* Copies up to `max` committed records, oldest first, into `out`, advancing
 * the reader position stored in the segment. Non-blocking: stops at an
 * uncommitted slot and reports `pending`; once that slot has been pending
 * for `dead_wait_ns` across calls it is skipped and counted as abandoned.
 * Must be called by one reader at a time. */
static inline canary_drain_result canary_ring_drain(const canary_ring *ring, canary_record *out, size_t max,
                                                    uint64_t dead_wait_ns, canary_reader_wait *wait) {
    canary_ring_header *h = ring->header;
    canary_drain_result res = {0, 0, 0, 0, 0};
    const uint64_t cap = ring->mask + 1;
    uint64_t r = atomic_load_explicit(CANARY_A64(&h->tail), memory_order_relaxed);
    uint64_t head = atomic_load_explicit(CANARY_A64(&h->head), memory_order_acquire);
    size_t n = 0;
    while (n < max) {
        if (r >= head) {
            head = atomic_load_explicit(CANARY_A64(&h->head), memory_order_acquire);
            if (r >= head) break;
        }
        if (head - r > cap) { /* lapped: everything older than head - cap is gone */
            res.overrun += head - cap - r;
            r = head - cap;
            continue;
        }
        uint64_t *slot = ring->records + ((r & ring->mask) << 3);
        const uint64_t want = 2 * r + 2;
        uint64_t c = atomic_load_explicit(CANARY_A64(&slot[0]), memory_order_acquire);
        if (c == want) {
            uint64_t w[8];
            for (int i = 1; i < 8; i++) w[i] = atomic_load_explicit(CANARY_A64(&slot[i]), memory_order_relaxed);
            atomic_thread_fence(memory_order_acquire);
            uint64_t c2 = atomic_load_explicit(CANARY_A64(&slot[0]), memory_order_relaxed);
            if (c2 != want || (uint32_t)(w[7] >> 32) != canary_record_check(r, w)) {
                res.torn++;
            } else {
                w[0] = c;
                memcpy(&out[n++], w, sizeof w);
            }
            r++;
            wait->ticket_plus_one = 0;
            continue;
        }
        if (c > want) { /* a newer lap already wrote (or is writing) this slot */
            res.overrun++;
            r++;
            wait->ticket_plus_one = 0;
            continue;
        }
        /* Claimed (r < head) but not committed: a writer mid-record, or dead. */
        uint64_t now = canary_now_ns(CLOCK_MONOTONIC);
        if (wait->ticket_plus_one != r + 1) {
            wait->ticket_plus_one = r + 1;
            wait->since_ns = now;
        } else if (now - wait->since_ns >= dead_wait_ns) {
            res.abandoned++;
            r++;
            wait->ticket_plus_one = 0;
            continue;
        }
        res.pending = 1;
        break;
    }
    res.delivered = n;
    /* Single reader: plain read-modify-write of its own counters is safe. */
    atomic_store_explicit(CANARY_A64(&h->delivered), h->delivered + res.delivered, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->overrun), h->overrun + res.overrun, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->torn), h->torn + res.torn, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->abandoned), h->abandoned + res.abandoned, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->tail), r, memory_order_release);
    return res;
}

/* MARK: - Route page layout */

typedef struct canary_route_entry {
    char label[CANARY_ROUTE_LABEL_SIZE]; /* 0 UTF-8, NUL-padded */
    uint32_t weight_ppm;                 /* 56 */
    uint32_t reserved;                   /* 60 zero */
} canary_route_entry;

typedef struct canary_route_page {
    uint64_t magic;          /*   0 CANARY_ROUTE_MAGIC */
    uint32_t layout_version; /*   8 */
    uint32_t page_size;      /*  12 4096 */
    uint32_t ready;          /*  16 CANARY_READY, stored last (release) */
    uint32_t creator_pid;    /*  20 */
    uint8_t reserved0[40];   /*  24 */
    char model[CANARY_LABEL_SIZE]; /* 64 */
    /* seqlock-protected table, 8-byte words 16 .. 83 */
    uint64_t seq;            /* 128 odd while being written */
    uint64_t epoch;          /* 136 coordinator epoch */
    uint64_t sequence;       /* 144 table sequence (strictly increasing) */
    uint32_t phase;          /* 152 CANARY_PHASE_* */
    uint32_t count;          /* 156 entries in use, 0..8 */
    canary_route_entry entries[CANARY_ROUTE_MAX_ENTRIES]; /* 160 */
    uint8_t reserved1[3424]; /* 672 .. 4095 */
} canary_route_page;

/* A decoded snapshot of the table. */
typedef struct canary_route_table {
    uint64_t epoch;
    uint64_t sequence;
    uint32_t phase;
    uint32_t count;
    canary_route_entry entries[CANARY_ROUTE_MAX_ENTRIES];
} canary_route_table;

_Static_assert(sizeof(canary_route_entry) == 64, "route entry size");
_Static_assert(sizeof(canary_route_page) == CANARY_ROUTE_PAGE_SIZE, "route page is one page");
_Static_assert(offsetof(canary_route_page, seq) == 128, "seqlock offset");
_Static_assert(offsetof(canary_route_page, entries) == 160, "route entries offset");
_Static_assert(sizeof(canary_route_table) == 8 + 8 + 4 + 4 + 512, "table mirrors page words 17..83");

#define CANARY_ROUTE_TABLE_WORDS ((sizeof(canary_route_table)) / 8)

static inline void canary_route_init(canary_route_page *p, const char *model, size_t model_len, uint32_t pid) {
    p->magic = CANARY_ROUTE_MAGIC;
    p->layout_version = CANARY_LAYOUT_VERSION;
    p->page_size = CANARY_ROUTE_PAGE_SIZE;
    p->creator_pid = pid;
    canary_label_set(p->model, CANARY_LABEL_SIZE, model, model_len);
    atomic_store_explicit(CANARY_A32(&p->ready), CANARY_READY, memory_order_release);
}

static inline canary_status canary_route_check_magic(const canary_route_page *p) {
    uint64_t magic = atomic_load_explicit(CANARY_A64(&p->magic), memory_order_relaxed);
    if (magic == 0) return CANARY_E_NOT_READY;
    return magic == CANARY_ROUTE_MAGIC ? CANARY_OK : CANARY_E_FOREIGN;
}

static inline canary_status canary_route_check(const canary_route_page *p, uint64_t segment_size) {
    canary_status s = canary_route_check_magic(p);
    if (s != CANARY_OK) return s;
    if (atomic_load_explicit(CANARY_A32(&p->ready), memory_order_acquire) != CANARY_READY)
        return CANARY_E_NOT_READY;
    if (p->layout_version != CANARY_LAYOUT_VERSION) return CANARY_E_VERSION;
    if (p->page_size != CANARY_ROUTE_PAGE_SIZE) return CANARY_E_GEOMETRY;
    if (segment_size < CANARY_ROUTE_PAGE_SIZE) return CANARY_E_TRUNCATED;
    return CANARY_OK;
}

/* Length of a NUL-padded label field. */
static inline size_t canary_label_len(const char *field, size_t field_size) {
    size_t n = 0;
    while (n < field_size && field[n] != 0) n++;
    return n;
}

/* Rejects tables a router must never see. Labels are compared as stored. */
static inline canary_status canary_route_validate(const canary_route_table *t) {
    if (t->count == 0) return CANARY_E_EMPTY_TABLE;
    if (t->count > CANARY_ROUTE_MAX_ENTRIES) return CANARY_E_TOO_MANY;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        if (canary_label_len(t->entries[i].label, CANARY_ROUTE_LABEL_SIZE) == 0) return CANARY_E_EMPTY_LABEL;
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(t->entries[i].label, t->entries[j].label, CANARY_ROUTE_LABEL_SIZE) == 0)
                return CANARY_E_DUPLICATE;
        sum += t->entries[i].weight_ppm;
    }
    return sum == CANARY_PPM ? CANARY_OK : CANARY_E_WEIGHT_SUM;
}

/* Publishes a table (single writer: the agent's route subscriber). A seq
 * left odd by a writer that died mid-update is taken over, not waited on. */
static inline canary_status canary_route_write(canary_route_page *p, const canary_route_table *t) {
    canary_status s = canary_route_validate(t);
    if (s != CANARY_OK) return s;
    canary_route_table clean;
    memset(&clean, 0, sizeof clean);
    clean.epoch = t->epoch;
    clean.sequence = t->sequence;
    clean.phase = t->phase;
    clean.count = t->count;
    memcpy(clean.entries, t->entries, t->count * sizeof(canary_route_entry));
    for (uint32_t i = 0; i < t->count; i++) clean.entries[i].reserved = 0;
    uint64_t w[CANARY_ROUTE_TABLE_WORDS];
    memcpy(w, &clean, sizeof w);
    uint64_t *words = &p->epoch;
    uint64_t seq = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed) | 1u;
    atomic_store_explicit(CANARY_A64(&p->seq), seq, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < CANARY_ROUTE_TABLE_WORDS; i++)
        atomic_store_explicit(CANARY_A64(&words[i]), w[i], memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&p->seq), seq + 1, memory_order_release);
    return CANARY_OK;
}

/* Reads a consistent snapshot; retries while a write is in progress, at most
 * `max_tries` times (then CANARY_E_BUSY: keep the last snapshot). */
static inline canary_status canary_route_read(const canary_route_page *p, canary_route_table *out,
                                              uint64_t *out_seq, uint32_t max_tries) {
    const uint64_t *words = &p->epoch;
    uint64_t w[CANARY_ROUTE_TABLE_WORDS];
    for (uint32_t k = 0; k < max_tries; k++) {
        uint64_t s1 = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_acquire);
        if (s1 & 1) continue;
        for (size_t i = 0; i < CANARY_ROUTE_TABLE_WORDS; i++)
            w[i] = atomic_load_explicit(CANARY_A64(&words[i]), memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed) != s1) continue;
        memcpy(out, w, sizeof w);
        if (out_seq) *out_seq = s1;
        return CANARY_OK;
    }
    return CANARY_E_BUSY;
}

/* MARK: - Routing */

/* splitmix64: a bijective mixer, so nearby keys land far apart. */
static inline uint64_t canary_mix64(uint64_t x) {
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The key's point in [0, 1 000 000): multiply-shift of the mixed key's high
 * 32 bits, ((mix64(key) >> 32) * 1e6) >> 32 — no division, no 128-bit math. */
static inline uint32_t canary_route_point(uint64_t key) {
    return (uint32_t)(((canary_mix64(key) >> 32) * CANARY_PPM) >> 32);
}

/* FNV-1a 64 of bytes: how every client turns a string request id into a key,
 * so Python, Swift and C agree on the key of "user-42". */
static inline uint64_t canary_key_hash(const void *bytes, size_t len) {
    const unsigned char *b = (const unsigned char *)bytes;
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < len; i++) h = (h ^ b[i]) * 0x100000001B3ull;
    return h;
}

/* Entry index for a point: entries own consecutive intervals in entry order,
 * entry 0 owning [0, w0). -1 if the table is empty. */
static inline int canary_route_pick_point(const canary_route_table *t, uint32_t point) {
    uint32_t end = 0;
    for (uint32_t i = 0; i < t->count && i < CANARY_ROUTE_MAX_ENTRIES; i++) {
        end += t->entries[i].weight_ppm;
        if (point < end) return (int)i;
    }
    return t->count ? (int)t->count - 1 : -1;
}

/* route(key) straight off the page: reads only seq, count and the weights.
 * Returns the entry index, -1 for an empty table, -2 if the page stayed
 * mid-write for `max_tries` attempts. `out_seq` (optional) receives the seq
 * the answer belongs to, so a caller can cache the labels per seq. */
static inline int canary_route_pick(const canary_route_page *p, uint64_t key, uint64_t *out_seq,
                                    uint32_t max_tries) {
    const uint32_t point = canary_route_point(key);
    for (uint32_t k = 0; k < max_tries; k++) {
        uint64_t s1 = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_acquire);
        if (s1 & 1) continue;
        uint32_t count = (uint32_t)(atomic_load_explicit(CANARY_A64(&p->phase), memory_order_relaxed) >> 32);
        if (count > CANARY_ROUTE_MAX_ENTRIES) count = CANARY_ROUTE_MAX_ENTRIES;
        int idx = -1;
        uint32_t end = 0;
        for (uint32_t i = 0; i < count; i++) {
            /* weight is the low half of the entry's 8th word (little-endian) */
            end += (uint32_t)atomic_load_explicit(CANARY_A64(&p->entries[i].weight_ppm), memory_order_relaxed);
            if (point < end) { idx = (int)i; break; }
        }
        if (idx < 0 && count) idx = (int)count - 1;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed) != s1) continue;
        if (out_seq) *out_seq = s1;
        return idx;
    }
    return -2;
}

#ifdef __cplusplus
}
#endif
#endif /* CANARY_SHM_H */
