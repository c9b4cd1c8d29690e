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
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

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
#define CANARY_HAS_PREDICTION 0x01u /* predicted class (i32): inferences, or outcomes that carry it */
#define CANARY_HAS_SCORE 0x02u      /* score (f32) */
#define CANARY_HAS_CONFIDENCE 0x04u /* confidence (f32) */
#define CANARY_HAS_LABEL 0x08u      /* true label (i32): outcomes, or inferences labeled at once */
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
    CANARY_E_WEIGHT_RANGE = 16,  /* one weight over 1 000 000 (a negative number?) */
    CANARY_E_LABEL_PADDING = 17, /* bytes after a label's end are not NUL */
    CANARY_E_LABEL_UTF8 = 18,    /* a label is not valid UTF-8 */
    CANARY_E_RESERVED = 19,      /* reserved word or unused entry not zero */
    CANARY_E_BUSY = 20,          /* route page stayed mid-write (writer died?) */
    CANARY_E_PHASE = 21,         /* phase word is not a CANARY_PHASE_* */
    CANARY_E_NO_TABLE = 22,      /* page never written (seq 0) */
    CANARY_E_SEQ_RESET = 23,     /* seq went back to 0 after a table was read */
    CANARY_E_STUCK = 24,         /* still the odd seq a reader gave up on: no wait this time */
    /* Sample-ring faults: words no writer or reader following the protocol
     * can produce (found by canary_ring_drain's audit). */
    CANARY_E_RING_HEADER = 30,   /* magic/version/record size/capacity/header size changed after attach */
    CANARY_E_TAIL_PAST_HEAD = 31,/* the reader position is beyond the writers' head */
    CANARY_E_TAIL_MOVED = 32,    /* the reader position changed, but not by the reader */
    CANARY_E_HEAD_BACKWARDS = 33,/* the writers' head went backwards */
    CANARY_E_HEAD_JUMP = 34      /* head advanced faster than any writer can */
} canary_status;

/* A status with the words that caused it, so every binding can say exactly
 * what was wrong (canary_problem_text) instead of a number. */
typedef struct canary_problem {
    canary_status status;
    uint32_t entry;    /* offending entry (route page) or header offset (ring) */
    uint32_t other;    /* the earlier entry a duplicate repeats */
    uint32_t reserved;
    uint64_t value;    /* the offending word: count, weight, sum, phase, magic, seq, tail, head */
    uint64_t expected; /* what it should have been, where that is known */
} canary_problem;

/* MARK: - Sample ring layout */

/* Tickets the reader passed while their writer was still mid-record (a
 * preempted writer): it keeps watching up to this many, delivering each
 * once committed. */
#define CANARY_LATE_MAX 8

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
    uint64_t late[CANARY_LATE_MAX]; /* 424 tickets passed uncommitted, + 1 (0: free) */
    uint8_t reserved3[24];   /* 488 */
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
_Static_assert(offsetof(canary_ring_header, late) == 424, "late tickets");
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

/* Writes record `r` into the slot of ticket `t` (already claimed with the
 * fetch-add on `head`) and commits it. `r->commit` and `r->check` are
 * ignored (computed here). */
