/* reprints._words: the word tokenizer and word hash of reprints.normalize.words, in one
 * pass over the bytes.
 *
 * The NumPy version makes a dozen passes over every byte of a batch (classify, diff,
 * gather, mask, multiply, mix...), about 55 microseconds for a 3 KB news story; this
 * loop does the same work in one pass, several times faster, and words() is run on every
 * document of a scan and again on each document of a candidate pair. The hashes are
 * bit for bit those of the NumPy version (tests/test_normalize.py checks both on the same
 * texts), so stores and sketches made by either stay valid. Written for this project.
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

static PyMethodDef methods[] = {
    {"scan_into", scan_into, METH_VARARGS,
     "scan_into(data, chars, doc_starts, out) -> number of words written to out, -1 if it is too small"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_words", "Word tokenizer and hash in C.", -1, methods};

PyMODINIT_FUNC PyInit__words(void) {
    fill_tables();
    return PyModule_Create(&module);
}
