/* The LSTM step's compiled parts (see glassnet/accel/__init__.py and glassnet/ops/_cells.py):
 * additions and products only, in NumPy's order; the step's tanh stays NumPy's. */
#include "_compiled.h"

/* ------------------------------------------------------------------ LSTM step */

/* One step of an LSTM layer over one row of H units, each loop over plain contiguous arrays
 * so that it vectorizes; the tanh between them is NumPy's (glassnet/ops/_cells.py), so
 * that every operation is NumPy's, in NumPy's order, and the bits are the reference's.
 * The gates are [i, f, g, o], sigmoid(z) = (1 + tanh(z / 2)) / 2.
 * Before tanh: q = q + zx, halved in the sigmoid gates i, f, o.
 * After it: the sigmoid gates (t + 1) / 2, then c = f c_prev + i g.
 * Backward: with dcn = dc + (dh o)(1 - tc^2), d = [(dcn g)(1 - i) i, (dcn c_prev)(1 - f) f,
 * (dcn i)(1 - g^2), (dh tc)(1 - o) o], and dc becomes dcn f. */
#define LSTM_ROW(S, T)                                                                      \
    static void lstm_half_##S(T *RESTRICT q, const T *RESTRICT zx, Py_ssize_t n) {          \
        for (Py_ssize_t j = 0; j < n; j++) q[j] = (q[j] + zx[j]) * (T)0.5;                  \
    }                                                                                       \
    static void lstm_pre_row_##S(T *RESTRICT q, const T *RESTRICT zx, Py_ssize_t n) {       \
        lstm_half_##S(q, zx, 2 * n);                                                        \
        for (Py_ssize_t j = 2 * n; j < 3 * n; j++) q[j] = q[j] + zx[j];                     \
        lstm_half_##S(q + 3 * n, zx + 3 * n, n);                                            \
    }                                                                                       \
    static void lstm_sigmoid_##S(T *RESTRICT t, Py_ssize_t n) {                             \
        for (Py_ssize_t j = 0; j < n; j++) t[j] = (t[j] + 1) * (T)0.5;                      \
    }                                                                                       \
    static void lstm_cell_row_##S(T *RESTRICT q, const T *RESTRICT cp, T *RESTRICT c, Py_ssize_t n) { \
        lstm_sigmoid_##S(q, 2 * n);                                                         \
        lstm_sigmoid_##S(q + 3 * n, n);                                                     \
        const T *RESTRICT i = q, *RESTRICT f = q + n, *RESTRICT g = q + 2 * n;              \
        for (Py_ssize_t j = 0; j < n; j++) c[j] = f[j] * cp[j] + i[j] * g[j];               \
    }                                                                                       \
    static void lstm_backward_row_##S(const T *RESTRICT q, T *RESTRICT d, const T *RESTRICT cp, \
                                      const T *RESTRICT tc, const T *RESTRICT dh, T *RESTRICT dc, \
                                      Py_ssize_t n) {                                       \
        const T *RESTRICT i = q, *RESTRICT f = q + n, *RESTRICT g = q + 2 * n, *RESTRICT o = q + 3 * n; \
        T *RESTRICT di = d, *RESTRICT df = d + n, *RESTRICT dg = d + 2 * n, *RESTRICT dout = d + 3 * n; \
        for (Py_ssize_t j = 0; j < n; j++) {                                                \
            const T t = tc[j];                                                              \
            const T dcn = dc[j] + (dh[j] * o[j]) * (1 - t * t);                             \
            di[j] = (dcn * g[j]) * ((1 - i[j]) * i[j]);                                     \
            df[j] = (dcn * cp[j]) * ((1 - f[j]) * f[j]);                                    \
            dg[j] = (dcn * i[j]) * (1 - g[j] * g[j]);                                       \
            dout[j] = (dh[j] * t) * ((1 - o[j]) * o[j]);                                    \
            dc[j] = dcn * f[j];                                                             \
        }                                                                                   \
    }

LSTM_ROW(f, float)
LSTM_ROW(d, double)

/* The row function ROW(S) over the N rows, with each array's row stride (4 H or H). */
#define LSTM_ROWS(ROW, S, T, ...)                                                           \
    for (Py_ssize_t r = 0; r < rows; r++) ROW##_##S(__VA_ARGS__, width)