static inline void canary_ring_store(const canary_ring *ring, uint64_t t, const canary_record *r) {
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

/* Claims a ticket, writes the record, commits it. Never blocks, never fails:
 * a full ring is overwritten and the reader counts what it lost.
 * `r->commit` and `r->check` are ignored (computed here). */
static inline void canary_ring_write(const canary_ring *ring, const canary_record *r) {
    canary_ring_store(ring, atomic_fetch_add_explicit(CANARY_A64(&ring->header->head), 1, memory_order_relaxed), r);
}

/* One inference sample whose true label is already known (immediate
 * labels), timestamped now on CLOCK_REALTIME. `flags` says which of
 * prediction / score / confidence / label are present; with a prediction
 * and a label it counts as labeled (correct when they are equal) at once. */
static inline void canary_ring_record_labeled(const canary_ring *ring, uint8_t status, uint8_t flags,
                                              uint64_t latency_ns, uint64_t key, int32_t prediction,
                                              float score, float confidence, int32_t label) {
    canary_record r;
    memset(&r, 0, sizeof r);
    r.timestamp_ns = canary_now_ns(CLOCK_REALTIME);
    r.latency_ns = latency_ns;
    r.key = key;
    r.kind = CANARY_KIND_INFERENCE;
    r.status = status;
    r.flags = flags & (CANARY_HAS_PREDICTION | CANARY_HAS_SCORE | CANARY_HAS_CONFIDENCE | CANARY_HAS_LABEL);
    r.prediction = (r.flags & CANARY_HAS_PREDICTION) ? prediction : 0;
    r.score = (r.flags & CANARY_HAS_SCORE) ? score : 0.0f;
    r.confidence = (r.flags & CANARY_HAS_CONFIDENCE) ? confidence : 0.0f;
    r.label = (r.flags & CANARY_HAS_LABEL) ? label : 0;
    canary_ring_write(ring, &r);
}

/* One inference sample, timestamped now on CLOCK_REALTIME. `flags` says which
 * of prediction / score / confidence are present. */
static inline void canary_ring_record(const canary_ring *ring, uint8_t status, uint8_t flags,
                                      uint64_t latency_ns, uint64_t key, int32_t prediction,
                                      float score, float confidence) {
    canary_ring_record_labeled(ring, status, (uint8_t)(flags & ~CANARY_HAS_LABEL), latency_ns, key, prediction,
                               score, confidence, 0);
}

/* One outcome sample (ground truth that arrived for an earlier request)
 * that also says what was predicted for it: self-contained, so it may be
 * written to any ring of the version that served the request (a label that
 * reached another replica, a central label feed) and is judged there.
 * `flags` says which of label / correct / prediction are present. */
static inline void canary_ring_record_outcome_predicted(const canary_ring *ring, uint64_t key, uint8_t flags,
                                                        int32_t label, int correct, int32_t prediction) {
    canary_record r;
    memset(&r, 0, sizeof r);
    r.timestamp_ns = canary_now_ns(CLOCK_REALTIME);
    r.key = key;
    r.kind = CANARY_KIND_OUTCOME;
    r.status = CANARY_STATUS_OK;
    r.flags = flags & (CANARY_HAS_LABEL | CANARY_HAS_CORRECT | CANARY_HAS_PREDICTION);
    r.label = (r.flags & CANARY_HAS_LABEL) ? label : 0;
    r.correct = (r.flags & CANARY_HAS_CORRECT) ? (correct ? 1 : 0) : 0;
    r.prediction = (r.flags & CANARY_HAS_PREDICTION) ? prediction : 0;
    canary_ring_write(ring, &r);
}

/* One outcome sample (ground truth that arrived for an earlier request).
 * `flags` says which of label / correct are present; a label alone is
 * judged by the agent against the prediction it read for the same key. */
static inline void canary_ring_record_outcome(const canary_ring *ring, uint64_t key, uint8_t flags,
                                              int32_t label, int correct) {
    canary_ring_record_outcome_predicted(ring, key, (uint8_t)(flags & ~CANARY_HAS_PREDICTION), label, correct, 0);
}

/* MARK: - Sample ring: reader side (single consumer) */

/* Losses of one drain call (deltas), plus how many records it delivered. */
typedef struct canary_drain_result {
    uint64_t delivered;
    uint64_t overrun;   /* overwritten before the reader got to them */
    uint64_t torn;      /* changed while copied, or failed the check */
    uint64_t abandoned; /* claimed but not committed within the dead wait */
    uint64_t pending;   /* 1 if the drain stopped at an uncommitted slot */
    uint64_t skipped;   /* lost: unread records jumped over to recover from a fault */
    uint64_t position;  /* the reader position after this call */
    uint64_t late;      /* tickets below position still watched (passed uncommitted) */
    canary_problem fault; /* CANARY_OK, or what the audit found (see canary_ring_audit) */
} canary_drain_result;

/* Reader-process state that does not belong in the segment: which ticket it
 * is waiting on and since when (CLOCK_MONOTONIC), and what it last saw of
 * the header, so a word moved by anyone else is noticed. Zero-initialise. */
typedef struct canary_reader_wait {
    uint64_t ticket_plus_one; /* 0: not waiting */
    uint64_t since_ns;
    uint64_t position_plus_one; /* tail this reader last stored, + 1 (0: none yet) */
    uint64_t head_seen;         /* head at the last drain */
    uint64_t head_seen_ns;      /* CLOCK_MONOTONIC of that drain (0: none yet) */
    uint64_t late_plus_one[CANARY_LATE_MAX]; /* passed uncommitted tickets, + 1 (0: free) */
    uint64_t late_since_ns[CANARY_LATE_MAX]; /* since when each has been uncommitted */
    uint64_t late_loaded;       /* 1 once the segment's late list was taken over */
} canary_reader_wait;

/* How long the reader waits on an uncommitted slot before it passes it and
 * watches it from the late list instead (a live writer needs ~20 ns). */
#define CANARY_PASS_WAIT_NS 2000000ull

/* No writer claims more than one ticket per nanosecond (a contended
 * fetch-add costs tens); head never reaches 2^62 (commit words are 2t+2). */
#define CANARY_MAX_TICKETS_PER_NS 1ull
#define CANARY_MAX_HEAD (1ull << 62)

/* The header words fixed at creation, against what the reader bound. */
static inline canary_problem canary_ring_check_bound(const canary_ring *ring) {
    const canary_ring_header *h = ring->header;
    canary_problem p;
    memset(&p, 0, sizeof p);
    p.status = CANARY_E_RING_HEADER;
    uint64_t magic = atomic_load_explicit(CANARY_A64(&h->magic), memory_order_relaxed);
    uint64_t capacity = atomic_load_explicit(CANARY_A64(&h->capacity), memory_order_relaxed);
    uint64_t w8 = atomic_load_explicit(CANARY_A64(&h->layout_version), memory_order_relaxed);
    uint64_t w24 = atomic_load_explicit(CANARY_A64(&h->header_size), memory_order_relaxed);
    uint64_t w40 = atomic_load_explicit(CANARY_A64(&h->ready), memory_order_relaxed);
    if (magic != CANARY_RING_MAGIC) { p.entry = 0; p.value = magic; p.expected = CANARY_RING_MAGIC; return p; }
    if ((uint32_t)w8 != CANARY_LAYOUT_VERSION) { p.entry = 8; p.value = (uint32_t)w8; p.expected = CANARY_LAYOUT_VERSION; return p; }
    if ((uint32_t)(w8 >> 32) != CANARY_RECORD_SIZE) { p.entry = 12; p.value = w8 >> 32; p.expected = CANARY_RECORD_SIZE; return p; }
    if (capacity != ring->mask + 1) { p.entry = 16; p.value = capacity; p.expected = ring->mask + 1; return p; }
    if ((uint32_t)w24 != CANARY_RING_HEADER_SIZE) { p.entry = 24; p.value = (uint32_t)w24; p.expected = CANARY_RING_HEADER_SIZE; return p; }
    if ((uint32_t)w40 != CANARY_READY) { p.entry = 40; p.value = (uint32_t)w40; p.expected = CANARY_READY; return p; }
    p.status = CANARY_OK;
    return p;
}

/* Audits head and tail before a drain and decides where to read from.
 * Recovery: a header that changed stops the drain (nothing read, nothing
 * stored) until it is back; a tail moved by someone else goes back to where
 * this reader left it (nothing lost), or to head if it never read (first
 * drain) or that place is past head; a head that went backwards or jumped
 * resyncs the reader to head, counting the unread records before it as
 * skipped. Returns the fault (CANARY_OK if none) and sets *r and *skipped. */
static inline canary_problem canary_ring_audit(const canary_ring *ring, canary_reader_wait *st, uint64_t head,
                                               uint64_t now_ns, uint64_t *r, uint64_t *skipped) {
    const canary_ring_header *h = ring->header;
    const uint64_t cap = ring->mask + 1;
    canary_problem p;
    memset(&p, 0, sizeof p);
    *skipped = 0;
    uint64_t tail = *r;
    /* Where this reader's position really is: its own memory wins. */
    uint64_t mine = st->position_plus_one ? st->position_plus_one - 1 : tail;
    const int backwards = st->head_seen_ns && head < st->head_seen;
    if (st->position_plus_one && tail != mine) {
        p.status = tail > head ? CANARY_E_TAIL_PAST_HEAD : CANARY_E_TAIL_MOVED;
        p.value = tail;
        p.expected = mine;
    } else if (tail > head && !backwards) {
        p.status = CANARY_E_TAIL_PAST_HEAD;
        p.value = tail;
        p.expected = head;
        mine = head; /* no memory of our own: start at head */
    }
    /* Head: monotonic, and no faster than writers can claim. */
    uint64_t allowed;
    if (st->head_seen_ns) {
        allowed = st->head_seen + cap + (now_ns - st->head_seen_ns) * CANARY_MAX_TICKETS_PER_NS;
    } else {
        uint64_t real = canary_now_ns(CLOCK_REALTIME);
        uint64_t age = real > h->created_ns ? real - h->created_ns : 0;
        allowed = cap + age * CANARY_MAX_TICKETS_PER_NS;
    }
    if (allowed > CANARY_MAX_HEAD || allowed < cap) allowed = CANARY_MAX_HEAD;
    if (backwards) {
        if (p.status == CANARY_OK) { p.status = CANARY_E_HEAD_BACKWARDS; p.value = head; p.expected = st->head_seen; }
        if (mine > head) mine = head; /* tickets below head were read; new ones start there */
    } else if (head > allowed) {
        if (p.status == CANARY_OK) { p.status = CANARY_E_HEAD_JUMP; p.value = head; p.expected = allowed; }
        /* Records claimed before the jump and not read are lost with it. */
        uint64_t before = st->head_seen_ns ? st->head_seen : mine;
        uint64_t unread = before > mine ? before - mine : 0;
        *skipped = unread < cap ? unread : cap;
        mine = head;
    } else if (mine > head) {
        mine = head;
    }
    *r = mine;
    return p;
}

/* Copies committed ticket `t` from `slot` into `*out`: 1 if it arrived
 * whole, 0 if it changed while copied or failed its check (torn). */
static inline int canary_ring_copy(const uint64_t *slot, uint64_t t, canary_record *out) {
    const uint64_t want = 2 * t + 2;
    uint64_t w[8];
    for (int i = 1; i < 8; i++) w[i] = atomic_load_explicit(CANARY_A64(&slot[i]), memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    uint64_t c2 = atomic_load_explicit(CANARY_A64(&slot[0]), memory_order_relaxed);
    if (c2 != want || (uint32_t)(w[7] >> 32) != canary_record_check(t, w)) return 0;
    w[0] = want;
    memcpy(out, w, sizeof w);
    return 1;
}

/* Takes over the late list the previous reader stored in the segment (once
 * per reader): entries that are not below the position are not tickets it
 * passed and are dropped; duplicates count once. */
static inline void canary_ring_load_late(const canary_ring *ring, canary_reader_wait *wait, uint64_t r, uint64_t now) {
    wait->late_loaded = 1;
    for (int i = 0; i < CANARY_LATE_MAX; i++) {
        uint64_t v = atomic_load_explicit(CANARY_A64(&ring->header->late[i]), memory_order_relaxed);
        int seen = 0;
        for (int j = 0; j < i; j++) seen |= wait->late_plus_one[j] == v;
        wait->late_plus_one[i] = (v != 0 && v - 1 < r && !seen) ? v : 0;
        wait->late_since_ns[i] = now;
    }
}

/* Visits the watched late tickets, oldest first: a committed one is
 * delivered (while the batch has room), a lapped one counted overrun, one
 * uncommitted for `dead_wait_ns` counted abandoned; the rest stay watched. */
static inline void canary_ring_visit_late(const canary_ring *ring, canary_reader_wait *wait, uint64_t head, uint64_t now,
                                          uint64_t dead_wait_ns, canary_record *out, size_t max, size_t *n,
                                          canary_drain_result *res) {
    const uint64_t cap = ring->mask + 1;
    int order[CANARY_LATE_MAX];
    int count = 0;
    for (int i = 0; i < CANARY_LATE_MAX; i++) {
        if (!wait->late_plus_one[i]) continue;
        int j = count++;
        while (j > 0 && wait->late_plus_one[order[j - 1]] > wait->late_plus_one[i]) { order[j] = order[j - 1]; j--; }
        order[j] = i;
    }
    for (int k = 0; k < count; k++) {
        const int i = order[k];
        const uint64_t t = wait->late_plus_one[i] - 1;
        const uint64_t *slot = ring->records + ((t & ring->mask) << 3);
        const uint64_t c = atomic_load_explicit(CANARY_A64(&slot[0]), memory_order_acquire);
        if (c == 2 * t + 2) {
            if (*n >= max) return; /* no room: the next call */
            if (canary_ring_copy(slot, t, &out[*n])) (*n)++; else res->torn++;
        } else if (c > 2 * t + 2 || head <= t || head - t > cap) {
            res->overrun++; /* a later lap owns the slot */
        } else if (now - wait->late_since_ns[i] >= dead_wait_ns) {
            res->abandoned++;
        } else {
            continue; /* still mid-record */
        }
        wait->late_plus_one[i] = 0;
    }
}

/* Copies up to `max` committed records into `out`, advancing the reader
 * position stored in the segment. Non-blocking. An uncommitted slot stops
 * the drain (`pending`) for up to CANARY_PASS_WAIT_NS across calls; then it
 * is passed and watched from the late list (kept in the segment, so a
 * successor watches it too) and delivered when its writer commits, out of
 * order; a slot uncommitted for `dead_wait_ns` is counted abandoned. With
 * the late list full the reader waits on the slot as before.
 * Never trusts the header: it is audited first (canary_ring_audit) and a
 * fault is reported in `fault`, recovered from as that function says.
 * Must be called by one reader at a time. `max` 0 only audits. */
static inline canary_drain_result canary_ring_drain(const canary_ring *ring, canary_record *out, size_t max,
                                                    uint64_t dead_wait_ns, canary_reader_wait *wait) {
    canary_ring_header *h = ring->header;
    canary_drain_result res;
    memset(&res, 0, sizeof res);
    const uint64_t cap = ring->mask + 1;
    res.fault = canary_ring_check_bound(ring);
    if (res.fault.status != CANARY_OK) {
        /* Not ours any more: read nothing, store nothing, until it is back. */
        res.position = wait->position_plus_one ? wait->position_plus_one - 1
                                               : atomic_load_explicit(CANARY_A64(&h->tail), memory_order_relaxed);
        return res;
    }
    uint64_t r = atomic_load_explicit(CANARY_A64(&h->tail), memory_order_relaxed);
    uint64_t head = atomic_load_explicit(CANARY_A64(&h->head), memory_order_acquire);
    const uint64_t now = canary_now_ns(CLOCK_MONOTONIC);
    res.fault = canary_ring_audit(ring, wait, head, now, &r, &res.skipped);
    if (!wait->late_loaded) canary_ring_load_late(ring, wait, r, now);
    const uint64_t audited = head;
    size_t n = 0;
    if (max > 0) canary_ring_visit_late(ring, wait, head, now, dead_wait_ns, out, max, &n, &res);
    const uint64_t pass_wait = dead_wait_ns < CANARY_PASS_WAIT_NS ? dead_wait_ns : CANARY_PASS_WAIT_NS;
    while (n < max) {
        if (r >= head) {
            head = atomic_load_explicit(CANARY_A64(&h->head), memory_order_acquire);
            /* A head that moved implausibly far meanwhile waits for the next audit. */
            if (head < audited || head - audited > cap) head = audited;
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
            if (canary_ring_copy(slot, r, &out[n])) n++; else res.torn++;
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
        uint64_t t_now = canary_now_ns(CLOCK_MONOTONIC);
        if (wait->ticket_plus_one != r + 1) {
            wait->ticket_plus_one = r + 1;
            wait->since_ns = t_now;
        } else {
            const uint64_t waited = t_now - wait->since_ns;
            if (waited >= dead_wait_ns) {
                res.abandoned++;
                r++;
                wait->ticket_plus_one = 0;
                continue;
            }
            if (waited >= pass_wait) {
                int free_entry = -1;
                for (int i = 0; i < CANARY_LATE_MAX && free_entry < 0; i++) if (!wait->late_plus_one[i]) free_entry = i;
                if (free_entry >= 0) {
                    wait->late_plus_one[free_entry] = r + 1;
                    wait->late_since_ns[free_entry] = wait->since_ns;
                    r++;
                    wait->ticket_plus_one = 0;
                    continue;
                }
            }
        }
        res.pending = 1;
        break;
    }
    res.delivered = n;
    res.position = r;
    wait->position_plus_one = r + 1;
    wait->head_seen = head > audited ? head : audited;
    wait->head_seen_ns = now;
    for (int i = 0; i < CANARY_LATE_MAX; i++) {
        res.late += wait->late_plus_one[i] != 0;
        atomic_store_explicit(CANARY_A64(&h->late[i]), wait->late_plus_one[i], memory_order_relaxed);
    }
    /* Single reader: plain read-modify-write of its own counters is safe.
     * Skipped records are booked as overrun: lost before they were read. */
    atomic_store_explicit(CANARY_A64(&h->delivered), h->delivered + res.delivered, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->overrun), h->overrun + res.overrun + res.skipped, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->torn), h->torn + res.torn, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->abandoned), h->abandoned + res.abandoned, memory_order_relaxed);
    atomic_store_explicit(CANARY_A64(&h->tail), r, memory_order_release);
    return res;
}

