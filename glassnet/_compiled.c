/* glassnet's compiled kernels, reached only through glassnet/accel (which states what
 * each one computes and how it agrees with the NumPy reference path).
 *
 * Every kernel takes NumPy arrays through the buffer protocol (no NumPy headers): float32
 * or float64, C-contiguous, of one type (the sliding-window kernels of _windows.c also take
 * strided 4-D arrays); it raises TypeError or ValueError for any other array, and glassnet.accel
 * then runs NumPy. The GIL is released during the loops. Build without contraction into
 * fused multiply-adds and without fast-math (setup.py pins the flags; the pragmas of
 * _compiled.h repeat it for clang, clang-cl and MSVC), so that each operation rounds as
 * NumPy's does.
 */
#include "_compiled.h"

/* A kernel over `count` arrays of the first one's type and size, the last one written. */
typedef void (*Loop)(Py_buffer *const *b);

static PyObject *apply(PyObject *args, int count, const char *const *names, Loop loop_f, Loop loop_d) {
    if (PyTuple_GET_SIZE(args) != count) {
        PyErr_Format(PyExc_TypeError, "expected %d arrays, got %zd arguments", count, PyTuple_GET_SIZE(args));
        return NULL;
    }
    Views v = {.held = 0};
    Py_buffer *b[3];
    if ((b[0] = take(&v, PyTuple_GET_ITEM(args, 0), names[0], 0, -1, count == 1)) == NULL) goto fail;
    for (int i = 1; i < count; i++)
        if ((b[i] = take_like(&v, PyTuple_GET_ITEM(args, i), names[i], b[0], i == count - 1, 0)) == NULL) goto fail;
    const Loop loop = b[0]->format[0] == 'f' ? loop_f : loop_d;
    Py_BEGIN_ALLOW_THREADS
    loop(b);
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
fail:
    release(&v);
    return NULL;
}

/* ------------------------------------------------------------------ ReLU */

#define RELU_LOOP(NAME, T)                                                                  \
    static void NAME(Py_buffer *const *b) {                                                 \
        const Py_ssize_t n = COUNT(b[0], T);                                                \
        const T *z = (const T *)b[0]->buf;                                                  \
        T *out = (T *)b[1]->buf;                                                            \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = (z[i] > 0 || z[i] != z[i]) ? z[i] : (T)0; \
    }

RELU_LOOP(relu_f, float)
RELU_LOOP(relu_d, double)

static PyObject *relu(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[] = {"z", "out"};
    return apply(args, 2, names, relu_f, relu_d);
}

#define RELU_GRAD_LOOP(NAME, T)                                                             \
    static void NAME(Py_buffer *const *b) {                                                 \
        const Py_ssize_t n = COUNT(b[0], T);                                                \
        const T *g = (const T *)b[0]->buf, *a = (const T *)b[1]->buf;                       \
        T *out = (T *)b[2]->buf;                                                            \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = g[i] * (T)(a[i] > 0);                   \
    }

RELU_GRAD_LOOP(relu_grad_f, float)
RELU_GRAD_LOOP(relu_grad_d, double)

static PyObject *relu_grad(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[] = {"grad", "a", "out"};
    return apply(args, 3, names, relu_grad_f, relu_grad_d);
}

/* ------------------------------------------------------------------ softmax */

/* e^x for a float x <= 0 (a logit minus its row's maximum), without branches so that the
 * loop over a row vectorizes: x = n ln2 + r, |r| <= ln2 / 2 (Cody-Waite: ln2 in two parts,
 * the first exact in a float product), e^r by the minimax polynomial of Cephes' expf
 * (relative error under 2 ulp), times 2^n built from exponent bits in two factors, each a
 * normal number, so that results below 2^-126 round once into the subnormals. Below
 * -103.97 the result is 0; NaN stays NaN. */
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
 * exponentials, accumulated in double. */
#define SOFTMAX_ROW(T, EXP, zi, pi, classes, m, s)                                          \
    do {                                                                                    \
        m = zi[0];                                                                          \
        for (Py_ssize_t c = 1; c < classes; c++) m = zi[c] > m ? zi[c] : m;                 \
        for (Py_ssize_t c = 0; c < classes; c++) pi[c] = EXP(zi[c] - m);                    \
        double sum = 0;                                                                     \
        for (Py_ssize_t c = 0; c < classes; c++) sum += pi[c];                              \
        s = (T)sum;                                                                         \
        for (Py_ssize_t c = 0; c < classes; c++) pi[c] = pi[c] / s;                         \
    } while (0)

