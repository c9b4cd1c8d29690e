/*
 * _canary_shm: the Python binding of canary_shm.h (Sources/CCanaryShm).
 *
 * No second implementation: the ring and route-page protocols are the
 * header's static inline functions; this file only opens/maps segments
 * (create-or-attach, same rules as the Swift CanaryShm module) and converts
 * Python arguments.
 */
#define _POSIX_C_SOURCE 200809L
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canary_shm.h"

static PyObject *ShmError; /* module exception, subclass of OSError */

/* MARK: - Segments */

typedef struct {
    void *base;
    size_t size;
    int created;
} mapping;

typedef int (*init_fn)(void *base, void *ctx);
typedef canary_status (*check_fn)(const void *base, uint64_t size);
typedef size_t (*size_fn)(const void *base);

static void set_errno_error(const char *call, const char *name, const char *what) {
    int err = errno;
    PyObject *msg = PyUnicode_FromFormat("shared memory segment '%s': %s (%s: %s)", name, what, call, strerror(err));
    if (msg) {
        PyObject *exc = PyObject_CallFunction(ShmError, "iO", err, msg);
        if (exc) {
            PyErr_SetObject(ShmError, exc);
            Py_DECREF(exc);
        }
        Py_DECREF(msg);
    }
}

static void set_status_error(canary_status s, const char *name, const char *kind, uint64_t size) {
    const char *why;
    switch (s) {
    case CANARY_E_NOT_READY: why = "exists but its creator did not publish it in time; if nobody is creating it, unlink it"; break;
    case CANARY_E_FOREIGN: why = "is not a Canary segment of this kind (wrong magic)"; break;
    case CANARY_E_VERSION: why = "has another layout version than this client's; upgrade both sides or recreate it"; break;
    case CANARY_E_RECORD_SIZE: why = "has another record size than this client's 64 bytes"; break;
    case CANARY_E_TRUNCATED: why = "is truncated (smaller than its header says); refusing to map it"; break;
    default: why = "has an invalid header (capacity or header size)"; break;
    }
    PyErr_Format(ShmError, "shared memory segment '%s': %s %s (%llu bytes)", name, kind, why, (unsigned long long)size);
}

static int map_fd(int fd, size_t size, int prot, void **out, const char *name) {
    void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        set_errno_error("mmap", name, "cannot map");
        return -1;
    }
    *out = p;
    return 0;
}

/* Create (O_CREAT|O_EXCL) or attach, waiting up to `timeout` s for a creator.
 * An attacher checks the first page against fstat's size before mapping the
 * whole segment. Returns 0 or -1 with a Python exception set. */
static int open_segment(const char *name, const char *kind, int create, unsigned mode, double timeout,
                        size_t create_size, size_t header_size, init_fn init, void *ctx, check_fn check,
                        size_fn full_size, mapping *out) {
    int fd;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (create) {
            fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
            if (fd >= 0) {
                if (fchmod(fd, (mode_t)mode) != 0 || ftruncate(fd, (off_t)create_size) != 0) {
                    set_errno_error("ftruncate", name, "cannot size new segment");
                    close(fd);
                    shm_unlink(name);
                    return -1;
                }
                void *p;
                if (map_fd(fd, create_size, PROT_READ | PROT_WRITE, &p, name) != 0) {
                    close(fd);
                    shm_unlink(name);
                    return -1;
                }
                close(fd);
                init(p, ctx);
                out->base = p;
                out->size = create_size;
                out->created = 1;
                return 0;
            }
            if (errno != EEXIST) {
                set_errno_error("shm_open", name, "cannot create");
                return -1;
            }
        }
        fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) {
            if (errno == ENOENT && create) continue; /* unlinked between our two opens */
            set_errno_error("shm_open", name, errno == ENOENT ? "no such segment: start the side that creates it" : "cannot open");
            return -1;
        }
        double waited = 0;
        for (;;) {
            struct stat st;
            if (fstat(fd, &st) != 0) {
                set_errno_error("fstat", name, "cannot stat");
                close(fd);
                return -1;
            }
            uint64_t size = (uint64_t)st.st_size;
            canary_status s = size == 0 ? CANARY_E_NOT_READY : CANARY_E_TRUNCATED;
            if (size >= header_size) {
                void *h;
                if (map_fd(fd, header_size, PROT_READ, &h, name) != 0) {
                    close(fd);
                    return -1;
                }
                s = check(h, size);
                size_t full = s == CANARY_OK ? full_size(h) : 0;
                munmap(h, header_size);
                if (s == CANARY_OK) {
                    void *p;
                    int rc = map_fd(fd, full, PROT_READ | PROT_WRITE, &p, name);
                    close(fd);
                    if (rc != 0) return -1;
                    out->base = p;
                    out->size = full;
                    out->created = 0;
                    return 0;
                }
            }
            if (s != CANARY_E_NOT_READY || waited >= timeout) {
                close(fd);
                set_status_error(s, name, kind, size);
                return -1;
            }
            usleep(1000);
            waited += 0.001;
        }
    }
    PyErr_Format(ShmError, "shared memory segment '%s': %s kept disappearing while opening it", name, kind);
    return -1;
}