/* MARK: - Companion files */

/* The path of the file the agent keeps next to ring `name` (a segment name,
 * "/canary.x") in /dev/shm: "/dev/shm/canary.x<suffix>". Returns 0, or -1
 * if it does not fit `size`. */
static inline int canary_companion_path(const char *name, const char *suffix, char *out, size_t size) {
    while (*name == '/') name++;
    int n = snprintf(out, size, "/dev/shm/%s%s", name, suffix);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/* Removes the ring checkpoint the agent keeps next to ring `name`
 * (/dev/shm/<name>.checkpoint, proto/shm-layout.md §3.6): it describes
 * that ring and nothing else. Call it with shm_unlink of the ring. The
 * agent's spool (<name>.spool/) is not removed: it holds windows the
 * coordinator has not acknowledged, and the agent removes it once empty.
 * Returns 0 (also if there was none), or -1 with errno. */
static inline int canary_unlink_checkpoint(const char *name) {
    char path[320];
    if (canary_companion_path(name, ".checkpoint", path, sizeof path) != 0) { errno = ENAMETOOLONG; return -1; }
    if (unlink(path) != 0 && errno != ENOENT) return -1;
    return 0;
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

/* Whether bytes are well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF): labels become strings in every language. */
static inline int canary_utf8_valid(const unsigned char *b, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = b[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return 0;
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((b[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (b[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

static inline canary_problem canary_problem_make(canary_status s, uint32_t entry, uint64_t value, uint64_t expected) {
    canary_problem p;
    memset(&p, 0, sizeof p);
    p.status = s;
    p.entry = entry;
    p.value = value;
    p.expected = expected;
    return p;
}

/* Everything a router must never see, with the words that caused it: the
 * count beyond the page's 8 entries, weights over 10^6 or not summing to
 * it, empty, duplicate, non-UTF-8 or garbage-padded labels, a phase that is
 * no phase, and non-zero reserved words or unused entries. */
static inline canary_problem canary_route_validate_problem(const canary_route_table *t) {
    if (t->count == 0) return canary_problem_make(CANARY_E_EMPTY_TABLE, 0, 0, 0);
    if (t->count > CANARY_ROUTE_MAX_ENTRIES) return canary_problem_make(CANARY_E_TOO_MANY, 0, t->count, CANARY_ROUTE_MAX_ENTRIES);
    if (t->phase > CANARY_PHASE_ABORTED) return canary_problem_make(CANARY_E_PHASE, 0, t->phase, CANARY_PHASE_ABORTED);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        const canary_route_entry *e = &t->entries[i];
        size_t len = canary_label_len(e->label, CANARY_ROUTE_LABEL_SIZE);
        if (len == 0) return canary_problem_make(CANARY_E_EMPTY_LABEL, i, 0, 0);
        for (size_t k = len; k < CANARY_ROUTE_LABEL_SIZE; k++)
            if (e->label[k] != 0) return canary_problem_make(CANARY_E_LABEL_PADDING, i, k, 0);
        if (!canary_utf8_valid((const unsigned char *)e->label, len)) return canary_problem_make(CANARY_E_LABEL_UTF8, i, len, 0);
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(e->label, t->entries[j].label, CANARY_ROUTE_LABEL_SIZE) == 0) {
                canary_problem p = canary_problem_make(CANARY_E_DUPLICATE, i, 0, 0);
                p.other = j;
                return p;
            }
        if (e->weight_ppm > CANARY_PPM) return canary_problem_make(CANARY_E_WEIGHT_RANGE, i, e->weight_ppm, CANARY_PPM);
        if (e->reserved != 0) return canary_problem_make(CANARY_E_RESERVED, i, e->reserved, 0);
        sum += e->weight_ppm;
    }
    for (uint32_t i = t->count; i < CANARY_ROUTE_MAX_ENTRIES; i++) {
        const unsigned char *b = (const unsigned char *)&t->entries[i];
        for (size_t k = 0; k < sizeof t->entries[i]; k++)
            if (b[k] != 0) return canary_problem_make(CANARY_E_RESERVED, i, 0, 0);
    }
    if (sum != CANARY_PPM) return canary_problem_make(CANARY_E_WEIGHT_SUM, 0, sum, CANARY_PPM);
    return canary_problem_make(CANARY_OK, 0, 0, 0);
}

/* Rejects tables a router must never see (canary_route_validate_problem).
 * A writer's table may leave unused entries and reserved words dirty: they
 * are cleared when written. */
static inline canary_status canary_route_validate(const canary_route_table *t) {
    canary_route_table clean = *t;
    if (clean.count <= CANARY_ROUTE_MAX_ENTRIES) {
        for (uint32_t i = 0; i < clean.count; i++) clean.entries[i].reserved = 0;
        for (uint32_t i = clean.count; i < CANARY_ROUTE_MAX_ENTRIES; i++) memset(&clean.entries[i], 0, sizeof clean.entries[i]);
    }
    return canary_route_validate_problem(&clean).status;
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

/* The page header words a reader depends on, re-checked on every full read
 * (anyone with write access may overwrite them after the open). */
static inline canary_problem canary_route_check_header(const canary_route_page *p) {
    uint64_t magic = atomic_load_explicit(CANARY_A64(&p->magic), memory_order_relaxed);
    uint64_t w8 = atomic_load_explicit(CANARY_A64(&p->layout_version), memory_order_relaxed);
    uint64_t w16 = atomic_load_explicit(CANARY_A64(&p->ready), memory_order_relaxed);
    if (magic != CANARY_ROUTE_MAGIC) return canary_problem_make(CANARY_E_FOREIGN, 0, magic, CANARY_ROUTE_MAGIC);
    if ((uint32_t)w8 != CANARY_LAYOUT_VERSION) return canary_problem_make(CANARY_E_VERSION, 8, (uint32_t)w8, CANARY_LAYOUT_VERSION);
    if ((uint32_t)(w8 >> 32) != CANARY_ROUTE_PAGE_SIZE) return canary_problem_make(CANARY_E_GEOMETRY, 12, w8 >> 32, CANARY_ROUTE_PAGE_SIZE);
    if ((uint32_t)w16 != CANARY_READY) return canary_problem_make(CANARY_E_NOT_READY, 16, (uint32_t)w16, CANARY_READY);
    return canary_problem_make(CANARY_OK, 0, 0, 0);
}

/* canary_route_read, then the header and the table validated: CANARY_OK
 * with a table a router may use; CANARY_E_NO_TABLE for a page never
 * written (seq 0); otherwise the problem, naming the offending words. */
static inline canary_problem canary_route_read_checked(const canary_route_page *p, canary_route_table *out,
                                                       uint64_t *out_seq, uint32_t max_tries) {
    canary_problem pr = canary_route_check_header(p);
    if (pr.status != CANARY_OK) {
        /* The seq names the refused state, so it is counted once. */
        if (out_seq) *out_seq = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_acquire);
        return pr;
    }
    uint64_t seq = 0;
    if (canary_route_read(p, out, &seq, max_tries) != CANARY_OK)
        return canary_problem_make(CANARY_E_BUSY, 0, atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed), 0);
    if (out_seq) *out_seq = seq;
    if (seq == 0) return canary_problem_make(CANARY_E_NO_TABLE, 0, 0, 0);
    return canary_route_validate_problem(out);
}

/* A reader that never routes with a page it refused: it keeps the last
 * table that passed canary_route_read_checked and keeps routing with it
 * (fail-static) while the page is corrupt or stuck mid-write, counting
 * each refused page state once. Per thread (no locking); zero-initialise. */
typedef struct canary_route_reader {
    canary_route_table good; /* last table that passed validation */
    uint64_t good_seq;       /* its seqlock value; 0: none yet */
    uint64_t refused_seq;    /* seq of the page state last refused (0: none) */
    uint64_t stuck_seq;      /* odd seq given up on (canary_route_reader_give_up) */
    uint64_t refusals;       /* distinct page states refused */
    canary_problem problem;  /* why the page was last refused */
} canary_route_reader;

/* Brings `r->good` up to the page's table. CANARY_OK: good is the page's
 * table; CANARY_E_NO_TABLE: nothing written yet and nothing good; any other
 * status: the page was refused (r->problem says why) and good, if any, is
 * kept. CANARY_E_BUSY may be retried (yield between tries); after the last
 * try call canary_route_reader_give_up, so later calls fail fast with
 * CANARY_E_STUCK while the seq word keeps that odd value. */
static inline canary_status canary_route_reader_sync(canary_route_reader *r, const canary_route_page *p, uint32_t max_tries) {
    uint64_t s1 = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_acquire);
    if (r->good_seq && s1 == r->good_seq) return CANARY_OK;
    if (s1 && s1 == r->stuck_seq) return CANARY_E_STUCK;
    if (s1 && s1 == r->refused_seq) return r->problem.status;
    if (!s1 && r->good_seq && r->problem.status == CANARY_E_SEQ_RESET) return CANARY_E_SEQ_RESET;
    canary_route_table t;
    uint64_t seq = 0;
    canary_problem pr = canary_route_read_checked(p, &t, &seq, max_tries);
    if (pr.status == CANARY_OK) {
        r->good = t;
        r->good_seq = seq;
        return CANARY_OK;
    }
    if (pr.status == CANARY_E_BUSY) return CANARY_E_BUSY;
    if (pr.status == CANARY_E_NO_TABLE) {
        if (!r->good_seq) return CANARY_E_NO_TABLE;
        pr = canary_problem_make(CANARY_E_SEQ_RESET, 0, 0, r->good_seq);
    }
    if (seq != r->refused_seq || seq == 0) r->refusals++;
    r->refused_seq = seq;
    r->problem = pr;
    return pr.status;
}

/* Gives up on a page that stayed mid-write: counted as one refusal, and
 * later syncs fail fast while the seq word keeps that odd value. */
static inline void canary_route_reader_give_up(canary_route_reader *r, const canary_route_page *p) {
    uint64_t s = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed);
    if (!(s & 1)) return;
    if (s != r->stuck_seq) r->refusals++;
    r->stuck_seq = s;
    r->problem = canary_problem_make(CANARY_E_BUSY, 0, s, 0);
}

/* Describes a problem in one line (NUL-terminated, truncated to `size`):
 * what was wrong, with the words that were. Returns the length snprintf
 * wanted. */
static inline int canary_problem_text(const canary_problem *p, char *buf, size_t size) {
    unsigned long long v = (unsigned long long)p->value, x = (unsigned long long)p->expected;
    unsigned e = p->entry, o = p->other;
    switch (p->status) {
    case CANARY_OK: return snprintf(buf, size, "no problem");
    case CANARY_E_NOT_READY: return snprintf(buf, size, "ready word is %llu, not %llu: the segment is not (or no longer) published", v, x);
    case CANARY_E_FOREIGN: return snprintf(buf, size, "magic word is 0x%016llx, not 0x%016llx: not a Canary segment of this kind", v, x);
    case CANARY_E_VERSION: return snprintf(buf, size, "layout version word is %llu, this reader speaks %llu", v, x);
    case CANARY_E_RECORD_SIZE: return snprintf(buf, size, "record size word is %llu, not %llu", v, x);
    case CANARY_E_GEOMETRY: return snprintf(buf, size, "size word at offset %u is %llu, not %llu", e, v, x);
    case CANARY_E_TRUNCATED: return snprintf(buf, size, "segment is smaller than its header says");
    case CANARY_E_EMPTY_TABLE: return snprintf(buf, size, "count word is 0 on a written page: a table has 1 to 8 entries");
    case CANARY_E_TOO_MANY: return snprintf(buf, size, "count word says %llu entries, a page holds at most %llu", v, x);
    case CANARY_E_EMPTY_LABEL: return snprintf(buf, size, "entry %u has no version label", e);
    case CANARY_E_LABEL_TOO_LONG: return snprintf(buf, size, "entry %u's version label is longer than 56 bytes", e);
    case CANARY_E_DUPLICATE: return snprintf(buf, size, "entry %u repeats the version label of entry %u", e, o);
    case CANARY_E_WEIGHT_SUM: return snprintf(buf, size, "weights sum to %llu ppm, not %llu", v, x);
    case CANARY_E_WEIGHT_RANGE: return snprintf(buf, size, "entry %u's weight is %llu ppm, over %llu (a negative number?)", e, v, x);
    case CANARY_E_LABEL_PADDING: return snprintf(buf, size, "entry %u's version label has non-NUL bytes after its end (byte %llu): not NUL-padded", e, v);
    case CANARY_E_LABEL_UTF8: return snprintf(buf, size, "entry %u's version label is not valid UTF-8", e);
    case CANARY_E_RESERVED: return snprintf(buf, size, "reserved bytes of entry %u (or the unused entry %u) are not zero", e, e);
    case CANARY_E_BUSY: return snprintf(buf, size, "seqlock word stayed odd (%llu): a writer died mid-update or the page is corrupt", v);
    case CANARY_E_PHASE: return snprintf(buf, size, "phase word is %llu, not a phase (0..%llu)", v, x);
    case CANARY_E_NO_TABLE: return snprintf(buf, size, "no table written yet");
    case CANARY_E_STUCK: return snprintf(buf, size, "seqlock word still stuck odd (%llu)", v);
    case CANARY_E_SEQ_RESET: return snprintf(buf, size, "seqlock word went back to 0 after table seq %llu was read", x);
    case CANARY_E_RING_HEADER: return snprintf(buf, size, "ring header word at offset %u changed to %llu (0x%llx), the reader attached with %llu: someone else wrote the header", e, v, v, x);
    case CANARY_E_TAIL_PAST_HEAD: return snprintf(buf, size, "reader position (tail) %llu is past the writers' head; the reader resumed at %llu", v, x);
    case CANARY_E_TAIL_MOVED: return snprintf(buf, size, "reader position (tail) moved to %llu by someone else than the reader; the reader resumed at %llu", v, x);
    case CANARY_E_HEAD_BACKWARDS: return snprintf(buf, size, "writers' head went backwards to %llu from %llu; the reader resynced to it", v, x);
    case CANARY_E_HEAD_JUMP: return snprintf(buf, size, "writers' head jumped to %llu, beyond the %llu any writer could claim; the reader resynced to it", v, x);
    }
    return snprintf(buf, size, "unknown problem %d", (int)p->status);
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
    uint64_t end = 0;
    for (uint32_t i = 0; i < t->count && i < CANARY_ROUTE_MAX_ENTRIES; i++) {
        end += t->entries[i].weight_ppm;
        if (point < end) return (int)i;
    }
    return t->count ? (int)t->count - 1 : -1;
}

/* route(key) straight off the page: reads only seq, count and the weights.
 * Returns the entry index, -1 for a page never written, -2 if the page
 * stayed mid-write for `max_tries` attempts, -3 for a page no router may use
 * (count 0 or beyond 8, a weight over 10^6, weights not summing to 10^6:
 * canary_route_reader_sync says why). `out_seq` (optional) receives the
 * seq the answer belongs to, so a caller can cache the labels per seq. */
static inline int canary_route_pick(const canary_route_page *p, uint64_t key, uint64_t *out_seq,
                                    uint32_t max_tries) {
    const uint32_t point = canary_route_point(key);
    for (uint32_t k = 0; k < max_tries; k++) {
        uint64_t s1 = atomic_load_explicit(CANARY_A64(&p->seq), memory_order_acquire);
        if (s1 & 1) continue;
        uint32_t count = (uint32_t)(atomic_load_explicit(CANARY_A64(&p->phase), memory_order_relaxed) >> 32);
        int idx = -1, bad = count == 0 || count > CANARY_ROUTE_MAX_ENTRIES;
        if (bad) count = 0;
        uint64_t end = 0;
        for (uint32_t i = 0; i < count; i++) {
            /* weight is the low half of the entry's 8th word (little-endian) */
            uint32_t w = (uint32_t)atomic_load_explicit(CANARY_A64(&p->entries[i].weight_ppm), memory_order_relaxed);
            if (w > CANARY_PPM) bad = 1;
            end += w;
            if (idx < 0 && point < end) idx = (int)i;
        }
        if (end != CANARY_PPM) bad = 1;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(CANARY_A64(&p->seq), memory_order_relaxed) != s1) continue;
        if (out_seq) *out_seq = s1;
        if (s1 == 0) return -1;
        return bad ? -3 : idx;
    }
    return -2;
}

/* route(key) for a C/C++ router: the entry of r->good (never of a refused
 * page) — -1 if no table was ever written, -2 stuck mid-write and -3
 * refused with no good table yet (r->problem says why). One load of the seq
 * word when the page is unchanged. Handle -2 as canary_route_reader_sync
 * says (yield, retry, then canary_route_reader_give_up); with a good table
 * a stuck page is given up on at once and the good table served. */
static inline int canary_route_reader_pick(canary_route_reader *r, const canary_route_page *p, uint64_t key,
                                           uint32_t max_tries) {
    canary_status s = canary_route_reader_sync(r, p, max_tries);
    if (s == CANARY_E_BUSY && r->good_seq) canary_route_reader_give_up(r, p); /* serve the good table, fast from now */
    if (r->good_seq) return canary_route_pick_point(&r->good, canary_route_point(key));
    if (s == CANARY_E_NO_TABLE) return -1;
    return s == CANARY_E_BUSY || s == CANARY_E_STUCK ? -2 : -3;
}

#ifdef __cplusplus
}
#endif
#endif /* CANARY_SHM_H */
