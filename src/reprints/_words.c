/* reprints._words: the word tokenizer and word hash of reprints.normalize.words, in one
 * pass over the bytes, and the shingling and MinHash bins of reprints.sketch.sketch_texts
 * and the winnowed marks of reprints.sketch (sketch_into, described where it is defined).
 *
 * The NumPy version makes a dozen passes over every byte of a batch (classify, diff,
 * gather, mask, multiply, mix...), about 55 microseconds for a 3 KB news story; this
 * loop does the same work in one pass, several times faster, and words() is run on every
 * document of a scan and again on each document of a candidate pair. The hashes are
 * bit for bit those of the NumPy version (tests/test_normalize.py checks both on the same
 * texts, tests/test_sketch.py the sketches), so stores and sketches made by either stay
 * valid. Written for this project.
 *
 * scan_into(data: bytes, chars: bool, doc_starts: bytes, out: writable buffer) -> int
 *   data: the texts of a batch joined by "\n", UTF-8, already lowercased where lowercasing
 *   keeps the length. A word is a run of bytes that are ASCII letters, digits, "_" or >= 0x80.
 *   doc_starts: int64 offset of each text in data (in characters when chars is true, the
 *   text not being ASCII, else in bytes). out: int64 rows [4][cap], filled with each word's
 *   hash (uint64, ASCII case ignored), text, and start and end offsets in its text.
 *   Returns the number of words, or -1 when there are more than cap (the caller retries
 *   with cap = len(data) // 2 + 1, always enough). Writing into the caller's array rather
 *   than returning new buffers matters: copying and first-touching 16 MB of fresh pages
 *   per 3 MB batch made the scan three times slower than the loop itself.
 *   One pass over the bytes: a 256-entry class table, and each word is hashed from the
 *   8-byte chunks gathered while reading it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const uint64_t K1 = 0x9E3779B97F4A7C15ULL;
static const uint64_t K2 = 0xD6E8FEB86659FD93ULL;

static inline uint64_t mix(uint64_t x) {
    /* splitmix64 finalizer, as reprints._hashing.mix */
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static inline int is_word(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Byte classes, filled once at import: WORD for word bytes, LEAD for bytes that start a
 * character (ASCII and UTF-8 lead bytes); LOWER maps ASCII capitals to small letters. */
enum { WORD = 1, LEAD = 2 };
static unsigned char CLASS[256];
static unsigned char LOWER[256];

static void fill_tables(void) {
    for (int c = 0; c < 256; c++) {
        CLASS[c] = (unsigned char)((is_word((unsigned char)c) ? WORD : 0) | (((c & 0xC0) != 0x80) ? LEAD : 0));
        LOWER[c] = lower((unsigned char)c);
    }
}

/* The hash of one word from its lowercased 8-byte chunks, little-endian, zero above the
 * word's end: the first chunk with the length, then each later one with its number. */
static inline uint64_t hash_chunks(const uint64_t *chunk, Py_ssize_t len) {
    uint64_t h = mix(chunk[0] * K1 ^ (uint64_t)len * K2);
    for (Py_ssize_t k = 1; len > 8 * k; k++) h = mix(h ^ (chunk[k] * K1 + (uint64_t)k));
    return h;
}

/* The same hash for a word of any length, read from its bytes. */
static uint64_t hash_long(const unsigned char *p, Py_ssize_t len) {
    uint64_t h = 0;
    for (Py_ssize_t k = 0; k == 0 || len > 8 * k; k++) {
        uint64_t v = 0;
        Py_ssize_t left = len - 8 * k;
        for (Py_ssize_t i = 0; i < left && i < 8; i++) v |= (uint64_t)LOWER[p[8 * k + i]] << (8 * i);
        h = k == 0 ? mix(v * K1 ^ (uint64_t)len * K2) : mix(h ^ (v * K1 + (uint64_t)k));
    }
    return h;
}

static PyObject *scan_into(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer buf, docs, out;
    int chars;
    if (!PyArg_ParseTuple(args, "y*py*w*", &buf, &chars, &docs, &out)) return NULL;
    const unsigned char *b = (const unsigned char *)buf.buf;
    Py_ssize_t n = buf.len;
    const int64_t *doc_start = (const int64_t *)docs.buf;
    Py_ssize_t n_docs = docs.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t cap = out.len / (4 * (Py_ssize_t)sizeof(int64_t));
    uint64_t *hashes = (uint64_t *)out.buf;
    int64_t *owner = (int64_t *)out.buf + cap, *starts = (int64_t *)out.buf + 2 * cap;
    int64_t *ends = (int64_t *)out.buf + 3 * cap;
    uint64_t chunk[32]; /* a word's 8-byte chunks; a word over 256 bytes is hashed from its bytes */
    Py_ssize_t count = 0, i = 0, doc = 0;
    int64_t ci = 0; /* characters before b[i] */
    Py_BEGIN_ALLOW_THREADS
    while (i < n) {
        unsigned char cls = CLASS[b[i]];
        if (!(cls & WORD)) {
            ci += (cls & LEAD) != 0;
            i++;
            continue;
        }
        if (count == cap) { count = -1; break; }
        Py_ssize_t s = i;
        int64_t cs = ci;
        uint64_t v = 0;
        Py_ssize_t k = 0;
        int shift = 0;
        while (i < n && ((cls = CLASS[b[i]]) & WORD)) {
            v |= (uint64_t)LOWER[b[i]] << shift;
            ci += (cls & LEAD) != 0;
            i++;
            shift += 8;
            if (shift == 64) {
                if (k < 32) chunk[k] = v;
                k++;
                v = 0;
                shift = 0;
            }
        }
        if (shift) {
            if (k < 32) chunk[k] = v;
            k++;
        }
        int64_t start = chars ? cs : (int64_t)s;
        while (doc + 1 < n_docs && doc_start[doc + 1] <= start) doc++;
        int64_t base = n_docs ? doc_start[doc] : 0;
        hashes[count] = k > 32 ? hash_long(b + s, i - s) : hash_chunks(chunk, i - s);
        owner[count] = doc;
        starts[count] = start - base;
        ends[count] = (chars ? ci : (int64_t)i) - base;
        count++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    PyBuffer_Release(&docs);
    PyBuffer_Release(&out);
    return PyLong_FromSsize_t(count);
}

static const uint64_t MUL = 0x9E3779B97F4A7C15ULL; /* sketch._MUL */
static const uint64_t Q = 0xC2B2AE3D27D4EB4FULL;   /* sketch._Q */

/* sum of v[t] * base**t, modulo 2**64 (_hashing.segment_poly of one segment). */
static inline uint64_t poly(const uint64_t *v, Py_ssize_t n, uint64_t base) {
    uint64_t h = 0, p = 1;
    for (Py_ssize_t t = 0; t < n; t++) {
        h += v[t] * p;
        p *= base;
    }
    return h;
}

/* Winnowing (Schleimer, Wilkerson & Aiken 2003) over one text's shingle hashes sh[0..n):
 * in every window of w consecutive hashes the least one (the rightmost of equals) is a mark,
 * each chosen position written once, in text order; a text of fewer than w shingles has one
 * mark, its least hash; each distinct hash is written once. Returns the number written to out.
 * Any passage two texts share that is at least w + k - 1 words long gives them a mark in common. */
static Py_ssize_t winnow(const uint64_t *sh, Py_ssize_t n, Py_ssize_t w, uint64_t *out, uint64_t *seen) {
    /* seen: room for an open-addressing set of the least power of two over 2n + 2 slots, zeroed here,
     * so that a hash chosen at two places of a text (a repeated passage) is written once, where first */
    if (n == 0) return 0;
    if (n < w) w = n;
    Py_ssize_t seen_mask = 15;
    while (seen_mask + 1 < 2 * n + 2) seen_mask = 2 * seen_mask + 1;
    memset(seen, 0, (size_t)(seen_mask + 1) * sizeof(uint64_t));
    int zero_seen = 0; /* 0 marks an empty slot, so a hash of 0 is remembered apart */
    Py_ssize_t count = 0, last = -1;
    for (Py_ssize_t i = 0; i + w <= n; i++) {
        Py_ssize_t best = i;
        for (Py_ssize_t j = i + 1; j < i + w; j++)
            if (sh[j] <= sh[best]) best = j;
        if (best == last) continue;
        last = best;
        uint64_t v = sh[best];
        if (v == 0) {
            if (!zero_seen) out[count++] = v;
            zero_seen = 1;
            continue;
        }
        Py_ssize_t slot = (Py_ssize_t)(mix(v) & (uint64_t)seen_mask);
        while (seen[slot] && seen[slot] != v) slot = (slot + 1) & seen_mask;
        if (!seen[slot]) {
            seen[slot] = v;
            out[count++] = v;
        }
    }
    return count;
}

static PyObject *sketch_into(PyObject *self, PyObject *args) {
    /* sketch_into(hashes, bounds, k, seed, sig, n_shingles, body_hash, w, marks, n_marks):
     * sketch.sketch_texts after the tokenizer, text by text: k-word shingles (or one shingle
     * of all the words of a text shorter than k), each into its bin of sig (uint32 rows of m
     * bins, filled with 0xFFFFFFFF by the caller) keeping the least value; the shingle count
     * and the exact body hash of each text; and, where w > 0, the text's winnowed marks
     * (see winnow), each once, written one text after another into marks (uint64, room for one per
     * shingle of the batch), their number per text in n_marks. bounds: int64, text d's
     * words are hashes[bounds[d]:bounds[d+1]]. seed: the sketch seed times MUL, modulo 2**64. */
    (void)self;
    Py_buffer vh, vb, vs, vn, vbody, vm, vnm;
    Py_ssize_t k, w;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "y*y*nKw*w*w*nw*w*", &vh, &vb, &k, &seed, &vs, &vn, &vbody, &w, &vm, &vnm))
        return NULL;
    const uint64_t *h = (const uint64_t *)vh.buf;
    const int64_t *bounds = (const int64_t *)vb.buf;
    Py_ssize_t n = vb.len / 8 - 1;
    PyObject *out = NULL;
    uint64_t *scratch = NULL;
    if (n < 1 || k < 1 || w < 0 || vn.len != n * 8 || vbody.len != n * 8 || vnm.len != n * 8 || vs.len % (n * 4)) {
        PyErr_SetString(PyExc_ValueError, "sketch_into: at least one text, k >= 1, w >= 0, buffers of matching sizes");
        goto done;
    }
    Py_ssize_t m = vs.len / (n * 4);
    int bits = 0;
    while (((Py_ssize_t)1 << bits) < m) bits++;
    if (((Py_ssize_t)1 << bits) != m || bits == 0) {
        PyErr_SetString(PyExc_ValueError, "sketch_into: the number of bins must be a power of two");
        goto done;
    }
    int shift = 64 - bits;
    uint32_t *sig = (uint32_t *)vs.buf;
    int64_t *n_sh = (int64_t *)vn.buf;
    uint64_t *body = (uint64_t *)vbody.buf;
    uint64_t *marks = (uint64_t *)vm.buf;
    int64_t *n_marks = (int64_t *)vnm.buf;
    Py_ssize_t n_words = vh.len / 8, room = vm.len / 8, longest = 1, total = 0;
    for (Py_ssize_t d = 0; d < n; d++) {
        if (bounds[d] < 0 || bounds[d] > bounds[d + 1] || bounds[d + 1] > n_words) {
            PyErr_SetString(PyExc_ValueError, "sketch_into: bounds out of order or range");
            goto done;
        }
        Py_ssize_t cnt = (Py_ssize_t)(bounds[d + 1] - bounds[d]);
        Py_ssize_t shingles = cnt >= k ? cnt - k + 1 : (cnt > 0);
        if (shingles > longest) longest = shingles;
        total += shingles;
    }
    if (w > 0 && room < total) {
        PyErr_SetString(PyExc_ValueError, "sketch_into: marks needs room for one per shingle");
        goto done;
    }
    Py_ssize_t seen_size = 16;
    while (seen_size < 2 * longest + 2) seen_size *= 2;
    if (w > 0 && !(scratch = (uint64_t *)PyMem_RawMalloc((size_t)(longest + seen_size) * 8))) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t written = 0;
    for (Py_ssize_t d = 0; d < n; d++) {
        const uint64_t *wd = h + bounds[d];
        Py_ssize_t cnt = (Py_ssize_t)(bounds[d + 1] - bounds[d]), got = 0;
        uint32_t *row = sig + d * m;
        body[d] = cnt ? mix(poly(wd, cnt, Q) ^ (uint64_t)cnt) : 0;
        if (cnt >= k) {
            for (Py_ssize_t i = 0; i + k <= cnt; i++) {
                uint64_t acc = wd[i] ^ (uint64_t)seed;
                for (Py_ssize_t j = 1; j < k; j++) acc = acc * MUL + wd[i + j];
                uint64_t sh = mix(acc);
                uint32_t val = (uint32_t)(sh & 0xFFFFFFFEULL);
                uint32_t *slot = row + (sh >> shift);
                if (val < *slot) *slot = val;
                if (w > 0) scratch[got++] = sh;
            }
            n_sh[d] = cnt - k + 1;
        } else if (cnt > 0) {
            uint64_t sh = mix(poly(wd, cnt, MUL) ^ (uint64_t)seed);
            uint32_t val = (uint32_t)(sh & 0xFFFFFFFEULL);
            uint32_t *slot = row + (sh >> shift);
            if (val < *slot) *slot = val;
            if (w > 0) scratch[got++] = sh;
            n_sh[d] = 1;
        } else {
            n_sh[d] = 0;
        }
        n_marks[d] = w > 0 ? winnow(scratch, got, w, marks + written, scratch + longest) : 0;
        written += n_marks[d];
    }
    Py_END_ALLOW_THREADS
    out = Py_None;
    Py_INCREF(out);
done:
    PyMem_RawFree(scratch);
    PyBuffer_Release(&vh); PyBuffer_Release(&vb); PyBuffer_Release(&vs); PyBuffer_Release(&vn);
    PyBuffer_Release(&vbody); PyBuffer_Release(&vm); PyBuffer_Release(&vnm);
    return out;
}

static PyMethodDef methods[] = {
    {"sketch_into", sketch_into, METH_VARARGS,
     "sketch_into(hashes, bounds, k, seed, sig, n_shingles, body_hash, w, marks, n_marks): MinHash rows and winnowed marks of a batch of texts"},
    {"scan_into", scan_into, METH_VARARGS,
     "scan_into(data, chars, doc_starts, out) -> number of words written to out, -1 if it is too small"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_words", "Word tokenizer and hash in C.", -1, methods};

PyMODINIT_FUNC PyInit__words(void) {
    fill_tables();
    return PyModule_Create(&module);
}
