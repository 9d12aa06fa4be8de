/* Compiled kernels of the activations, the softmax cross-entropy and the weight penalties:
 * one pass over memory where NumPy needs several calls (and their temporary arrays).
 *
 * relu: a = max(z, 0), NumPy's maximum(z, 0) element for element (NaN kept, -0 to +0).
 *
 * relu_grad: dE/dz = dE/da * [a > 0], the same rounded product as NumPy's
 * ``grad * (a > 0)``, so NumPy's bits, NaN and signed zeros included.
 *
 * softmax, softmax_cross_entropy, softmax_cross_entropy_grad: along the last axis, one
 * pass per row, where NumPy reduces along a short axis row by row (on 200 rows of 10
 * classes its ten calls cost more than the arithmetic):
 *
 *     m = max_c z_c,  s = sum_c e^{z_c - m},  p_c = e^{z_c - m} / s,  l = ln s - (z_y - m)
 *
 * and the gradient dE/dz = (p - onehot(y)) * u (u: dE/dl per row, or one factor for all
 * rows), with the rounded operations of the NumPy path in its order. In float64 the
 * exponential and logarithm are the C library's; in float32 the logarithm is, and the
 * exponential is computed here, vectorized, to about 2 ulp (exp_nonpositive). NumPy's own
 * vectorized functions round differently, so softmax and loss agree with the NumPy path to
 * rounding, not bit for bit. A NaN or inf among the logits gives NaN, as in NumPy.
 *
 * sum_squares: sum_i w_i^2 of a weight array, accumulated in double in a fixed order (eight
 * running sums over the elements i = j mod 8, then a fixed tree), and optionally
 * grad_i <- grad_i + w_i c in the same pass, the rounded product then the rounded sum, as
 * NumPy's ``grad += w * c`` computes it.
 *
 * The arrays are taken through the buffer protocol (no NumPy headers); the GIL is released
 * during the loops.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_VIEWS 4

typedef struct {
    Py_buffer view[MAX_VIEWS];
    int held;
} Views;

static void release(Views *v) {
    for (int i = 0; i < v->held; i++) PyBuffer_Release(&v->view[i]);
    v->held = 0;
}

/* The C-contiguous buffer of obj with the format `type` ('f', 'd', 'q' for 64-bit
 * integers, or 'r' for a 2-D array of 'f' or 'd') and `count` items (count < 0: any count,
 * read from the buffer). */
static Py_buffer *take(Views *v, PyObject *obj, const char *name, char type, int writable,
                       Py_ssize_t count) {
    Py_buffer *b = &v->view[v->held];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, b, flags) < 0) return NULL;
    v->held++;
    char got = (b->format && b->format[0] && !b->format[1]) ? b->format[0] : '?';
    if (got == 'l' && b->itemsize == 8) got = 'q';
    if (type == 'r' && (got == 'f' || got == 'd')) {
        if (b->ndim != 2) {
            PyErr_Format(PyExc_ValueError, "%s: expected a 2-D array (samples, classes)", name);
            return NULL;
        }
        return b;
    }
    if (got != type) {
        PyErr_Format(PyExc_TypeError, "%s: expected format %c, got %s", name, type,
                     b->format ? b->format : "?");
        return NULL;
    }
    if (count >= 0 && b->len / b->itemsize != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values, got %zd", name, count,
                     b->len / b->itemsize);
        return NULL;
    }
    return b;
}

/* Take the C-contiguous buffers of `count` arrays of one float type (float32 or float64)
 * and size, the last one writable. Returns how many views are held (count on success;
 * fewer, with an exception set, on failure); the caller releases them. */
