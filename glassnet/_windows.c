/* The sliding-window kernels of convolution and max pooling, over the (C, N, H, W) layout
 * that glassnet/ops/conv.py and pool.py work in (see glassnet/accel for what each one
 * computes and how it agrees with the NumPy code).
 *
 * Every kernel works on a range of samples (im2col, col2im) or of channels (max pooling)
 * of whole arrays, with the GIL released, so that the chunks of one op run in several
 * threads at once. The 4-D arrays may have any strides (views, transposed views); the
 * matrices and the recorded indices are C-contiguous. Geometry: kernel (kh, kw), stride
 * (sh, sw), dilation (dh, dw), over an input that is already padded; the window (i, j) of
 * tap (u, v) reads row i sh + u dh and column j sw + v dw.
 */
#include "_compiled.h"

typedef struct {
    Py_ssize_t kh, kw, sh, sw, dh, dw, ho, wo;
} Geometry;

/* A 4-D array of any strides holding float32 or float64 (`type` 'f' or 'd'; 0: either). */
static Py_buffer *take_grid(Views *v, PyObject *obj, const char *name, char type, int writable) {
    Py_buffer *b = &v->view[v->held];
    if (PyObject_GetBuffer(obj, b, writable ? PyBUF_RECORDS : PyBUF_RECORDS_RO) < 0) return NULL;
    v->held++;
    if (check_type(b, name, type) < 0) return NULL;
    if (b->ndim != 4) {
        PyErr_Format(PyExc_ValueError, "%s: expected a 4-D array (C, N, H, W), got %d-D", name, b->ndim);
        return NULL;
    }
    return b;
}

/* The window geometry from the tuple (kh, kw, sh, sw, dh, dw) and the padded input's
 * shape; -1 with an exception when no window fits. */
static int geometry(PyObject *sizes, const Py_buffer *padded, Geometry *g) {
    if (!PyArg_ParseTuple(sizes, "nnnnnn", &g->kh, &g->kw, &g->sh, &g->sw, &g->dh, &g->dw)) return -1;
    if (g->kh < 1 || g->kw < 1 || g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1) {
        PyErr_SetString(PyExc_ValueError, "window sizes must be >= 1");
        return -1;
    }
    /* d (k - 1) + 1 <= size, tested without computing d (k - 1), which may overflow */
    if (padded->shape[2] < 1 || padded->shape[3] < 1 || g->kh - 1 > (padded->shape[2] - 1) / g->dh ||
        g->kw - 1 > (padded->shape[3] - 1) / g->dw) {
        PyErr_SetString(PyExc_ValueError, "the window is larger than the padded input");
        return -1;
    }
    const Py_ssize_t eh = g->dh * (g->kh - 1) + 1, ew = g->dw * (g->kw - 1) + 1;
    g->ho = (padded->shape[2] - eh) / g->sh + 1;
    g->wo = (padded->shape[3] - ew) / g->sw + 1;
    return 0;
}

static int check_range(Py_ssize_t first, Py_ssize_t last, Py_ssize_t size, const char *what) {
    if (first < 0 || last < first || last > size) {
        PyErr_Format(PyExc_ValueError, "%s range [%zd, %zd) outside [0, %zd)", what, first, last, size);
        return -1;
    }
    return 0;
}

/* Zero the planes [c0, c1) x [n0, n1) of a 4-D array of any strides. */
static void zero_planes(const Py_buffer *b, Py_ssize_t c0, Py_ssize_t c1, Py_ssize_t n0, Py_ssize_t n1) {
    const Py_ssize_t rows = b->shape[2], width = b->shape[3], item = b->itemsize;
    for (Py_ssize_t c = c0; c < c1; c++)
        for (Py_ssize_t n = n0; n < n1; n++)
            for (Py_ssize_t h = 0; h < rows; h++) {
                char *row = (char *)b->buf + c * b->strides[0] + n * b->strides[1] + h * b->strides[2];
                if (b->strides[3] == item) {
                    memset(row, 0, (size_t)(width * item));
                } else {
                    for (Py_ssize_t w = 0; w < width; w++) memset(row + w * b->strides[3], 0, (size_t)item);
                }
            }
}