static int check_name(const char *name) {
    size_t n = strlen(name);
    if (n < 2 || n > 255 || name[0] != '/' || strchr(name + 1, '/')) {
        PyErr_Format(PyExc_ValueError, "invalid segment name '%s': use one leading '/' and no other, e.g. /canary.model.replica", name);
        return -1;
    }
    return 0;
}

static uint64_t key_from_object(PyObject *key, int *ok) {
    *ok = 1;
    if (key == NULL || key == Py_None) return 0;
    if (PyLong_Check(key)) {
        uint64_t v = (uint64_t)PyLong_AsUnsignedLongLongMask(key);
        if (v == (uint64_t)-1 && PyErr_Occurred()) *ok = 0;
        return v;
    }
    if (PyUnicode_Check(key)) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(key, &len);
        if (!s) { *ok = 0; return 0; }
        return canary_key_hash(s, (size_t)len);
    }
    if (PyBytes_Check(key)) return canary_key_hash(PyBytes_AS_STRING(key), (size_t)PyBytes_GET_SIZE(key));
    PyErr_SetString(PyExc_TypeError, "key must be an int (64-bit hash), str or bytes");
    *ok = 0;
    return 0;
}

/* MARK: - Recorder */

typedef struct {
    PyObject_HEAD
    mapping map;
    canary_ring ring;
    int open;
} Recorder;

typedef struct {
    const char *model, *version;
    Py_ssize_t model_len, version_len;
    uint64_t capacity;
} ring_ctx;

static int ring_init_cb(void *base, void *ctx) {
    ring_ctx *c = (ring_ctx *)ctx;
    canary_ring_init((canary_ring_header *)base, c->capacity, c->model, (size_t)c->model_len, c->version,
                     (size_t)c->version_len, (uint32_t)getpid());
    return 0;
}
static canary_status ring_check_cb(const void *base, uint64_t size) { return canary_ring_check((const canary_ring_header *)base, size); }
static size_t ring_size_cb(const void *base) { return (size_t)canary_ring_size(((const canary_ring_header *)base)->capacity); }

