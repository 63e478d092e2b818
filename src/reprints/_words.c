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
 * scan_docs(data: bytes, chars: bool, doc_starts: bytes) -> (hashes, owner, starts, ends)
 *   data: the texts of a batch joined by "\n", UTF-8, already lowercased where lowercasing
 *   keeps the length. A word is a run of bytes that are ASCII letters, digits, "_" or >= 0x80.
 *   doc_starts: int64 offset of each text in data (in characters when chars is true, the
 *   text not being ASCII, else in bytes). hashes: uint64 per word (ASCII case ignored);
 *   owner: int64 text of each word; starts/ends: int64 offsets of each word in its text.
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

static PyObject *scan_docs(PyObject *self, PyObject *args) {
    /* scan_docs(data, chars, doc_starts) -> (hashes, owner, starts, ends): as scan(), in one
     * pass that hashes while it reads (a byte table instead of range tests), and with each
     * word's text (doc_starts: int64 offsets, in the unit of the output, ascending) and its
     * span relative to that text's start. */
    Py_buffer buf, docs;
    int chars;
    if (!PyArg_ParseTuple(args, "y*py*", &buf, &chars, &docs)) return NULL;
    const unsigned char *b = (const unsigned char *)buf.buf;
    Py_ssize_t n = buf.len;
    const int64_t *doc_start = (const int64_t *)docs.buf;
    Py_ssize_t n_docs = docs.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t cap = n / 2 + 1; /* at most one word per two bytes, plus one */
    uint64_t *hashes = PyMem_Malloc(cap * sizeof(uint64_t));
    int64_t *owner = PyMem_Malloc(cap * sizeof(int64_t));
    int64_t *starts = PyMem_Malloc(cap * sizeof(int64_t));
    int64_t *ends = PyMem_Malloc(cap * sizeof(int64_t));
    Py_ssize_t n_chunks = 8;
    uint64_t *chunk = PyMem_Malloc(n_chunks * sizeof(uint64_t));
    if (!hashes || !owner || !starts || !ends || !chunk) {
        PyMem_Free(hashes); PyMem_Free(owner); PyMem_Free(starts); PyMem_Free(ends); PyMem_Free(chunk);
        PyBuffer_Release(&buf); PyBuffer_Release(&docs);
        return PyErr_NoMemory();
    }
    Py_ssize_t count = 0, i = 0, doc = 0;
    int64_t ci = 0; /* characters before b[i] */
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    while (i < n) {
        unsigned char cls = CLASS[b[i]];
        if (!(cls & WORD)) {
            ci += (cls & LEAD) != 0;
            i++;
            continue;
        }
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
                if (k == n_chunks) {
                    uint64_t *more = PyMem_Realloc(chunk, 2 * n_chunks * sizeof(uint64_t));
                    if (!more) { failed = 1; break; }
                    chunk = more;
                    n_chunks *= 2;
                }
                chunk[k++] = v;
                v = 0;
                shift = 0;
            }
        }
        if (failed) break;
        if (shift) {
            if (k == n_chunks) {
                uint64_t *more = PyMem_Realloc(chunk, 2 * n_chunks * sizeof(uint64_t));
                if (!more) { failed = 1; break; }
                chunk = more;
                n_chunks *= 2;
            }
            chunk[k++] = v;
        }
        int64_t start = chars ? cs : (int64_t)s;
        while (doc + 1 < n_docs && doc_start[doc + 1] <= start) doc++;
        int64_t base = n_docs ? doc_start[doc] : 0;
        hashes[count] = hash_chunks(chunk, i - s);
        owner[count] = doc;
        starts[count] = start - base;
        ends[count] = (chars ? ci : (int64_t)i) - base;
        count++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    PyBuffer_Release(&docs);
    PyMem_Free(chunk);
    PyObject *out = NULL;
    if (failed) {
        PyErr_NoMemory();
    } else {
        Py_ssize_t w = count * (Py_ssize_t)sizeof(int64_t);
        out = Py_BuildValue("(y#y#y#y#)", (const char *)hashes, w, (const char *)owner, w,
                            (const char *)starts, w, (const char *)ends, w);
    }
    PyMem_Free(hashes); PyMem_Free(owner); PyMem_Free(starts); PyMem_Free(ends);
    return out;
}

static PyMethodDef methods[] = {
    {"scan_docs", scan_docs, METH_VARARGS,
     "scan_docs(data, chars, doc_starts) -> (hashes, owner, starts, ends) as raw uint64/int64 bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_words", "Word tokenizer and hash in C.", -1, methods};

PyMODINIT_FUNC PyInit__words(void) {
    fill_tables();
    return PyModule_Create(&module);
}