#define SOFTMAX_LOOP(NAME, T, EXP)                                                          \
    static void NAME(Py_buffer *const *b) {                                                 \
        const Py_ssize_t width = WIDTH(b[0]);                                               \
        if (width == 0) return;                                                             \
        const Py_ssize_t rows = COUNT(b[0], T) / width;                                     \
        for (Py_ssize_t i = 0; i < rows; i++) {                                             \
            const T *zi = (const T *)b[0]->buf + i * width;                                 \
            T *pi = (T *)b[1]->buf + i * width;                                             \
            T m, s;                                                                         \
            SOFTMAX_ROW(T, EXP, zi, pi, width, m, s);                                       \
        }                                                                                   \
    }

SOFTMAX_LOOP(softmax_f, float, exp_nonpositive)
SOFTMAX_LOOP(softmax_d, double, exp)

static PyObject *softmax(PyObject *self, PyObject *args) {
    (void)self;
    static const char *const names[] = {"z", "out"};
    return apply(args, 2, names, softmax_f, softmax_d);
}

/* ------------------------------------------------------------------ softmax cross-entropy */

#define CE_LOOP(T, EXP, LOG)                                                                \
    do {                                                                                    \
        for (Py_ssize_t i = 0; i < n; i++) {                                                \
            const T *zi = (const T *)z->buf + i * classes;                                  \
            T *pi = (T *)p->buf + i * classes;                                              \
            T m, s;                                                                         \
            SOFTMAX_ROW(T, EXP, zi, pi, classes, m, s);                                     \
            ((T *)losses->buf)[i] = LOG(s) - (zi[ys[i]] - m);                               \
        }                                                                                   \
    } while (0)

static PyObject *softmax_cross_entropy(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *oz, *oy, *op, *ol;
    if (!PyArg_ParseTuple(args, "OOOO", &oz, &oy, &op, &ol)) return NULL;
    Views v = {.held = 0};
    Py_buffer *z, *y, *p, *losses;
    if ((z = take(&v, oz, "z", 0, -1, 0)) == NULL) goto fail;
    if (z->ndim != 2 || z->shape[1] == 0) {
        PyErr_SetString(PyExc_ValueError, "z: expected a 2-D array (samples, classes) of at least one class");
        goto fail;
    }
    const char type = z->format[0];
    const Py_ssize_t n = z->shape[0], classes = z->shape[1];
    if ((y = take(&v, oy, "labels", 'q', n, 0)) == NULL || (p = take_like(&v, op, "p", z, 1, 0)) == NULL ||
        (losses = take(&v, ol, "losses", type, n, 1)) == NULL)
        goto fail;
    const int64_t *ys = (const int64_t *)y->buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (ys[i] < 0 || ys[i] >= classes) {
            PyErr_Format(PyExc_IndexError, "label %lld of row %zd is outside [0, %zd)", (long long)ys[i], i, classes);
            goto fail;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    if (type == 'f')
        CE_LOOP(float, exp_nonpositive, logf);
    else
        CE_LOOP(double, exp, log);
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
fail:
    release(&v);
    return NULL;
}

#define CE_GRAD_LOOP(T)                                                                     \
    do {                                                                                    \
        for (Py_ssize_t i = 0; i < n; i++) {                                                \
            const T ui = ((const T *)u->buf)[per_row ? i : 0];                              \
            const T *pi = (const T *)p->buf + i * classes;                                  \
            T *gi = (T *)out->buf + i * classes;                                            \
            for (Py_ssize_t c = 0; c < classes; c++) gi[c] = pi[c] * ui;                    \
            gi[ys[i]] = (pi[ys[i]] - (T)1) * ui;                                            \
        }                                                                                   \
    } while (0)

static PyObject *softmax_cross_entropy_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *op, *oy, *ou, *oout;
    if (!PyArg_ParseTuple(args, "OOOO", &op, &oy, &ou, &oout)) return NULL;
    Views v = {.held = 0};
    Py_buffer *p, *y, *u, *out;
    if ((p = take(&v, op, "p", 0, -1, 0)) == NULL) goto fail;
    if (p->ndim != 2) {
        PyErr_SetString(PyExc_ValueError, "p: expected a 2-D array (samples, classes)");
        goto fail;
    }
    const char type = p->format[0];
    const Py_ssize_t n = p->shape[0], classes = p->shape[1];
    if ((y = take(&v, oy, "labels", 'q', n, 0)) == NULL || (u = take(&v, ou, "u", type, -1, 0)) == NULL ||
        (out = take_like(&v, oout, "out", p, 1, 0)) == NULL)
        goto fail;
    const Py_ssize_t factors = u->len / u->itemsize;
    if (factors != 1 && factors != n) {
        PyErr_Format(PyExc_ValueError, "u: expected 1 or %zd values, got %zd", n, factors);
        goto fail;
    }
    const int per_row = factors != 1;
    const int64_t *ys = (const int64_t *)y->buf;
    Py_BEGIN_ALLOW_THREADS
    if (type == 'f')
        CE_GRAD_LOOP(float);
    else
        CE_GRAD_LOOP(double);
    Py_END_ALLOW_THREADS
    release(&v);
    Py_RETURN_NONE;
fail:
    release(&v);
    return NULL;
}

