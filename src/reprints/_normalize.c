/* reprints._normalize: the line loop of reprints.normalize.normalize_text, in C.
 *
 * normalize_text walks every line of every document twice (keep or drop it, then unwrap
 * the kept lines into paragraphs while recording the map back to original offsets); in
 * Python that bookkeeping cost about 20 microseconds for a 3 KB story, once when a scan
 * sketches it and again when a candidate pair is aligned. This loop does the same in one
 * pass and leaves to Python only what it is good at: the boilerplate regexes. It calls
 * line_kind (reprints.normalize._line_kind) on the few lines that could be boilerplate,
 * found by the same cheap tests the regexes start with, so its results are those of the
 * Python loop (tests/test_normalize.py compares both on real and random text).
 * Written for this project.
 *
 * lines(folded: str, header: list[(start, end, kind)], line_kind) ->
 *       (body, paragraphs, removed, seg_norm, seg_orig, seg_len)
 *   folded: the folded text; header: sorted spans of header lines with their removal
 *   kind ("header:title"); line_kind(stripped_line) -> str | None.
 *   The outputs are the fields of NormText, removed not yet sorted.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    Py_ssize_t lead, end; /* stripped line: [lead, end) of folded */
    int block;            /* blocks are runs of kept lines between blank or dropped lines */
} Line;

/* The prefixes (compared ignoring ASCII case) that a URL, link, promo, about or rule line starts with,
 * as the regexes in normalize.py begin: a line starting otherwise cannot be one. */
static const char *PREFIXES[] = {"<", "[", "htt", "www", "abo", "--------", "========", "________",
                                 "********", "~~~~~~~~", "rel", "rea", "rec", "see", "mor", "als", "top", "ad",
                                 "sub", "sig", "fol", "sha", "cli", "dow", "all", "cop", NULL};
/* A credit line holds one of these (normalize._CREDIT_HINTS, case kept). */
static const char *HINTS[] = {"Getty", "Shutterstock", "AP Photo", NULL};
static Py_ssize_t HINT_LEN[3];
/* Characters that may start a hint: ( / : and the first letters of HINTS. */
static unsigned char HINT_START[256];

static void fill_tables(void) {
    HINT_START['('] = HINT_START['/'] = HINT_START[':'] = 1;
    for (int k = 0; HINTS[k]; k++) {
        HINT_START[(unsigned char)HINTS[k][0]] = 2;
        HINT_LEN[k] = (Py_ssize_t)strlen(HINTS[k]);
    }
}

/* Whether [i, end) of the text starts with a word of HINTS. */
static int hint_at(int kind, const void *data, Py_ssize_t i, Py_ssize_t end) {
    for (int k = 0; HINTS[k]; k++) {
        Py_ssize_t n = HINT_LEN[k], j = 0;
        if (i + n > end) continue;
        while (j < n && PyUnicode_READ(kind, data, i + j) == (Py_UCS4)(unsigned char)HINTS[k][j]) j++;
        if (j == n) return 1;
    }
    return 0;
}

static int maybe_boilerplate(int kind, const void *data, Py_ssize_t lead, Py_ssize_t end) {
    Py_ssize_t len = end - lead;
    for (Py_ssize_t i = 0; i < len && i < 3; i++) {
        if (PyUnicode_READ(kind, data, lead + i) >= 0x80) return 1; /* re.I folds some non-ASCII letters */
    }
    for (const char **p = PREFIXES; *p; p++) {
        Py_ssize_t n = (Py_ssize_t)strlen(*p);
        if (n > len) continue;
        Py_ssize_t i = 0;
        for (; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, lead + i);
            if (c >= 'A' && c <= 'Z') c += 32;
            if (c != (Py_UCS4)(unsigned char)(*p)[i]) break;
        }
        if (i == n) return 1;
    }
    if (kind == PyUnicode_1BYTE_KIND) { /* most text: a table lookup per byte */
        const Py_UCS1 *b = (const Py_UCS1 *)data;
        for (Py_ssize_t i = lead; i < end; i++) {
            unsigned char t = HINT_START[b[i]];
            if (t == 1 || (t == 2 && hint_at(kind, data, i, end))) return 1;
        }
        return 0;
    }
    for (Py_ssize_t i = lead; i < end; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 256 && HINT_START[c] && (HINT_START[c] == 1 || hint_at(kind, data, i, end))) return 1;
    }
    return 0;
}