#define AT(b, c, n, i, j) \
    ((char *)(b)->buf + (c) * (b)->strides[0] + (n) * (b)->strides[1] + (i) * (b)->strides[2] + (j) * (b)->strides[3])

/* ------------------------------------------------------------------ im2col, col2im */

/* The arguments of im2col and col2im, (grid, cols, sizes, n0, n1) in the order `grid_first`
 * says: the 4-D padded grid, the C-contiguous matrix of the columns of samples [n0, n1)
 * of the same type, and the geometry. -1 with an exception when one does not fit. */
static int take_columns(Views *v, PyObject *args, int grid_first, Py_buffer **grid, Py_buffer **cols,
                        Geometry *g, Py_ssize_t *n0, Py_ssize_t *n1) {
    PyObject *first, *second, *sizes;
    if (!PyArg_ParseTuple(args, "OOOnn", &first, &second, &sizes, n0, n1)) return -1;
    PyObject *go = grid_first ? first : second, *co = grid_first ? second : first;
    if ((*grid = take_grid(v, go, grid_first ? "xp" : "dxp", 0, !grid_first)) == NULL) return -1;
    if (geometry(sizes, *grid, g) < 0 || check_range(*n0, *n1, (*grid)->shape[1], "sample") < 0) return -1;
    const Py_ssize_t count = (*grid)->shape[0] * g->kh * g->kw * (*n1 - *n0) * g->ho * g->wo;
    *cols = take(v, co, grid_first ? "cols" : "dcols", (*grid)->format[0], count, grid_first);
    return *cols == NULL ? -1 : 0;
}

/* Each row (c, u, v, n, i) of the columns of samples [n0, n1), in the matrix's order: `at`
 * is the grid element of the row's first window, `col` the row's Wo values, and `step` the
 * bytes between the row's windows in the grid. */
#define FOR_COLUMN_ROWS(T, grid, matrix, BODY)                                              \
    for (Py_ssize_t c = 0; c < (grid)->shape[0]; c++)                                       \
        for (Py_ssize_t u = 0; u < g.kh; u++)                                               \
            for (Py_ssize_t w = 0; w < g.kw; w++)                                           \
                for (Py_ssize_t n = n0; n < n1; n++)                                        \
                    for (Py_ssize_t i = 0; i < g.ho; i++) {                                 \
                        char *at = AT(grid, c, n, i * g.sh + u * g.dh, w * g.dw);           \
                        T *RESTRICT col = (T *)(matrix);                                    \
                        BODY;                                                               \
                        (matrix) += g.wo * (Py_ssize_t)sizeof(T);                           \
                    }

/* im2col, cols[(c, u, v), (n - n0, i, j)] = xp[c, n, i sh + u dh, j sw + v dw]: a copy. */
#define IM2COL_ROW(T)                                                                       \
    if (step == (Py_ssize_t)sizeof(T)) {                                                    \
        const T *RESTRICT s = (const T *)at;                                                \
        for (Py_ssize_t j = 0; j < g.wo; j++) col[j] = s[j];                                \
    } else {                                                                                \
        for (Py_ssize_t j = 0; j < g.wo; j++) col[j] = *(const T *)(at + j * step);         \
    }

/* col2im, dxp[c, n, i sh + u dh, j sw + v dw] += dcols[(c, u, v), (n - n0, i, j)] after
 * dxp[:, n0:n1] = 0: the taps of each input element in row-major order (u, v), as NumPy's
 * loop over the taps adds them. */
#define COL2IM_ROW(T)                                                                       \
    if (step == (Py_ssize_t)sizeof(T)) {                                                    \
        T *RESTRICT d = (T *)at;                                                            \
        for (Py_ssize_t j = 0; j < g.wo; j++) d[j] += col[j];                               \
    } else {                                                                                \
        for (Py_ssize_t j = 0; j < g.wo; j++) *(T *)(at + j * step) += col[j];              \
    }