/* ------------------------------------------------------------------ Adam */

/* The loop body with its options as compile-time constants: each call below with constant
 * flags is inlined into a branch-free loop that the compiler vectorizes. */
#define ADAM_KERNEL(NAME, T, SQRT)                                                          \
    KERNEL_INLINE void NAME(                                                                 \
        Py_ssize_t n, T *RESTRICT w, const T *RESTRICT g, T *RESTRICT m, T *RESTRICT v,     \
        T *RESTRICT vmax, double beta1, double beta2, double eps, double step, double wd,   \
        double decay, const int decoupled, const int l2, const int ams) {                   \
        const T c_decay = (T)decay, c_wd = (T)wd, c_b1 = (T)beta1, c_1b1 = (T)(1.0 - beta1); \
        const T c_b2 = (T)beta2, c_1b2 = (T)(1.0 - beta2), c_eps = (T)eps, c_step = (T)step; \
        for (Py_ssize_t i = 0; i < n; i++) {                                                \
            T wi = w[i];                                                                    \
            if (decoupled) wi = wi * c_decay;                                               \
            T gi = l2 ? g[i] + wi * c_wd : g[i];                                            \
            T mi = m[i] * c_b1 + gi * c_1b1;                                                \
            T vi = v[i] * c_b2 + (gi * gi) * c_1b2;                                         \
            m[i] = mi;                                                                      \
            v[i] = vi;                                                                      \
            if (ams) {                                                                      \
                T old = vmax[i];                                                            \
                vi = (old > vi || old != old) ? old : vi;                                   \
                vmax[i] = vi;                                                               \
            }                                                                               \
            w[i] = wi + (mi / (SQRT(vi) + c_eps)) * c_step;                                 \
        }                                                                                   \
    }

ADAM_KERNEL(adam_f, float, sqrtf)
ADAM_KERNEL(adam_d, double, sqrt)

#define ADAM_DISPATCH(KERNEL, T)                                                            \
    do {                                                                                    \
        T *w = (T *)bw->buf, *m = (T *)bm->buf, *v = (T *)bv->buf;                          \
        T *vmax = bvmax ? (T *)bvmax->buf : NULL;                                           \
        const T *g = (const T *)bg->buf;                                                    \
        const int l2 = wd != 0.0, ams = vmax != NULL;                                       \
        if (!decoupled && !l2 && !ams)                                                      \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, 0, 0, 0);        \
        else if (decoupled && !l2 && !ams)                                                  \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, 1, 0, 0);        \
        else                                                                                \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, decoupled, l2, ams); \
    } while (0)

