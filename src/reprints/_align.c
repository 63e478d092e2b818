/* reprints._align: the lexical aligner of reprints.align (seeds, runs, chains, selection,
 * paragraph cuts), in one C call per pair.
 *
 * The Python version spends about 190 microseconds on a candidate pair, most of it in
 * dozens of small NumPy calls and list bookkeeping, and align() runs on every candidate
 * pair of a scan. This does the same steps over plain arrays, several times faster; what
 * is left in Python is mapping each passage to original offsets. The results are exactly
 * those of the Python version (same passages, same order, same counts):
 * tests/test_align.py::test_c_and_python_aligners_agree runs both on the same pairs.
 * Written for this project.
 *
 * core((ids_a, para_a, starts_a, ends_a), (ids_b, para_b, starts_b, ends_b), seed, max_gap, min_words)
 *     -> (passages: list[tuple[int, int, int, int, int, bool]], a_covered: int, b_covered: int)
 *   Each side: C-contiguous int64 buffers with one item per word, the fields of a
 *   TokenizedText (word id, paragraph, start and end offset in the normalized text).
 *   seed >= 1, fewer than 2**31 words a side. Each passage is (a_start, a_end, b_start, b_end, words, exact): spans of
 *   the two normalized texts, from the first word's start to the last word's end, the
 *   words of A aligned in it, and whether both hold the same words. They come in the
 *   order the Python version makes them (chains longest first, then by position).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEATS 4 /* an n-gram found more often than this in B seeds nothing */
#define LOOK_BACK 8   /* a run may extend one of the last 8 chains opened */

/* One text: its words' ids, paragraphs and offsets (int64 each, maybe unaligned). */
typedef struct {
    const char *ids, *para, *starts, *ends;
    Py_ssize_t n;
} Side;

/* Word ranges [a0, a1) of A and [b0, b1) of B. */
typedef struct {
    int64_t a0, a1, b0, b1;
    int64_t next; /* next run of the same chain, -1 at its end */
} Run;

typedef struct {
    Run *v;
    Py_ssize_t n, cap;
} Runs;

typedef struct {
    int64_t first, last; /* its first and last run, in Work.chained */
    int64_t a0, b0;      /* where its first run starts */
    int64_t total;       /* words of A in its runs */
    int64_t index;       /* order of creation: ties keep it, as Python's stable sort */
} Chain;

/* One passage in word ranges, before it is turned into offsets. */
typedef struct {
    int64_t a0, a1, b0, b1, words;
} Group;

/* An n-gram of B: how often it occurs and where first (then Work.next_b). Positions fit
 * in int32: align() leaves longer texts to the Python version. */
typedef struct {
    uint64_t key;
    int32_t count; /* 0: an empty slot */
    int32_t head;  /* its first position in B */
} Slot;

/* Everything one call allocates, freed together. */
typedef struct {
    uint64_t *ka, *kb;
    Slot *table;
    int32_t *next_b; /* next position in B of the same n-gram, -1 after the last */
    unsigned char *ok_b, *used_a, *used_b;
    Runs runs, chained, picked;
    Chain *chains;
    Py_ssize_t n_chains;
    Group *groups;
    Py_ssize_t n_groups, cap_groups;
    int64_t a_cov, b_cov;
} Work;

static inline int64_t at(const char *p, int64_t i) {
    int64_t v;
    memcpy(&v, p + 8 * i, 8);
    return v;
}