/* The end of the line starting at pos: the next "\n", or size. */
static Py_ssize_t line_end(int kind, const void *data, Py_ssize_t pos, Py_ssize_t size) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *b = (const Py_UCS1 *)data;
        const void *nl = memchr(b + pos, '\n', (size_t)(size - pos));
        return nl ? (const Py_UCS1 *)nl - b : size;
    }
    while (pos < size && PyUnicode_READ(kind, data, pos) != '\n') pos++;
    return pos;
}

static int is_terminal(Py_UCS4 c) {
    return c == '.' || c == '!' || c == '?' || c == '"' || c == '\'' || c == ':' || c == ')' || c == ';';
}

/* Append a new reference to list; steals item. */
static int push(PyObject *list, PyObject *item) {
    if (!item) return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

static PyObject *lines(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *folded, *header, *line_kind;
    if (!PyArg_ParseTuple(args, "UOO", &folded, &header, &line_kind)) return NULL;
    if (PyUnicode_READY(folded) < 0) return NULL;
    header = PySequence_Fast(header, "header must be a sequence");
    if (!header) return NULL;
    int kind = PyUnicode_KIND(folded);
    const void *data = PyUnicode_DATA(folded);
    Py_ssize_t size = PyUnicode_GET_LENGTH(folded);
    Py_ssize_t n_hdr = PySequence_Fast_GET_SIZE(header);
    PyObject **hdr = PySequence_Fast_ITEMS(header);

    PyObject *removed = PyList_New(0), *pieces = PyList_New(0), *paragraphs = PyList_New(0);
    PyObject *seg_norm = PyList_New(0), *seg_orig = PyList_New(0), *seg_len = PyList_New(0);
    PyObject *space = PyUnicode_FromOrdinal(' '), *newline = PyUnicode_FromOrdinal('\n');
    Line *kept = PyMem_Malloc(sizeof(Line) * (size_t)(size / 2 + 2));
    PyObject *result = NULL;
    if (!removed || !pieces || !paragraphs || !seg_norm || !seg_orig || !seg_len || !space || !newline || !kept) {
        if (!kept) PyErr_NoMemory();
        goto done;
    }

    /* 1. lines with their offsets; boilerplate and header lines dropped. */
    Py_ssize_t n_kept = 0, h = 0, pos = 0;
    int block = 0, open_block = 0; /* open_block: the current block has a line */
    while (pos <= size) {
        Py_ssize_t start = pos, stop = line_end(kind, data, pos, size);
        pos = stop + 1;
        Py_ssize_t lead = start, end = stop;
        while (lead < end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, lead))) lead++;
        while (end > lead && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1))) end--;
        if (lead == end) {
            if (open_block) { block++; open_block = 0; }
            continue;
        }
        PyObject *why = NULL; /* new reference, or NULL for a story line */
        while (h < n_hdr) {
            Py_ssize_t hend = PyLong_AsSsize_t(PyTuple_GET_ITEM(hdr[h], 1));
            if (hend == -1 && PyErr_Occurred()) goto done;
            if (hend > start) break;
            h++;
        }
        if (h < n_hdr) {
            Py_ssize_t hstart = PyLong_AsSsize_t(PyTuple_GET_ITEM(hdr[h], 0));
            Py_ssize_t hend = PyLong_AsSsize_t(PyTuple_GET_ITEM(hdr[h], 1));
            if (PyErr_Occurred()) goto done;
            if (hstart < stop && hend > start) {
                why = PyTuple_GET_ITEM(hdr[h], 2);
                Py_INCREF(why);
            }
        }
        if (!why && maybe_boilerplate(kind, data, lead, end)) {
            PyObject *line = PyUnicode_Substring(folded, lead, end);
            if (!line) goto done;
            why = PyObject_CallOneArg(line_kind, line);
            Py_DECREF(line);
            if (!why) goto done;
            if (why == Py_None || !PyObject_IsTrue(why)) Py_CLEAR(why);
        }
        if (why) {
            if (push(removed, Py_BuildValue("(nnN)", lead, end, why)) < 0) goto done;
            if (open_block) { block++; open_block = 0; }
            continue;
        }
        kept[n_kept].lead = lead;
        kept[n_kept].end = end;
        kept[n_kept].block = block;
        n_kept++;
        open_block = 1;
    }

    /* 2. unwrap each block into paragraphs, one segment per line. */
    Py_ssize_t n = 0;
    for (Py_ssize_t b0 = 0; b0 < n_kept;) {
        Py_ssize_t b1 = b0;
        Py_ssize_t width = 0;
        while (b1 < n_kept && kept[b1].block == kept[b0].block) {
            Py_ssize_t len = kept[b1].end - kept[b1].lead;
            if (len > width) width = len;
            b1++;
        }
        int wrapped = (b1 - b0) > 1 && width <= 130;
        Py_ssize_t para_start = n;
        Py_ssize_t last_len = 0; /* length of the last piece appended for a line */
        for (Py_ssize_t i = b0; i < b1; i++) {
            Py_ssize_t lead = kept[i].lead, len = kept[i].end - kept[i].lead;
            if (i > b0 && n > para_start) {
                Py_ssize_t plead = kept[i - 1].lead, plen = kept[i - 1].end - kept[i - 1].lead;
                Py_UCS4 plast = PyUnicode_READ(kind, data, plead + plen - 1);
                int joins = wrapped && !(is_terminal(plast) && (double)plen < 0.8 * (double)width);
                Py_UCS4 first = PyUnicode_READ(kind, data, lead);
                if (!joins) {
                    if (push(paragraphs, Py_BuildValue("(nn)", para_start, n)) < 0) goto done;
                    if (PyList_Append(pieces, newline) < 0) goto done;
                    n += 1;
                    para_start = n;
                } else if (plast == '-' && plen > 1 && Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, plead + plen - 2))
                           && Py_UNICODE_ISALPHA(first)) {
                    /* a word broken at the line end loses its hyphen; a compound keeps it */
                    if (Py_UNICODE_ISLOWER(first)) {
                        Py_ssize_t last = PyList_GET_SIZE(pieces) - 1;
                        PyObject *shorter = PyUnicode_Substring(PyList_GET_ITEM(pieces, last), 0, last_len - 1);
                        if (!shorter || PyList_SetItem(pieces, last, shorter) < 0) goto done;
                        Py_ssize_t k = PyList_GET_SIZE(seg_len) - 1;
                        Py_ssize_t sl = PyLong_AsSsize_t(PyList_GET_ITEM(seg_len, k));
                        if (PyList_SetItem(seg_len, k, PyLong_FromSsize_t(sl - 1)) < 0) goto done;
                        n -= 1;
                    }
                } else {
                    if (PyList_Append(pieces, space) < 0) goto done;
                    n += 1;
                }
            }
            if (push(seg_norm, PyLong_FromSsize_t(n)) < 0 || push(seg_orig, PyLong_FromSsize_t(lead)) < 0
                || push(seg_len, PyLong_FromSsize_t(len)) < 0)
                goto done;
            if (push(pieces, PyUnicode_Substring(folded, lead, lead + len)) < 0) goto done;
            last_len = len;
            n += len;
        }
        if (push(paragraphs, Py_BuildValue("(nn)", para_start, n)) < 0) goto done;
        if (PyList_Append(pieces, newline) < 0) goto done;
        n += 1;
        b0 = b1;
    }
    Py_ssize_t n_pieces = PyList_GET_SIZE(pieces);
    if (n_pieces && PyList_SetSlice(pieces, n_pieces - 1, n_pieces, NULL) < 0) goto done; /* the last "\n" */
    PyObject *empty = PyUnicode_New(0, 0);
    if (!empty) goto done;
    PyObject *body = PyUnicode_Join(empty, pieces);
    Py_DECREF(empty);
    if (!body) goto done;
    result = Py_BuildValue("(NNONNN)", body, PyList_AsTuple(paragraphs), removed, PyList_AsTuple(seg_norm),
                           PyList_AsTuple(seg_orig), PyList_AsTuple(seg_len));