static int Recorder_init(Recorder *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"name", "model", "version", "capacity", "mode", "create", "ready_timeout", NULL};
    const char *name;
    ring_ctx ctx = {0};
    unsigned long long capacity = 65536;
    unsigned int mode = 0600;
    int create = 1;
    double timeout = 0.2;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ss#s#|KIpd", kwlist, &name, &ctx.model, &ctx.model_len,
                                     &ctx.version, &ctx.version_len, &capacity, &mode, &create, &timeout))
        return -1;
    if (check_name(name) != 0) return -1;
    if (!canary_is_power_of_two(capacity) || capacity < CANARY_MIN_CAPACITY || capacity > CANARY_MAX_CAPACITY) {
        PyErr_Format(PyExc_ValueError, "capacity %llu is not a power of two in 16..2**30", capacity);
        return -1;
    }
    if (ctx.model_len > CANARY_LABEL_SIZE || ctx.version_len > CANARY_LABEL_SIZE) {
        PyErr_SetString(PyExc_ValueError, "model and version labels are at most 64 UTF-8 bytes");
        return -1;
    }
    if (mode != 0600 && mode != 0660) {
        PyErr_SetString(PyExc_ValueError, "mode must be 0o600 (default) or 0o660");
        return -1;
    }
    ctx.capacity = capacity;
    if (self->open) {
        munmap(self->map.base, self->map.size);
        self->open = 0;
    }
    if (open_segment(name, "sample ring", create, mode, timeout, (size_t)canary_ring_size(capacity),
                     CANARY_RING_HEADER_SIZE, ring_init_cb, &ctx, ring_check_cb, ring_size_cb, &self->map) != 0)
        return -1;
    canary_ring_header *h = (canary_ring_header *)self->map.base;
    if (canary_label_len(h->model, CANARY_LABEL_SIZE) != (size_t)ctx.model_len || memcmp(h->model, ctx.model, (size_t)ctx.model_len) != 0 ||
        canary_label_len(h->version, CANARY_LABEL_SIZE) != (size_t)ctx.version_len || memcmp(h->version, ctx.version, (size_t)ctx.version_len) != 0) {
        PyErr_Format(ShmError, "shared memory segment '%s': ring belongs to model '%.64s' version '%.64s', not '%s' version '%s'",
                     name, h->model, h->version, ctx.model, ctx.version);
        munmap(self->map.base, self->map.size);
        return -1;
    }
    self->ring = canary_ring_bind(h);
    self->open = 1;
    return 0;
}

static void Recorder_dealloc(Recorder *self) {
    if (self->open) munmap(self->map.base, self->map.size);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int status_from_object(PyObject *o) {
    if (o == NULL || o == Py_None) return 0;
    if (PyLong_Check(o)) {
        long v = PyLong_AsLong(o);
        if (v >= 0 && v <= 3) return (int)v;
    } else if (PyUnicode_Check(o)) {
        static const char *names[] = {"ok", "client_error", "server_error", "timeout"};
        const char *s = PyUnicode_AsUTF8(o);
        for (int i = 0; s && i < 4; i++)
            if (strcmp(s, names[i]) == 0) return i;
    }
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "status must be 0..3 or 'ok', 'client_error', 'server_error', 'timeout'");
    return -1;
}

static int require_open(Recorder *self) {
    if (self->open) return 0;
    PyErr_SetString(PyExc_ValueError, "recorder is closed");
    return -1;
}

/* Keyword names of record(), interned once so matching is a pointer compare. */
static const char *record_kw[] = {"latency", "status", "prediction", "confidence", "key", "label"};
#define RECORD_ARGS 6
static PyObject *record_kw_obj[RECORD_ARGS];

/* A class number (label or prediction) that fits the record's i32; 0 with
 * *ok = 0 and an exception set otherwise. */
static int32_t class_from_object(PyObject *o, const char *what, int *ok) {
    *ok = 0;
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return 0;
    if (v < INT32_MIN || v > INT32_MAX) {
        PyErr_Format(PyExc_OverflowError, "%s must fit in 32 bits", what);
        return 0;
    }
    *ok = 1;
    return (int32_t)v;
}

/* Vectorcall argument parsing: PyArg_ParseTupleAndKeywords alone would cost
 * more than the whole shared-memory write, on every inference. */