/* im2col(xp, cols, sizes, n0, n1) when `to_columns`, else col2im(dcols, dxp, sizes, n0, n1). */
static PyObject *columns(PyObject *args, int to_columns) {
    Views v = {.held = 0};
    Geometry g;
    Py_buffer *grid, *matrix;
    Py_ssize_t n0, n1;
    if (take_columns(&v, args, to_columns, &grid, &matrix, &g, &n0, &n1) < 0) {
        release(&v);
        return NULL;
    }
    const Py_ssize_t step = grid->strides[3] * g.sw;
    char *m = matrix->buf;
    Py_BEGIN_ALLOW_THREADS
    if (to_columns && grid->itemsize == 4) {
        FOR_COLUMN_ROWS(float, grid, m, IM2COL_ROW(float))
    } else if (to_columns) {
        FOR_COLUMN_ROWS(double, grid, m, IM2COL_ROW(double))
    } else {
        zero_planes(grid, 0, grid->shape[0], n0, n1);
        if (grid->itemsize == 4) {
            FOR_COLUMN_ROWS(float, grid, m, COL2IM_ROW(float))
        } else {
            FOR_COLUMN_ROWS(double, grid, m, COL2IM_ROW(double))
        }
    }
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
}

PyObject *im2col(PyObject *self, PyObject *args) {
    (void)self;
    return columns(args, 1);
}

PyObject *col2im(PyObject *self, PyObject *args) {
    (void)self;
    return columns(args, 0);
}

/* ------------------------------------------------------------------ max pooling */

/* out = the maximum of each window, index = its first tap in row-major order holding it, or
 * its last NaN (as PyTorch). As NumPy's loop over the taps: the index moves to a tap greater
 * than the running maximum or NaN, and the maximum is np.maximum(m, y)'s,
 * (m > y || m != m) ? m : y: NaN propagates and of two equal values the later is kept (which
 * decides the sign of a zero maximum). Written as separate selections, which the compiler
 * keeps free of branches (the || form made LeNet's pooling four times slower). */
#define MAX_POOL_LOOP(T)                                                                    \
    for (Py_ssize_t c = c0; c < c1; c++)                                                    \
        for (Py_ssize_t n = 0; n < N; n++)                                                  \
            for (Py_ssize_t i = 0; i < g.ho; i++)                                           \
                for (Py_ssize_t j = 0; j < g.wo; j++, k++) {                                \
                    const char *at = AT(x, c, n, i * g.sh, j * g.sw);                       \
                    T m = *(const T *)at;                                                   \
                    unsigned char best = 0;                                                 \
                    for (Py_ssize_t t = 1; t < taps; t++) {                                 \
                        const T y = *(const T *)(at + offset[t]);                           \
                        if (y > m) best = (unsigned char)t;                                 \
                        if (y != y) best = (unsigned char)t;                                \
                        const T larger = m > y ? m : y;                                     \
                        m = m != m ? m : larger;                                            \
                    }                                                                       \
                    ((T *)out->buf)[k] = m;                                                 \
                    if (index) ((unsigned char *)index->buf)[k] = best;                     \
                }

/* dxp[c0:c1] = 0, then the delta of each window added to its recorded tap. Where windows overlap, tap by tap, so
 * that an element shared by several windows adds them as NumPy's loop over the taps does;
 * otherwise every element gets at most one delta, in one pass. */
#define MAX_POOL_GRAD_LOOP(T)                                                               \
    for (Py_ssize_t c = c0; c < c1; c++)                                                    \
        for (Py_ssize_t n = 0; n < N; n++) {                                                \
            const unsigned char *best = (const unsigned char *)index->buf + (c * N + n) * g.ho * g.wo; \
            for (Py_ssize_t t = overlap ? 0 : -1; t < (overlap ? taps : 0); t++)             \
                for (Py_ssize_t i = 0, k = 0; i < g.ho; i++) {                              \
                    char *row = AT(dx, c, n, i * g.sh, 0);                                  \
                    const char *d = AT(delta, c, n, i, 0);                                  \
                    for (Py_ssize_t j = 0; j < g.wo; j++, k++)                              \
                        if (t < 0 || best[k] == t)                                          \
                            *(T *)(row + j * g.sw * dx->strides[3] + offset[best[k]]) +=    \
                                *(const T *)(d + j * delta->strides[3]);                    \
                }                                                                           \
        }

/* Byte offsets of the taps from a window's first element; -1 with an exception when the
 * window has more taps than an index byte can name. */