done:
    PyMem_Free(kept);
    Py_XDECREF(removed); Py_XDECREF(pieces); Py_XDECREF(paragraphs);
    Py_XDECREF(seg_norm); Py_XDECREF(seg_orig); Py_XDECREF(seg_len);
    Py_XDECREF(space); Py_XDECREF(newline);
    Py_DECREF(header);
    return result;
}

/* A NormText's map back to original offsets: one linear segment per kept line. */
typedef struct {
    Py_ssize_t n;
    int64_t *norm, *orig, *len;
} SegMap;

static int read_ints(PyObject *seq, int64_t *out, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++) {
        out[k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, k));
        if (out[k] == -1 && PyErr_Occurred()) return -1;
    }
    return 0;
}

/* NormText.to_original: the original offset of normalized offset i. */
static int64_t to_original(const SegMap *m, int64_t i) {
    Py_ssize_t lo = 0, hi = m->n;
    while (lo < hi) { /* bisect_right */
        Py_ssize_t mid = (lo + hi) / 2;
        if (i < m->norm[mid]) hi = mid; else lo = mid + 1;
    }
    Py_ssize_t k = lo - 1;
    if (k < 0) return m->n ? m->orig[0] : 0;
    int64_t d = i - m->norm[k];
    return m->orig[k] + (d < m->len[k] ? d : m->len[k]);
}