static int parse_record_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject *vals[RECORD_ARGS]) {
    if (nargs > RECORD_ARGS) {
        PyErr_SetString(PyExc_TypeError, "record() takes at most 6 arguments");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) vals[i] = args[i];
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t j = 0; j < nk; j++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, j);
        int slot = -1;
        for (int k = 0; k < RECORD_ARGS && slot < 0; k++)
            if (name == record_kw_obj[k]) slot = k;
        for (int k = 0; k < RECORD_ARGS && slot < 0; k++)
            if (PyUnicode_CompareWithASCIIString(name, record_kw[k]) == 0) slot = k;
        if (slot < 0) {
            PyErr_Format(PyExc_TypeError, "record() got an unexpected keyword argument '%U'", name);
            return -1;
        }
        if (vals[slot]) {
            PyErr_Format(PyExc_TypeError, "record() got multiple values for argument '%s'", record_kw[slot]);
            return -1;
        }
        vals[slot] = args[nargs + j];
    }
    if (!vals[0]) {
        PyErr_SetString(PyExc_TypeError, "record() missing required argument 'latency' (seconds)");
        return -1;
    }
    return 0;
}

static PyObject *Recorder_record(Recorder *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *vals[RECORD_ARGS] = {NULL, NULL, NULL, NULL, NULL, NULL};
    if (parse_record_args(args, nargs, kwnames, vals) != 0) return NULL;
    if (require_open(self) != 0) return NULL;
    double latency = PyFloat_Check(vals[0]) ? PyFloat_AS_DOUBLE(vals[0]) : PyFloat_AsDouble(vals[0]);
    if (latency == -1.0 && PyErr_Occurred()) return NULL;
    int status = status_from_object(vals[1]);
    if (status < 0) return NULL;
    PyObject *pred = vals[2] ? vals[2] : Py_None, *conf = vals[3] ? vals[3] : Py_None;
    uint8_t flags = 0;
    int32_t cls = 0;
    float score = 0, confidence = 0;
    if (pred != Py_None) {
        if (PyFloat_Check(pred)) {
            flags |= CANARY_HAS_SCORE;
            score = (float)PyFloat_AS_DOUBLE(pred);
        } else if (PyLong_Check(pred)) {
            long v = PyLong_AsLong(pred);
            if (v < INT32_MIN || v > INT32_MAX) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_OverflowError, "predicted class must fit in 32 bits");
                return NULL;
            }
            flags |= CANARY_HAS_PREDICTION;
            cls = (int32_t)v;
        } else {
            PyErr_SetString(PyExc_TypeError, "prediction must be None, an int (class) or a float (score)");
            return NULL;
        }
    }
    if (conf != Py_None) {
        double c = PyFloat_Check(conf) ? PyFloat_AS_DOUBLE(conf) : PyFloat_AsDouble(conf);
        if (c == -1.0 && PyErr_Occurred()) return NULL;
        flags |= CANARY_HAS_CONFIDENCE;
        confidence = (float)c;
    }
    int ok;
    uint64_t key = key_from_object(vals[4], &ok);
    if (!ok) return NULL;
    int32_t label = 0;
    if (vals[5] && vals[5] != Py_None) {
        label = class_from_object(vals[5], "label", &ok);
        if (!ok) return NULL;
        flags |= CANARY_HAS_LABEL;
    }
    uint64_t ns = latency > 0 ? (uint64_t)(latency * 1e9 + 0.5) : 0;
    canary_ring_record_labeled(&self->ring, (uint8_t)status, flags, ns, key, cls, score, confidence, label);
    Py_RETURN_NONE;
}