static int tap_offsets(const Geometry *g, const Py_buffer *b, Py_ssize_t *offset, Py_ssize_t *taps) {
    *taps = g->kh * g->kw;
    if (*taps > 256) {
        PyErr_SetString(PyExc_ValueError, "more than 256 taps per window");
        return -1;
    }
    for (Py_ssize_t u = 0, t = 0; u < g->kh; u++)
        for (Py_ssize_t w = 0; w < g->kw; w++, t++) offset[t] = u * g->dh * b->strides[2] + w * g->dw * b->strides[3];
    return 0;
}

/* -1 with an exception when a recorded tap in index[first:last] is not one of the window's
 * `taps` (the gradient would be written outside the window). */
static int check_taps(const Py_buffer *index, Py_ssize_t first, Py_ssize_t last, Py_ssize_t taps) {
    const unsigned char *best = (const unsigned char *)index->buf;
    for (Py_ssize_t k = first; k < last; k++)
        if (best[k] >= taps) {
            PyErr_Format(PyExc_ValueError, "index: recorded tap %d of a window of %zd taps", best[k], taps);
            return -1;
        }
    return 0;
}

PyObject *max_pool(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *xo, *oo, *io, *sizes;
    Py_ssize_t c0, c1, taps, offset[256];
    if (!PyArg_ParseTuple(args, "OOOOnn", &xo, &oo, &io, &sizes, &c0, &c1)) return NULL;
    Views v = {.held = 0};
    Geometry g;
    Py_buffer *x = take_grid(&v, xo, "xp", 0, 0), *out, *index = NULL;
    if (x == NULL || geometry(sizes, x, &g) < 0 || tap_offsets(&g, x, offset, &taps) < 0 ||
        check_range(c0, c1, x->shape[0], "channel"))
        goto fail;
    const Py_ssize_t N = x->shape[1], count = x->shape[0] * N * g.ho * g.wo;
    if ((out = take(&v, oo, "out", x->format[0], count, 1)) == NULL) goto fail;
    if (io != Py_None && (index = take(&v, io, "index", 'B', count, 1)) == NULL) goto fail;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t k = c0 * N * g.ho * g.wo;
    if (x->itemsize == 4) {
        MAX_POOL_LOOP(float)
    } else {
        MAX_POOL_LOOP(double)
    }
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
fail:
    release(&v);
    return NULL;
}

PyObject *max_pool_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *go, *io, *xo, *sizes;
    Py_ssize_t c0, c1, taps, offset[256];
    if (!PyArg_ParseTuple(args, "OOOOnn", &go, &io, &xo, &sizes, &c0, &c1)) return NULL;
    Views v = {.held = 0};
    Geometry g;
    Py_buffer *dx = take_grid(&v, xo, "dxp", 0, 1), *delta, *index;
    if (dx == NULL || geometry(sizes, dx, &g) < 0 || tap_offsets(&g, dx, offset, &taps) < 0 ||
        check_range(c0, c1, dx->shape[0], "channel"))
        goto fail;
    const Py_ssize_t N = dx->shape[1];
    if ((delta = take_grid(&v, go, "delta", dx->format[0], 0)) == NULL) goto fail;
    if (delta->shape[0] != dx->shape[0] || delta->shape[1] != N || delta->shape[2] != g.ho || delta->shape[3] != g.wo) {
        PyErr_SetString(PyExc_ValueError, "delta: expected the shape of the pooled output");
        goto fail;
    }
    if ((index = take(&v, io, "index", 'B', dx->shape[0] * N * g.ho * g.wo, 0)) == NULL ||
        check_taps(index, c0 * N * g.ho * g.wo, c1 * N * g.ho * g.wo, taps) < 0)
        goto fail;
    const int overlap = g.sh < g.dh * (g.kh - 1) + 1 || g.sw < g.dw * (g.kw - 1) + 1;
    Py_BEGIN_ALLOW_THREADS
    zero_planes(dx, c0, c1, 0, N);
    if (dx->itemsize == 4) {
        MAX_POOL_GRAD_LOOP(float)
    } else {
        MAX_POOL_GRAD_LOOP(double)
    }
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
fail:
    release(&v);
    return NULL;
}