static int take_alike(PyObject *const *objects, const char *const *names, int count, Py_buffer *view) {
    int held = 0;
    for (; held < count; held++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (held == count - 1 ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objects[held], &view[held], flags) < 0) return held;
        const char *f = view[held].format;
        int ok = f && (f[0] == 'f' || f[0] == 'd') && !f[1];
        if (ok && held > 0) ok = f[0] == view[0].format[0] && view[held].len == view[0].len;
        if (!ok) {
            PyErr_Format(PyExc_TypeError, "%s: expected a float32 or float64 array of %s's type and size",
                         names[held], names[0]);
            return held + 1;
        }
    }
    return held;
}

/* A loop over arrays taken by take_alike, for one float type; run without the GIL. */
typedef void (*AlikeLoop)(const Py_buffer *view);

/* The kernel of `count` (at most 3) positional arrays taken alike: loop_f for float32,
 * loop_d for float64. */
static PyObject *apply_alike(PyObject *args, int count, const char *const *names, AlikeLoop loop_f,
                             AlikeLoop loop_d) {
    if (PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "expected %d arrays, got %zd arguments", count, PyTuple_GET_SIZE(args));
        return NULL;
    }
    PyObject *objects[3];
    for (int i = 0; i < count; i++) objects[i] = PyTuple_GET_ITEM(args, i);
    Py_buffer view[3];
    const int held = take_alike(objects, names, count, view);
    if (held == count && !PyErr_Occurred()) {
        const AlikeLoop loop = view[0].format[0] == 'f' ? loop_f : loop_d;
        Py_BEGIN_ALLOW_THREADS
        loop(view);
        Py_END_ALLOW_THREADS
    }
    for (int i = 0; i < held; i++) PyBuffer_Release(&view[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

#define RELU_LOOP(NAME, T)                                                                 \
    static void NAME(const Py_buffer *view) {                                              \
        const Py_ssize_t n = view[0].len / (Py_ssize_t)sizeof(T);                          \
        const T *z = (const T *)view[0].buf;                                               \
        T *out = (T *)view[1].buf;                                                         \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = (z[i] > 0 || z[i] != z[i]) ? z[i] : (T)0; \
    }

RELU_LOOP(relu_float, float)
RELU_LOOP(relu_double, double)

PyDoc_STRVAR(relu_doc,
"relu(z, out)\n"
"\n"
"out = max(z, 0) as NumPy's maximum(z, 0) gives it (NaN kept, -0 to +0), for C-contiguous\n"
"float32 or float64 arrays of one type and size (out may be z). Raises TypeError or\n"
"ValueError for other arrays (the caller then uses NumPy).");

static PyObject *relu(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[2] = {"z", "out"};
    return apply_alike(args, 2, names, relu_float, relu_double);
}

#define RELU_GRAD_LOOP(NAME, T)                                                            \
    static void NAME(const Py_buffer *view) {                                              \
        const Py_ssize_t n = view[0].len / (Py_ssize_t)sizeof(T);                          \
        const T *g = (const T *)view[0].buf, *a = (const T *)view[1].buf;                  \
        T *out = (T *)view[2].buf;                                                         \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = g[i] * (T)(a[i] > 0);                  \
    }

RELU_GRAD_LOOP(relu_grad_float, float)
RELU_GRAD_LOOP(relu_grad_double, double)

PyDoc_STRVAR(relu_grad_doc,
"relu_grad(grad, a, out)\n"
"\n"
"out = grad * (a > 0) for C-contiguous float32 or float64 arrays of one type and size.\n"
"Raises TypeError or ValueError for other arrays (the caller then uses NumPy).");

static PyObject *relu_grad(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[3] = {"grad", "a", "out"};
    return apply_alike(args, 3, names, relu_grad_float, relu_grad_double);
}

#define SUM_SQUARES_LOOP(T)                                                                \
    do {                                                                                   \
        const T *w = (const T *)view[0].buf;                                               \
        T *g = held == 2 ? (T *)view[1].buf : NULL;                                        \
        const T c = (T)scale;                                                              \
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                          \
        Py_ssize_t i = 0;                                                                  \
        for (; i + 8 <= n; i += 8)                                                         \
            for (int j = 0; j < 8; j++) acc[j] += (double)w[i + j] * (double)w[i + j];    \
        for (int j = 0; i < n; i++, j++) acc[j] += (double)w[i] * (double)w[i];           \
        total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
        if (g != NULL)                                                                     \
            for (i = 0; i < n; i++) g[i] = g[i] + w[i] * c;                                \
    } while (0)

PyDoc_STRVAR(sum_squares_doc,
"sum_squares(w, grad, scale) -> float\n"
"\n"
"sum_i w_i^2 (in double, in a fixed order) of a C-contiguous float32 or float64 array w;\n"
"when grad is not None (an array of w's type and size), also grad += w * scale in place.");

static PyObject *sum_squares(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ow, *og;
    double scale;
    if (!PyArg_ParseTuple(args, "OOd", &ow, &og, &scale)) return NULL;
    Py_buffer view[2];
    int held = 0;
    if (PyObject_GetBuffer(ow, &view[0], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    held = 1;
    const char *f = view[0].format;
    int ok = f && (f[0] == 'f' || f[0] == 'd') && !f[1];
    if (ok && og != Py_None) {
        if (PyObject_GetBuffer(og, &view[1], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
            PyBuffer_Release(&view[0]);
            return NULL;
        }
        held = 2;
        const char *fg = view[1].format;
        ok = fg && fg[0] == f[0] && !fg[1] && view[1].len == view[0].len;
    }
    if (!ok) {
        PyErr_SetString(PyExc_TypeError,
                        "sum_squares: expected a float32 or float64 array w and a grad of its type and size");
        for (int k = 0; k < held; k++) PyBuffer_Release(&view[k]);
        return NULL;
    }
    const Py_ssize_t n = view[0].len / view[0].itemsize;
    double total;
    Py_BEGIN_ALLOW_THREADS
    if (f[0] == 'f')
        SUM_SQUARES_LOOP(float);
    else
        SUM_SQUARES_LOOP(double);
    Py_END_ALLOW_THREADS
    for (int k = 0; k < held; k++) PyBuffer_Release(&view[k]);
    return PyFloat_FromDouble(total);
}

/* e^x for a float x <= 0 (a logit minus its row's maximum), without branches so that the
 * loop over a row vectorizes: x = n ln2 + r, |r| <= ln2 / 2 (Cody-Waite: ln2 in two parts,
 * the first exact in a float product), e^r by the minimax polynomial of Cephes' expf
 * (whose relative error Cephes gives as 2e-7, under 2 ulp), times 2^n built from exponent
 * bits in two factors, each a normal number, so that results below 2^-126 round once into
 * the subnormals. Below -103.97 the result is 0; NaN stays NaN. */
static inline float exp_nonpositive(float x) {
    const float xc = x > -103.972084f ? x : -103.972084f;
    const int n = -(int)(0.5f - xc * 1.44269504088896341f); /* round(x / ln2), in [-150, 0] */
    const float fn = (float)n;
    const float r = (xc - fn * 0.693359375f) - fn * -2.12194440e-4f;
    float q = 1.9875691500e-4f;
    q = q * r + 1.3981999507e-3f;
    q = q * r + 8.3334519073e-3f;
    q = q * r + 4.1665795894e-2f;
    q = q * r + 1.6666665459e-1f;
    q = q * r + 5.0000001201e-1f;
    const float e_r = q * (r * r) + r + 1.0f;
    const int n1 = n / 2, n2 = n - n1;
    const int32_t bits1 = (int32_t)(n1 + 127) << 23, bits2 = (int32_t)(n2 + 127) << 23;
    float scale1, scale2;
    memcpy(&scale1, &bits1, sizeof scale1);
    memcpy(&scale2, &bits2, sizeof scale2);
    const float e = (e_r * scale1) * scale2;
    return x == x ? e : x;
}

/* The softmax of row zi into pi; m receives the row's maximum and s the sum of the
 * exponentials (before the division), accumulated in double: a float row of 784 values
 * summed in float would lose a few ulp. */
#define SOFTMAX_ROW(T, EXP, zi, pi, classes, m, s)                                         \
    do {                                                                                   \
        m = zi[0];                                                                         \
        for (Py_ssize_t c = 1; c < classes; c++) m = zi[c] > m ? zi[c] : m;                \
        for (Py_ssize_t c = 0; c < classes; c++) pi[c] = EXP(zi[c] - m);                   \
        double sum = 0;                                                                    \
        for (Py_ssize_t c = 0; c < classes; c++) sum += pi[c];                             \
        s = (T)sum;                                                                        \
        for (Py_ssize_t c = 0; c < classes; c++) pi[c] = pi[c] / s;                        \
    } while (0)

#define SOFTMAX_LOOP(NAME, T, EXP)                                                         \
    static void NAME(const Py_buffer *view) {                                              \
        const Py_ssize_t width = view[0].ndim > 0 ? view[0].shape[view[0].ndim - 1] : 1;   \
        if (width == 0) return;                                                            \
        const Py_ssize_t rows = view[0].len / (Py_ssize_t)sizeof(T) / width;               \
        const T *zs = (const T *)view[0].buf;                                              \
        T *ps = (T *)view[1].buf;                                                          \
        for (Py_ssize_t i = 0; i < rows; i++) {                                            \
            const T *zi = zs + i * width;                                                  \
            T *pi = ps + i * width;                                                        \
            T m, s;                                                                        \
            SOFTMAX_ROW(T, EXP, zi, pi, width, m, s);                                      \
        }                                                                                  \
    }

SOFTMAX_LOOP(softmax_float, float, exp_nonpositive)
SOFTMAX_LOOP(softmax_double, double, exp)

PyDoc_STRVAR(softmax_doc,
"softmax(z, out)\n"
"\n"
"out = e^{z - max z} / sum e^{z - max z} along the last axis, for C-contiguous float32 or\n"
"float64 arrays of one type and size (out may be z). Raises TypeError or ValueError for\n"
"other arrays (the caller then uses NumPy).");

static PyObject *softmax(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[2] = {"z", "out"};
    return apply_alike(args, 2, names, softmax_float, softmax_double);
}

#define FORWARD_LOOP(T, EXP, LOG)                                                          \
    do {                                                                                   \
        const T *zs = (const T *)z->buf;                                                   \
        T *ps = (T *)p->buf, *ls = (T *)losses->buf;                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                               \
            const T *zi = zs + i * classes;                                                \
            T *pi = ps + i * classes;                                                      \
            T m, s;                                                                        \
            SOFTMAX_ROW(T, EXP, zi, pi, classes, m, s);                                    \
            ls[i] = LOG(s) - (zi[ys[i]] - m);                                              \
        }                                                                                  \
    } while (0)

PyDoc_STRVAR(forward_doc,
"softmax_cross_entropy(z, labels, p, losses)\n"
"\n"
"For logits z (N, C), float32 or float64, and int64 labels (N,) in [0, C): the softmax\n"
"p = e^{z - max z} / sum e^{z - max z} into p (N, C) and l_i = ln sum_c e^{z_ic - m_i} -\n"
"(z_iy - m_i) into losses (N,), both of z's type. Raises IndexError for a label out of range.");

static PyObject *softmax_cross_entropy(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *oz, *oy, *op, *ol;
    if (!PyArg_ParseTuple(args, "OOOO", &oz, &oy, &op, &ol)) return NULL;
    Views v = {.held = 0};
    Py_buffer *z = NULL, *y = NULL, *p = NULL, *losses = NULL;
    if ((z = take(&v, oz, "z", 'r', 0, -1)) == NULL) {
        release(&v);
        return NULL;
    }
    const char type = z->format[0];
    const Py_ssize_t n = z->shape[0], classes = z->shape[1];
    if ((y = take(&v, oy, "labels", 'q', 0, n)) == NULL || (p = take(&v, op, "p", type, 1, n * classes)) == NULL ||
        (losses = take(&v, ol, "losses", type, 1, n)) == NULL) {
        release(&v);
        return NULL;
    }
    const long long *ys = (const long long *)y->buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (ys[i] < 0 || ys[i] >= classes) {
            PyErr_Format(PyExc_IndexError, "label %lld of row %zd is outside [0, %zd)", ys[i], i, classes);
            release(&v);
            return NULL;
        }
    }
    if (classes == 0) {
        PyErr_SetString(PyExc_ValueError, "z: needs at least one class");
        release(&v);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (type == 'f')
        FORWARD_LOOP(float, exp_nonpositive, logf);
    else
        FORWARD_LOOP(double, exp, log);
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
}

#define GRAD_LOOP(T)                                                                       \
    do {                                                                                   \
        const T *ps = (const T *)p->buf, *us = (const T *)u->buf;                          \
        T *gs = (T *)out->buf;                                                             \
        for (Py_ssize_t i = 0; i < n; i++) {                                               \
            const T ui = us[per_row ? i : 0];                                              \
            const T *pi = ps + i * classes;                                                \
            T *gi = gs + i * classes;                                                      \
            for (Py_ssize_t c = 0; c < classes; c++) gi[c] = pi[c] * ui;                   \
            gi[ys[i]] = (pi[ys[i]] - (T)1) * ui;                                           \
        }                                                                                  \
    } while (0)

PyDoc_STRVAR(grad_doc,
"softmax_cross_entropy_grad(p, labels, u, out)\n"
"\n"
"out = (p - onehot(labels)) * u for softmax rows p (N, C), int64 labels (N,) checked by the\n"
"forward call, and u holding one factor or one per row (N,), of p's type.");

static PyObject *softmax_cross_entropy_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *op, *oy, *ou, *oout;
    if (!PyArg_ParseTuple(args, "OOOO", &op, &oy, &ou, &oout)) return NULL;
    Views v = {.held = 0};
    Py_buffer *p = NULL, *y = NULL, *u = NULL, *out = NULL;
    if ((p = take(&v, op, "p", 'r', 0, -1)) == NULL) {
        release(&v);
        return NULL;
    }
    const char type = p->format[0];
    const Py_ssize_t n = p->shape[0], classes = p->shape[1];
    if ((y = take(&v, oy, "labels", 'q', 0, n)) == NULL || (u = take(&v, ou, "u", type, 0, -1)) == NULL ||
        (out = take(&v, oout, "out", type, 1, n * classes)) == NULL) {
        release(&v);
        return NULL;
    }
    const Py_ssize_t factors = u->len / u->itemsize;
    if (factors != 1 && factors != n) {
        PyErr_Format(PyExc_ValueError, "u: expected 1 or %zd values, got %zd", n, factors);
        release(&v);
        return NULL;
    }
    const int per_row = factors != 1;
    const long long *ys = (const long long *)y->buf;
    Py_BEGIN_ALLOW_THREADS
    if (type == 'f')
        GRAD_LOOP(float);
    else
        GRAD_LOOP(double);
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"relu", relu, METH_VARARGS, relu_doc},
    {"relu_grad", relu_grad, METH_VARARGS, relu_grad_doc},
    {"softmax", softmax, METH_VARARGS, softmax_doc},
    {"softmax_cross_entropy", softmax_cross_entropy, METH_VARARGS, forward_doc},
    {"softmax_cross_entropy_grad", softmax_cross_entropy_grad, METH_VARARGS, grad_doc},
    {"sum_squares", sum_squares, METH_VARARGS, sum_squares_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernels",
    .m_doc = "Compiled kernels of the activations, the softmax cross-entropy and the weight penalties.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