static PyObject *Recorder_record_outcome(Recorder *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"key", "label", "correct", "predicted", NULL};
    PyObject *key_o, *label_o = Py_None, *correct_o = Py_None, *predicted_o = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOO", kwlist, &key_o, &label_o, &correct_o, &predicted_o)) return NULL;
    if (require_open(self) != 0) return NULL;
    int ok;
    uint64_t key = key_from_object(key_o, &ok);
    if (!ok) return NULL;
    uint8_t flags = 0;
    int32_t label = 0, predicted = 0;
    int correct = 0;
    if (label_o != Py_None) {
        label = class_from_object(label_o, "label", &ok);
        if (!ok) return NULL;
        flags |= CANARY_HAS_LABEL;
    }
    if (predicted_o != Py_None) {
        predicted = class_from_object(predicted_o, "predicted class", &ok);
        if (!ok) return NULL;
        flags |= CANARY_HAS_PREDICTION;
    }
    if (correct_o != Py_None) {
        correct = PyObject_IsTrue(correct_o);
        if (correct < 0) return NULL;
        flags |= CANARY_HAS_CORRECT;
    }
    canary_ring_record_outcome_predicted(&self->ring, key, flags, label, correct, predicted);
    Py_RETURN_NONE;
}

static PyObject *Recorder_close(Recorder *self, PyObject *unused) {
    (void)unused;
    if (self->open) munmap(self->map.base, self->map.size);
    self->open = 0;
    Py_RETURN_NONE;
}

static PyObject *Recorder_get_capacity(Recorder *self, void *unused) {
    (void)unused;
    if (require_open(self) != 0) return NULL;
    return PyLong_FromUnsignedLongLong(self->ring.mask + 1);
}

static PyObject *Recorder_get_created(Recorder *self, void *unused) {
    (void)unused;
    return PyBool_FromLong(self->map.created);
}