#define ROW_OF(b, T, gated) ((T *)(b)->buf + r * ((gated) ? 4 : 1) * width)

/* Takes `count` arrays: the first `gated` of them (N, 4H), the others (N, H) as the state
 * array named by `state`; all of the first one's type. rows and width receive N and H. */
static int take_lstm(Views *v, PyObject *args, const char *const *names, const int *writable, int count,
                     int gated, int state, Py_buffer **b, Py_ssize_t *rows, Py_ssize_t *width) {
    if (PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "expected %d arrays, got %zd arguments", count, PyTuple_GET_SIZE(args));
        return -1;
    }
    if ((b[state] = take(v, PyTuple_GET_ITEM(args, state), names[state], 0, -1, writable[state])) == NULL)
        return -1;
    const Py_ssize_t n = b[state]->len / b[state]->itemsize;
    *width = b[state]->ndim == 2 ? b[state]->shape[1] : 0;
    if (b[state]->ndim != 2 || *width == 0) {
        PyErr_Format(PyExc_ValueError, "%s: expected a 2-D array (samples, units)", names[state]);
        return -1;
    }
    *rows = n / *width;
    for (int i = 0; i < count; i++) {
        if (i == state) continue;
        b[i] = take(v, PyTuple_GET_ITEM(args, i), names[i], b[state]->format[0], i < gated ? 4 * n : n,
                    writable[i]);
        if (b[i] == NULL) return -1;
    }
    return 0;
}

/* The (N, 4H) gates array and the (N, H) arrays of one LSTM step, checked; rows and width
 * receive N and H. */
#define LSTM_CALL(NAME, COUNT, GATED, STATE, WRITABLE, NAMES, FLOAT_LOOP, DOUBLE_LOOP)        \
    PyObject *NAME(PyObject *self, PyObject *args) {                                        \
        (void)self;                                                                         \
        static const char *const names[] = NAMES;                                           \
        static const int writable[] = WRITABLE;                                             \
        Views v = {.held = 0};                                                              \
        Py_buffer *b[COUNT];                                                                \
        Py_ssize_t rows, width;                                                             \
        if (take_lstm(&v, args, names, writable, COUNT, GATED, STATE, b, &rows, &width) < 0) { \
            release(&v);                                                                    \
            return NULL;                                                                    \
        }                                                                                   \
        Py_BEGIN_ALLOW_THREADS                                                              \
        if (b[0]->format[0] == 'f') {                                                       \
            FLOAT_LOOP;                                                                     \
        } else {                                                                            \
            DOUBLE_LOOP;                                                                    \
        }                                                                                   \
        Py_END_ALLOW_THREADS                                                                \
        release(&v);                                                                        \
        Py_RETURN_NONE;                                                                     \
    }

#define LIST(...) {__VA_ARGS__}
#define PRE_LOOP(S, T) LSTM_ROWS(lstm_pre_row, S, T, ROW_OF(b[0], T, 1), ROW_OF(b[1], T, 1))
#define CELL_LOOP(S, T) LSTM_ROWS(lstm_cell_row, S, T, ROW_OF(b[0], T, 1), ROW_OF(b[1], T, 0), ROW_OF(b[2], T, 0))
#define BACKWARD_LOOP(S, T)                                                                 \
    LSTM_ROWS(lstm_backward_row, S, T, ROW_OF(b[0], T, 1), ROW_OF(b[1], T, 1), ROW_OF(b[2], T, 0), \
              ROW_OF(b[3], T, 0), ROW_OF(b[4], T, 0), ROW_OF(b[5], T, 0))

LSTM_CALL(lstm_pre, 3, 2, 2, LIST(1, 0, 0), LIST("q", "zx", "c"), PRE_LOOP(f, float), PRE_LOOP(d, double))
LSTM_CALL(lstm_cell, 3, 1, 2, LIST(1, 0, 1), LIST("q", "c_prev", "c"), CELL_LOOP(f, float), CELL_LOOP(d, double))
LSTM_CALL(lstm_backward, 6, 2, 5, LIST(0, 1, 0, 0, 0, 1), LIST("q", "d", "c_prev", "tc", "dh", "dc"),
          BACKWARD_LOOP(f, float), BACKWARD_LOOP(d, double))