static int push(Runs *r, int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    if (r->n == r->cap) {
        Py_ssize_t cap = r->cap ? 2 * r->cap : 64;
        Run *v = PyMem_RawRealloc(r->v, (size_t)cap * sizeof(Run));
        if (!v) return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (Run){a0, a1, b0, b1, -1};
    return 0;
}

static int push_group(Work *w, Group g) {
    if (w->n_groups == w->cap_groups) {
        Py_ssize_t cap = w->cap_groups ? 2 * w->cap_groups : 16;
        Group *v = PyMem_RawRealloc(w->groups, (size_t)cap * sizeof(Group));
        if (!v) return -1;
        w->groups = v;
        w->cap_groups = cap;
    }
    w->groups[w->n_groups++] = g;
    return 0;
}

/* Keys of the n-grams starting at 0..len-n: acc * 1000003 + id, wrapping as NumPy int64 does. */
static void ngram_keys(const Side *s, Py_ssize_t n, uint64_t *out) {
    for (Py_ssize_t i = 0; i + n <= s->n; i++) {
        uint64_t acc = (uint64_t)at(s->ids, i);
        for (Py_ssize_t j = 1; j < n; j++) acc = acc * 1000003ULL + (uint64_t)at(s->ids, i + j);
        out[i] = acc;
    }
}

/* The slot holding key, or the empty slot where it would go (linear probing). */
static inline Slot *find(Slot *table, int bits, uint64_t key) {
    size_t mask = ((size_t)1 << bits) - 1;
    size_t s = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
    while (table[s].count && table[s].key != key) s = (s + 1) & mask;
    return &table[s];
}

static int cmp_run(const Run *x, const Run *y) {
    if (x->a0 != y->a0) return x->a0 < y->a0 ? -1 : 1;
    if (x->a1 != y->a1) return x->a1 < y->a1 ? -1 : 1;
    if (x->b0 != y->b0) return x->b0 < y->b0 ? -1 : 1;
    if (x->b1 != y->b1) return x->b1 < y->b1 ? -1 : 1;
    return 0;
}

/* Longest chains first, then by where they start in A, then in B, then as made. */
static int cmp_chain(const void *p, const void *q) {
    const Chain *x = p, *y = q;
    if (x->total != y->total) return x->total > y->total ? -1 : 1;
    if (x->a0 != y->a0) return x->a0 < y->a0 ? -1 : 1;
    if (x->b0 != y->b0) return x->b0 < y->b0 ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Exact runs, sorted as lists [a0, a1, b0, b1] (align._seeds and align._runs): maximal
 * stretches of seeds on one diagonal. A seed (i, j) is an n-gram at i in A found at j in
 * B, that n-gram occurring at most MAX_REPEATS times in B. */
static int find_runs(Work *w, const Side *a, const Side *b, Py_ssize_t n) {
    if (a->n < n || b->n < n) return 0;
    Py_ssize_t ma = a->n - n + 1, mb = b->n - n + 1;
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * mb) bits++;
    w->ka = PyMem_RawMalloc((size_t)ma * sizeof(uint64_t));
    w->kb = PyMem_RawMalloc((size_t)mb * sizeof(uint64_t));
    w->ok_b = PyMem_RawMalloc((size_t)mb);
    w->next_b = PyMem_RawMalloc((size_t)mb * sizeof(int32_t));
    w->table = PyMem_RawCalloc((size_t)1 << bits, sizeof(Slot));
    if (!w->ka || !w->kb || !w->ok_b || !w->next_b || !w->table) return -1;
    const uint64_t *ka = w->ka, *kb = w->kb;
    ngram_keys(a, n, w->ka);
    ngram_keys(b, n, w->kb);
    int32_t *next_b = w->next_b;
    for (Py_ssize_t j = mb - 1; j >= 0; j--) { /* backwards: each list comes out ascending */
        Slot *s = find(w->table, bits, kb[j]);
        next_b[j] = s->count ? s->head : -1;
        s->key = kb[j];
        s->head = (int32_t)j;
        s->count++;
    }
    /* ok_b[j]: an n-gram of A equal to B's at j is a seed */
    for (Py_ssize_t j = 0; j < mb; j++) w->ok_b[j] = find(w->table, bits, kb[j])->count <= MAX_REPEATS;
    const unsigned char *ok_b = w->ok_b;
    Runs *runs = &w->runs;
    for (Py_ssize_t i = 0; i < ma; i++) {
        const Slot *s = find(w->table, bits, ka[i]);
        if (!s->count || s->count > MAX_REPEATS) continue;
        Py_ssize_t first = runs->n;
        for (int64_t j = s->head; j >= 0; j = next_b[j]) {
            if (i > 0 && j > 0 && ka[i - 1] == kb[j - 1] && ok_b[j - 1]) continue; /* inside a run */
            int64_t len = 1;
            while (i + len < ma && j + len < mb && ka[i + len] == kb[j + len] && ok_b[j + len]) len++;
            if (push(runs, i, i + len - 1 + n, j, j + len - 1 + n)) return -1;
        }
        /* the runs starting at i came by b0: put them in list order (by a1, then b0) */
        for (Py_ssize_t x = first + 1; x < runs->n; x++) {
            Run r = runs->v[x];
            Py_ssize_t y = x;
            for (; y > first && cmp_run(&runs->v[y - 1], &r) > 0; y--) runs->v[y] = runs->v[y - 1];
            runs->v[y] = r;
        }
    }
    return 0;
}

/* Merge runs that follow each other closely in both texts into chains (align._chain). */
static int chain_runs(Work *w, int64_t max_gap) {
    const Runs *runs = &w->runs;
    Runs *cr = &w->chained;
    w->chains = PyMem_RawMalloc((size_t)(runs->n ? runs->n : 1) * sizeof(Chain));
    if (!w->chains) return -1;
    for (Py_ssize_t k = 0; k < runs->n; k++) {
        Run r = runs->v[k];
        Chain *best = NULL;
        for (Py_ssize_t c = w->n_chains - 1; c >= 0 && c >= w->n_chains - LOOK_BACK; c--) {
            const Run *last = &cr->v[w->chains[c].last];
            int64_t ga = r.a0 - last->a1, gb = r.b0 - last->b1;
            if (-2 <= ga && ga <= max_gap && -2 <= gb && gb <= max_gap) {
                best = &w->chains[c];
                break;
            }
        }
        if (!best) {
            if (push(cr, r.a0, r.a1, r.b0, r.b1)) return -1;
            w->chains[w->n_chains] = (Chain){cr->n - 1, cr->n - 1, r.a0, r.b0, 0, w->n_chains};
            w->n_chains++;
            continue;
        }
        /* trim overlaps so runs inside a chain never share words */
        const Run *last = &cr->v[best->last];
        int64_t cut = last->a1 - r.a0;
        if (last->b1 - r.b0 > cut) cut = last->b1 - r.b0;
        if (cut > 0) {
            r.a0 += cut;
            r.b0 += cut;
        }
        if (r.a1 > r.a0) {
            if (push(cr, r.a0, r.a1, r.b0, r.b1)) return -1;
            cr->v[best->last].next = cr->n - 1;
            best->last = cr->n - 1;
        }
    }
    return 0;
}

/* Cut a kept chain (its runs are picked.v[from:]) where either side starts a new paragraph
 * and group consecutive pieces in the same two paragraphs: one group per passage
 * (align._split_by_paragraph). */
static int emit_groups(Work *w, Py_ssize_t from, const Side *a, const Side *b) {
    Group g = {0, 0, 0, 0, 0};
    int open = 0;
    int64_t ga = 0, gb = 0; /* the paragraphs of the open group */
    for (Py_ssize_t k = from; k < w->picked.n; k++) {
        Run r = w->picked.v[k];
        int64_t start = r.a0;
        for (int64_t end = r.a0 + 1; end <= r.a1; end++) {
            /* a piece ends at the run's end or where the next word is in another paragraph */
            if (end < r.a1 && at(a->para, end - 1) == at(a->para, end)
                && at(b->para, r.b0 + end - 1 - r.a0) == at(b->para, r.b0 + end - r.a0))
                continue;
            int64_t q0 = r.b0 + start - r.a0, q1 = end == r.a1 ? r.b1 : r.b0 + end - r.a0;
            int64_t pa = at(a->para, start), pb = at(b->para, q0);
            if (open && pa == ga && pb == gb) {
                g.a1 = end;
                g.b1 = q1;
                g.words += end - start;
            } else {
                if (open && push_group(w, g)) return -1;
                g = (Group){start, end, q0, q1, end - start};
                ga = pa;
                gb = pb;
                open = 1;
            }
            start = end;
        }
    }
    if (open && push_group(w, g)) return -1;
    return 0;
}

/* Keep the longest chains first, each word aligned at most once, a chain losing the words
 * already aligned (align._select); then cut each kept chain into passages. */
static int select_chains(Work *w, const Side *a, const Side *b, int64_t min_words) {
    const Runs *cr = &w->chained;
    Runs *picked = &w->picked;
    Chain *ch = w->chains;
    for (Py_ssize_t c = 0; c < w->n_chains; c++)
        for (int64_t k = ch[c].first; k >= 0; k = cr->v[k].next) ch[c].total += cr->v[k].a1 - cr->v[k].a0;
    qsort(ch, (size_t)w->n_chains, sizeof(Chain), cmp_chain); /* a total order: as a stable sort */
    w->used_a = PyMem_RawCalloc((size_t)(a->n ? a->n : 1), 1);
    w->used_b = PyMem_RawCalloc((size_t)(b->n ? b->n : 1), 1);
    if (!w->used_a || !w->used_b) return -1;
    unsigned char *ua = w->used_a, *ub = w->used_b;
    for (Py_ssize_t c = 0; c < w->n_chains; c++) {
        Py_ssize_t from = picked->n;
        int64_t total = 0;
        for (int64_t k = ch[c].first; k >= 0; k = cr->v[k].next) {
            Run r = cr->v[k];
            int64_t len = r.a1 - r.a0, s = -1; /* s: start of the free stretch, -1 outside one */
            for (int64_t x = 0; x <= len; x++) {
                int free = x < len && !ua[r.a0 + x] && !ub[r.b0 + x];
                if (free && s < 0) s = x;
                if (!free && s >= 0) {
                    if (push(picked, r.a0 + s, r.a0 + x, r.b0 + s, r.b0 + x)) return -1;
                    total += x - s;
                    s = -1;
                }
            }
        }
        if (total < min_words) {
            picked->n = from;
            continue;
        }
        for (Py_ssize_t k = from; k < picked->n; k++) {
            const Run *r = &picked->v[k];
            memset(ua + r->a0, 1, (size_t)(r->a1 - r->a0));
            memset(ub + r->b0, 1, (size_t)(r->b1 - r->b0));
            w->a_cov += r->a1 - r->a0;
            w->b_cov += r->b1 - r->b0;
        }
        if (emit_groups(w, from, a, b)) return -1;
    }
    return 0;
}

/* The whole alignment into w->groups, a_cov and b_cov; -1 when out of memory. */
static int align_words(Work *w, const Side *a, const Side *b, Py_ssize_t seed, int64_t max_gap,
                       int64_t min_words) {
    if (a->n == b->n && a->n && memcmp(a->ids, b->ids, (size_t)(8 * a->n)) == 0) {
        /* same words: one run, no search needed, kept whatever its length */
        if (push(&w->picked, 0, a->n, 0, b->n)) return -1;
        w->a_cov = a->n;
        w->b_cov = b->n;
        return emit_groups(w, 0, a, b);
    }
    if (find_runs(w, a, b, seed) || chain_runs(w, max_gap)) return -1;
    return select_chains(w, a, b, min_words);
}

static void free_work(Work *w) {
    PyMem_RawFree(w->ka);
    PyMem_RawFree(w->kb);
    PyMem_RawFree(w->table);
    PyMem_RawFree(w->ok_b);
    PyMem_RawFree(w->next_b);
    PyMem_RawFree(w->used_a);
    PyMem_RawFree(w->used_b);
    PyMem_RawFree(w->runs.v);
    PyMem_RawFree(w->chained.v);
    PyMem_RawFree(w->picked.v);
    PyMem_RawFree(w->chains);
    PyMem_RawFree(w->groups);
}

/* One passage as (a_start, a_end, b_start, b_end, words, exact). */
static PyObject *passage(const Group *g, const Side *a, const Side *b) {
    int64_t len = g->a1 - g->a0;
    int exact = len == g->b1 - g->b0 && memcmp(a->ids + 8 * g->a0, b->ids + 8 * g->b0, (size_t)(8 * len)) == 0;
    return Py_BuildValue("(LLLLLO)", (long long)at(a->starts, g->a0), (long long)at(a->ends, g->a1 - 1),
                         (long long)at(b->starts, g->b0), (long long)at(b->ends, g->b1 - 1), (long long)g->words,
                         exact ? Py_True : Py_False);
}

static int side_ok(Py_buffer *v, Side *s) {
    Py_ssize_t len = v[0].len;
    if (len % 8 || v[1].len != len || v[2].len != len || v[3].len != len) {
        PyErr_SetString(PyExc_ValueError, "ids, para, starts and ends must be int64 buffers of one length");
        return 0;
    }
    *s = (Side){v[0].buf, v[1].buf, v[2].buf, v[3].buf, len / 8};
    return 1;
}

static PyObject *core(PyObject *self, PyObject *args) {
    Py_buffer va[4], vb[4];
    Py_ssize_t seed, max_gap, min_words;
    if (!PyArg_ParseTuple(args, "(y*y*y*y*)(y*y*y*y*)nnn", &va[0], &va[1], &va[2], &va[3], &vb[0], &vb[1],
                          &vb[2], &vb[3], &seed, &max_gap, &min_words))
        return NULL;
    PyObject *out = NULL, *list = NULL;
    Side a, b;
    Work w;
    int err;
    memset(&w, 0, sizeof w);
    if (!side_ok(va, &a) || !side_ok(vb, &b)) goto done;
    if (seed < 1) {
        PyErr_SetString(PyExc_ValueError, "seed must be at least 1");
        goto done;
    }
    if (a.n > INT32_MAX || b.n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "texts of 2**31 words or more are not supported");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    err = align_words(&w, &a, &b, seed, max_gap, min_words);
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_NoMemory();
        goto done;
    }
    list = PyList_New(w.n_groups);
    if (!list) goto done;
    for (Py_ssize_t k = 0; k < w.n_groups; k++) {
        PyObject *row = passage(&w.groups[k], &a, &b);
        if (!row) {
            Py_DECREF(list);
            goto done;
        }
        PyList_SET_ITEM(list, k, row);
    }
    out = Py_BuildValue("(NLL)", list, (long long)w.a_cov, (long long)w.b_cov);
done:
    free_work(&w);
    for (int k = 0; k < 4; k++) {
        PyBuffer_Release(&va[k]);
        PyBuffer_Release(&vb[k]);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"core", core, METH_VARARGS,
     "core((ids, para, starts, ends), (ids, para, starts, ends), seed, max_gap, min_words)"
     " -> (passages, a_covered, b_covered)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_align", "The lexical aligner's core in C.", -1, methods};

PyMODINIT_FUNC PyInit__align(void) { return PyModule_Create(&module); }