static PyMethodDef Recorder_methods[] = {
    {"record", (PyCFunction)(void (*)(void))Recorder_record, METH_FASTCALL | METH_KEYWORDS,
     "record(latency, status=0, prediction=None, confidence=None, key=0, label=None)\n\n"
     "Record one inference. latency in seconds (float, as time.perf_counter() differences);\n"
     "status 0..3 or 'ok'/'client_error'/'server_error'/'timeout'; prediction an int class\n"
     "or a float score; key an int hash or a str/bytes request id (hashed with FNV-1a 64);\n"
     "label the true class when known at inference time (counted as labeled at once)."},
    {"record_outcome", (PyCFunction)(void (*)(void))Recorder_record_outcome, METH_VARARGS | METH_KEYWORDS,
     "record_outcome(key, label=None, correct=None, predicted=None)\n\n"
     "Record the ground truth for an earlier request. A label alone is judged by the agent\n"
     "against the prediction it read for the same key (within its labels.horizon); with\n"
     "predicted= (what was predicted for it) the outcome is self-contained and may be written\n"
     "to any ring of the version that served the request."},
    {"close", (PyCFunction)Recorder_close, METH_NOARGS, "Unmap the ring (the segment stays)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Recorder_getset[] = {
    {"capacity", (getter)Recorder_get_capacity, NULL, "ring capacity in records", NULL},
    {"created", (getter)Recorder_get_created, NULL, "True if this recorder created the segment", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject RecorderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "canary_shm._canary_shm.Recorder",
    .tp_basicsize = sizeof(Recorder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Recorder(name, model, version, capacity=65536, mode=0o600, create=True, ready_timeout=0.2)\n\n"
              "Writer of a Canary sample ring (create-or-attach). Never blocks.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Recorder_init,
    .tp_dealloc = (destructor)Recorder_dealloc,
    .tp_methods = Recorder_methods,
    .tp_getset = Recorder_getset,
};

/* MARK: - RoutePage */

typedef struct {
    PyObject_HEAD
    mapping map;
    canary_route_page *page;
    canary_route_reader reader; /* the last good table, refusals (canary_shm.h) */
    uint64_t labels_seq;        /* good_seq the labels tuple belongs to (0: none) */
    PyObject *labels;           /* tuple of str for labels_seq */
    char name[256];             /* segment name, for errors */
} RoutePage;

typedef struct {
    const char *model;
    Py_ssize_t model_len;
} route_ctx;

static int route_init_cb(void *base, void *ctx) {
    route_ctx *c = (route_ctx *)ctx;
    canary_route_init((canary_route_page *)base, c->model, (size_t)c->model_len, (uint32_t)getpid());
    return 0;
}
static canary_status route_check_cb(const void *base, uint64_t size) { return canary_route_check((const canary_route_page *)base, size); }
static size_t route_size_cb(const void *base) { (void)base; return CANARY_ROUTE_PAGE_SIZE; }

static int RoutePage_init(RoutePage *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"name", "model", "create", "mode", "ready_timeout", NULL};
    const char *name;
    route_ctx ctx = {"", 0};
    int create = 0;
    unsigned int mode = 0600;
    double timeout = 0.2;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|s#pId", kwlist, &name, &ctx.model, &ctx.model_len, &create, &mode, &timeout))
        return -1;
    if (check_name(name) != 0) return -1;
    if (mode != 0600 && mode != 0660) {
        PyErr_SetString(PyExc_ValueError, "mode must be 0o600 (default) or 0o660");
        return -1;
    }
    if (open_segment(name, "route page", create, mode, timeout, CANARY_ROUTE_PAGE_SIZE, CANARY_ROUTE_PAGE_SIZE,
                     route_init_cb, &ctx, route_check_cb, route_size_cb, &self->map) != 0)
        return -1;
    self->page = (canary_route_page *)self->map.base;
    memset(&self->reader, 0, sizeof self->reader);
    self->labels_seq = 0;
    snprintf(self->name, sizeof self->name, "%s", name);
    if (ctx.model_len > 0 && (canary_label_len(self->page->model, CANARY_LABEL_SIZE) != (size_t)ctx.model_len ||
                              memcmp(self->page->model, ctx.model, (size_t)ctx.model_len) != 0)) {
        PyErr_Format(ShmError, "shared memory segment '%s': route page belongs to model '%.64s', not '%s'", name,
                     self->page->model, ctx.model);
        munmap(self->map.base, self->map.size);
        self->page = NULL;
        return -1;
    }
    return 0;
}

static void RoutePage_dealloc(RoutePage *self) {
    if (self->page) munmap(self->map.base, self->map.size);
    Py_XDECREF(self->labels);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *entry_label(const canary_route_entry *e) {
    return PyUnicode_DecodeUTF8(e->label, (Py_ssize_t)canary_label_len(e->label, CANARY_ROUTE_LABEL_SIZE), "replace");
}

/* Retries a seqlock read that found the page mid-write, yielding so a
 * preempted writer can finish; gives up after ~100 ms (writer died?), and
 * from then on fails fast while the seq word stays at that odd value. */
#define BUSY_ATTEMPTS 20000
#define BUSY_TIMEOUT_NS 100000000ull
#define SPINS_PER_ATTEMPT 1000

static void set_problem_error(RoutePage *self, const char *what, const canary_problem *p) {
    char text[256];
    canary_problem_text(p, text, sizeof text);
    PyErr_Format(ShmError, "route page '%s' refused: %s; %s", self->name, text, what);
}

/* Brings the reader's good table up to the page (canary_route_reader_sync)
 * and the labels tuple up to the good table. Returns the sync status, or -1
 * with an exception set (memory). */
static int RoutePage_sync(RoutePage *self) {
    canary_status s = canary_route_reader_sync(&self->reader, self->page, SPINS_PER_ATTEMPT);
    const uint64_t deadline = canary_now_ns(CLOCK_MONOTONIC) + BUSY_TIMEOUT_NS;
    for (int i = 0; s == CANARY_E_BUSY && i < BUSY_ATTEMPTS && canary_now_ns(CLOCK_MONOTONIC) < deadline; i++) {
        sched_yield();
        s = canary_route_reader_sync(&self->reader, self->page, SPINS_PER_ATTEMPT);
    }
    if (s == CANARY_E_BUSY) canary_route_reader_give_up(&self->reader, self->page);
    const canary_route_table *t = &self->reader.good;
    if (self->reader.good_seq && self->labels_seq != self->reader.good_seq) {
        /* good.count is validated (1..8) before a table becomes good. */
        PyObject *labels = PyTuple_New(t->count);
        if (!labels) return -1;
        for (uint32_t i = 0; i < t->count; i++) {
            PyObject *l = entry_label(&t->entries[i]);
            if (!l) {
                Py_DECREF(labels);
                return -1;
            }
            PyTuple_SET_ITEM(labels, i, l);
        }
        Py_XSETREF(self->labels, labels);
        self->labels_seq = self->reader.good_seq;
    }
    return (int)s;
}

static PyObject *RoutePage_route(RoutePage *self, PyObject *key_o) {
    int ok;
    uint64_t key = key_from_object(key_o, &ok);
    if (!ok) return NULL;
    int s = RoutePage_sync(self);
    if (s < 0) return NULL;
    if (!self->reader.good_seq) {
        if (s == CANARY_E_NO_TABLE) Py_RETURN_NONE;
        set_problem_error(self, "no good table to route with yet", &self->reader.problem);
        return NULL;
    }
    /* A refused page keeps routing on the last good table (fail-static). */
    int idx = canary_route_pick_point(&self->reader.good, canary_route_point(key));
    if (idx < 0 || idx >= PyTuple_GET_SIZE(self->labels)) {
        PyErr_SetString(ShmError, "route table has no entry for this key");
        return NULL;
    }
    PyObject *l = PyTuple_GET_ITEM(self->labels, idx);
    Py_INCREF(l);
    return l;
}

/* The page's phase word as the name the rest of Canary uses. */
static const char *phase_name(uint32_t phase) {
    switch (phase) {
    case CANARY_PHASE_PENDING: return "pending";
    case CANARY_PHASE_PROGRESSING: return "progressing";
    case CANARY_PHASE_PAUSED: return "paused";
    case CANARY_PHASE_PROMOTED: return "promoted";
    case CANARY_PHASE_ROLLED_BACK: return "rolled_back";
    case CANARY_PHASE_ABORTED: return "aborted";
    default: return "unknown"; /* validation refuses these before we get here */
    }
}

static PyObject *RoutePage_table(RoutePage *self, PyObject *unused) {
    (void)unused;
    int s = RoutePage_sync(self);
    if (s < 0) return NULL;
    if (s == CANARY_E_NO_TABLE) {
        return Py_BuildValue("{s:K,s:K,s:s,s:N}", "epoch", 0ull, "sequence", 0ull, "phase", "pending", "entries", PyList_New(0));
    }
    if (s != CANARY_OK) {
        set_problem_error(self, self->reader.good_seq ? "route() keeps the last good table" : "no good table yet",
                          &self->reader.problem);
        return NULL;
    }
    const canary_route_table *t = &self->reader.good;
    PyObject *entries = PyList_New(t->count);
    if (!entries) return NULL;
    for (uint32_t i = 0; i < t->count; i++) {
        PyObject *e = Py_BuildValue("(OI)", PyTuple_GET_ITEM(self->labels, i), t->entries[i].weight_ppm);
        if (!e) {
            Py_DECREF(entries);
            return NULL;
        }
        PyList_SET_ITEM(entries, i, e);
    }
    return Py_BuildValue("{s:K,s:K,s:s,s:N}", "epoch", (unsigned long long)t->epoch, "sequence",
                         (unsigned long long)t->sequence, "phase", phase_name(t->phase), "entries", entries);
}

static PyObject *RoutePage_get_refusals(RoutePage *self, void *unused) {
    (void)unused;
    return PyLong_FromUnsignedLongLong(self->reader.refusals);
}

static PyObject *RoutePage_get_last_error(RoutePage *self, void *unused) {
    (void)unused;
    if (!self->reader.refusals) Py_RETURN_NONE;
    char text[256];
    canary_problem_text(&self->reader.problem, text, sizeof text);
    return PyUnicode_FromString(text);
}

static PyGetSetDef RoutePage_getset[] = {
    {"refusals", (getter)RoutePage_get_refusals, NULL,
     "how many distinct page states this reader refused (corrupt table, stuck seqlock, bad header)", NULL},
    {"last_error", (getter)RoutePage_get_last_error, NULL, "why the page was last refused, or None", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef RoutePage_methods[] = {
    {"route", (PyCFunction)RoutePage_route, METH_O,
     "route(key) -> str | None\n\nThe version label for a request key (int hash or str/bytes id);\n"
     "None before the first table is written. A page that fails validation (count, weights,\n"
     "labels, header, stuck seqlock) is refused: route() keeps routing with the last good\n"
     "table (see refusals, last_error) and raises ShmError only if there is none yet."},
    {"table", (PyCFunction)RoutePage_table, METH_NOARGS,
     "table() -> dict with epoch, sequence, phase ('pending', 'progressing', 'paused', 'promoted',\n"
     "'rolled_back', 'aborted') and entries [(version, weight_ppm), ...]\n\n"
     "Raises ShmError naming the cause if the page is refused."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RoutePageType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "canary_shm._canary_shm.RoutePage",
    .tp_basicsize = sizeof(RoutePage),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "RoutePage(name, model='', create=False, mode=0o600, ready_timeout=0.2)\n\n"
              "Reader of a Canary route page (written by the agent).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)RoutePage_init,
    .tp_dealloc = (destructor)RoutePage_dealloc,
    .tp_methods = RoutePage_methods,
    .tp_getset = RoutePage_getset,
};

/* MARK: - Module */

static PyObject *mod_key_hash(PyObject *mod, PyObject *key) {
    (void)mod;
    int ok;
    uint64_t k = key_from_object(key, &ok);
    if (!ok) return NULL;
    return PyLong_FromUnsignedLongLong(k);
}

static PyObject *mod_unlink(PyObject *mod, PyObject *args) {
    (void)mod;
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    /* The agent's checkpoint of a ring means nothing without it (shm-layout §3.6). */
    if (canary_unlink_checkpoint(name) != 0) {
        set_errno_error("unlink", name, "cannot remove the ring's checkpoint file");
        return NULL;
    }
    if (shm_unlink(name) == 0) Py_RETURN_TRUE;
    if (errno == ENOENT) Py_RETURN_FALSE;
    set_errno_error("shm_unlink", name, "cannot unlink");
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"key_hash", mod_key_hash, METH_O, "key_hash(id) -> int: the 64-bit key of a str/bytes request id (FNV-1a 64)."},
    {"unlink", mod_unlink, METH_VARARGS, "unlink(name) -> bool: shm_unlink a segment (and a ring's checkpoint file); False if it did not exist."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_canary_shm", "Canary shared-memory client (canary_shm.h).", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__canary_shm(void) {
    if (PyType_Ready(&RecorderType) < 0 || PyType_Ready(&RoutePageType) < 0) return NULL;
    for (int k = 0; k < RECORD_ARGS; k++)
        if (!(record_kw_obj[k] = PyUnicode_InternFromString(record_kw[k]))) return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    ShmError = PyErr_NewExceptionWithDoc("canary_shm.ShmError", "A shared-memory segment could not be used.", PyExc_OSError, NULL);
    Py_INCREF(&RecorderType);
    Py_INCREF(&RoutePageType);
    if (!ShmError || PyModule_AddObject(m, "ShmError", ShmError) < 0 ||
        PyModule_AddObject(m, "Recorder", (PyObject *)&RecorderType) < 0 ||
        PyModule_AddObject(m, "RoutePage", (PyObject *)&RoutePageType) < 0 ||
        PyModule_AddIntConstant(m, "LAYOUT_VERSION", CANARY_LAYOUT_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(ShmError);
    return m;
}