static PyObject *spans(PyObject *self, PyObject *args) {
    /* spans(seg_norm, seg_orig, seg_len, spans) -> [(start, end)]: NormText.span_to_original
     * for many spans at once (an aligned pair maps about sixty offsets). */
    (void)self;
    PyObject *a, *b, *c, *items;
    if (!PyArg_ParseTuple(args, "OOOO", &a, &b, &c, &items)) return NULL;
    PyObject *fa = PySequence_Fast(a, "seg_norm"), *fb = PySequence_Fast(b, "seg_orig");
    PyObject *fc = PySequence_Fast(c, "seg_len"), *fi = PySequence_Fast(items, "spans");
    PyObject *out = NULL;
    int64_t *buf = NULL;
    if (!fa || !fb || !fc || !fi) goto done;
    SegMap m;
    m.n = PySequence_Fast_GET_SIZE(fa);
    if (PySequence_Fast_GET_SIZE(fb) != m.n || PySequence_Fast_GET_SIZE(fc) != m.n) {
        PyErr_SetString(PyExc_ValueError, "segment tables of different lengths");
        goto done;
    }
    buf = PyMem_Malloc(sizeof(int64_t) * (size_t)(3 * m.n + 1));
    if (!buf) { PyErr_NoMemory(); goto done; }
    m.norm = buf; m.orig = buf + m.n; m.len = buf + 2 * m.n;
    if (read_ints(fa, m.norm, m.n) || read_ints(fb, m.orig, m.n) || read_ints(fc, m.len, m.n)) goto done;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fi);
    out = PyList_New(count);
    if (!out) goto done;
    for (Py_ssize_t k = 0; k < count; k++) {
        long long s, e;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fi, k), "LL", &s, &e)) { Py_CLEAR(out); goto done; }
        int64_t os = to_original(&m, s);
        int64_t oe = e <= 0 ? to_original(&m, 0) : to_original(&m, e - 1) + 1; /* to_original_end */
        PyObject *pair = Py_BuildValue("(LL)", (long long)os, (long long)oe);
        if (!pair) { Py_CLEAR(out); goto done; }
        PyList_SET_ITEM(out, k, pair);
    }
done:
    PyMem_Free(buf);
    Py_XDECREF(fa); Py_XDECREF(fb); Py_XDECREF(fc); Py_XDECREF(fi);
    return out;
}

static PyMethodDef methods[] = {
    {"spans", spans, METH_VARARGS, "spans(seg_norm, seg_orig, seg_len, spans) -> [(start, end)] in original offsets"},
    {"lines", lines, METH_VARARGS,
     "lines(folded, header, line_kind) -> (body, paragraphs, removed, seg_norm, seg_orig, seg_len)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_normalize", "The line loop of normalize_text in C.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__normalize(void) {
    fill_tables();
    return PyModule_Create(&module);
}