static PyObject *adam(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ow, *og, *om, *ov, *ovmax;
    double beta1, beta2, eps, step, wd, decay;
    if (!PyArg_ParseTuple(args, "OOOOOdddddd", &ow, &og, &om, &ov, &ovmax, &beta1, &beta2, &eps, &step, &wd,
                          &decay))
        return NULL;
    Views views = {.held = 0};
    Py_buffer *bw, *bg, *bm, *bv, *bvmax = NULL;
    if ((bw = take(&views, ow, "w", 0, -1, 1)) == NULL || (bg = take_like(&views, og, "g", bw, 0, 0)) == NULL ||
        (bm = take_like(&views, om, "m", bw, 1, 0)) == NULL || (bv = take_like(&views, ov, "v", bw, 1, 0)) == NULL ||
        ((bvmax = take_like(&views, ovmax, "vmax", bw, 1, 1)) == NULL && PyErr_Occurred())) {
        release(&views);
        return NULL;
    }
    const Py_ssize_t n = bw->len / bw->itemsize;
    const int decoupled = decay != 1.0;
    Py_BEGIN_ALLOW_THREADS
    if (bw->format[0] == 'f')
        ADAM_DISPATCH(adam_f, float);
    else
        ADAM_DISPATCH(adam_d, double);
    Py_END_ALLOW_THREADS
    release(&views);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ SGD */

#define SGD_LOOP(T)                                                                         \
    do {                                                                                    \
        T *RESTRICT w = (T *)bw->buf, *RESTRICT buf = bbuf ? (T *)bbuf->buf : NULL;         \
        const T *RESTRICT g = (const T *)bg->buf;                                           \
        const T c_wd = (T)wd, c_mu = (T)momentum, c_keep = (T)(1.0 - dampening);            \
        const T c_lr = (T)neg_lr;                                                           \
        for (Py_ssize_t i = 0; i < n; i++) {                                                \
            T wi = w[i];                                                                    \
            T gi = wd != 0.0 ? g[i] + wi * c_wd : g[i];                                     \
            T d = gi;                                                                       \
            if (buf) {                                                                      \
                if (first)                                                                  \
                    d = gi;                                                                 \
                else if (dampening != 0.0)                                                  \
                    d = buf[i] * c_mu + gi * c_keep;                                        \
                else                                                                        \
                    d = buf[i] * c_mu + gi;                                                 \
                buf[i] = d;                                                                 \
                if (nesterov) d = d * c_mu + gi;                                            \
            }                                                                               \
            w[i] = wi + d * c_lr;                                                           \
        }                                                                                   \
    } while (0)

static PyObject *sgd(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ow, *og, *obuf;
    double neg_lr, momentum, dampening, wd;
    int nesterov, first;
    if (!PyArg_ParseTuple(args, "OOOdddpdp", &ow, &og, &obuf, &neg_lr, &momentum, &dampening, &nesterov, &wd,
                          &first))
        return NULL;
    Views views = {.held = 0};
    Py_buffer *bw, *bg, *bbuf = NULL;
    if ((bw = take(&views, ow, "w", 0, -1, 1)) == NULL || (bg = take_like(&views, og, "g", bw, 0, 0)) == NULL ||
        ((bbuf = take_like(&views, obuf, "buf", bw, 1, 1)) == NULL && PyErr_Occurred())) {
        release(&views);
        return NULL;
    }
    const Py_ssize_t n = bw->len / bw->itemsize;
    Py_BEGIN_ALLOW_THREADS
    if (bw->format[0] == 'f')
        SGD_LOOP(float);
    else
        SGD_LOOP(double);
    Py_END_ALLOW_THREADS
    release(&views);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {"relu", relu, METH_VARARGS, "relu(z, out): out = max(z, 0)"},
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(grad, a, out): out = grad * (a > 0)"},
    {"softmax", softmax, METH_VARARGS, "softmax(z, out): the softmax along the last axis"},
    {"softmax_cross_entropy", softmax_cross_entropy, METH_VARARGS,
     "softmax_cross_entropy(z, labels, p, losses): p = softmax(z), losses = -ln p[labels]"},
    {"softmax_cross_entropy_grad", softmax_cross_entropy_grad, METH_VARARGS,
     "softmax_cross_entropy_grad(p, labels, u, out): out = (p - onehot(labels)) * u"},
    {"lstm_pre", lstm_pre, METH_VARARGS,
     "lstm_pre(q, zx, c): q = q + zx, halved in the sigmoid gates; c (N, H) gives the shape"},
    {"lstm_cell", lstm_cell, METH_VARARGS,
     "lstm_cell(q, c_prev, c): sigmoid gates from tanh, then c = f c_prev + i g"},
    {"lstm_backward", lstm_backward, METH_VARARGS,
     "lstm_backward(q, d, c_prev, tc, dh, dc): one LSTM step's pre-activation gradients d; dc in place"},
    {"adam", adam, METH_VARARGS, "adam(w, g, m, v, vmax, beta1, beta2, eps, step, weight_decay, decay)"},
    {"sgd", sgd, METH_VARARGS, "sgd(w, g, buf, lr, momentum, dampening, nesterov, weight_decay, first)"},
    {"im2col", im2col, METH_VARARGS, "im2col(xp, cols, (kh, kw, sh, sw, dh, dw), n0, n1): the windows of samples n0:n1"},
    {"col2im", col2im, METH_VARARGS, "col2im(dcols, dxp, (kh, kw, sh, sw, dh, dw), n0, n1): dxp[:, n0:n1] = the columns added up"},
    {"max_pool", max_pool, METH_VARARGS,
     "max_pool(xp, out, index, (kh, kw, sh, sw, dh, dw), c0, c1): window maxima of channels c0:c1"},
    {"max_pool_grad", max_pool_grad, METH_VARARGS,
     "max_pool_grad(delta, index, dxp, (kh, kw, sh, sw, dh, dw), c0, c1): dxp[c0:c1] = delta at each maximum"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_compiled",
    .m_doc = "glassnet's compiled kernels; use them through glassnet.accel.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__compiled(void) { return PyModule_Create(&module); }
