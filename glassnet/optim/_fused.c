/* Fused optimizer updates: one pass over memory per step instead of one per NumPy call.
 *
 * Each function updates flat, C-contiguous float32 or float64 buffers in place (the
 * optimizers' flat groups) and performs, element by element, the same rounded operations
 * in the same order as the NumPy path of the optimizer in Python, so both paths give the
 * same numbers bit for bit. Scalars arrive as Python floats and are rounded to the
 * buffers' type first, as NumPy does with a Python scalar. Build with -ffp-contract=off
 * (no fused multiply-add, which would round differently) and without -ffast-math.
 *
 * The arrays are taken through the buffer protocol, so this module needs no NumPy headers.
 * The GIL is released during the loops.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#if defined(_MSC_VER)
#define KERNEL_INLINE static __forceinline
#define RESTRICT __restrict
#else
#define KERNEL_INLINE static inline __attribute__((always_inline))
#define RESTRICT restrict
#endif

typedef struct {
    Py_buffer view[5];
    int held;
    Py_ssize_t n;
    char type; /* 'f' or 'd' */
} Buffers;

static void release(Buffers *b) {
    for (int i = 0; i < b->held; i++) PyBuffer_Release(&b->view[i]);
    b->held = 0;
}

/* Take the buffer of obj (None allowed when optional), checking type, size and layout. */
static int take(Buffers *b, PyObject *obj, const char *name, int writable, int optional, void **data) {
    *data = NULL;
    if (obj == Py_None) {
        if (optional) return 0;
        PyErr_Format(PyExc_TypeError, "%s must be an array, got None", name);
        return -1;
    }
    Py_buffer *v = &b->view[b->held];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) return -1;
    b->held++;
    char type = (v->format && v->format[0] && !v->format[1]) ? v->format[0] : '?';
    Py_ssize_t itemsize = type == 'f' ? 4 : type == 'd' ? 8 : 0;
    if (itemsize == 0 || v->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s must hold float32 or float64, got format %s", name,
                     v->format ? v->format : "?");
        return -1;
    }
    Py_ssize_t n = v->len / itemsize;
    if (b->held == 1) {
        b->n = n;
        b->type = type;
    } else if (type != b->type || n != b->n) {
        PyErr_Format(PyExc_ValueError, "%s must have the type and size of the parameters", name);
        return -1;
    }
    *data = v->buf;
    return 0;
}

/* ------------------------------------------------------------------------------- Adam */

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

ADAM_KERNEL(adam_float, float, sqrtf)
ADAM_KERNEL(adam_double, double, sqrt)

#define ADAM_DISPATCH(KERNEL, T)                                                            \
    do {                                                                                    \
        T *w = (T *)pw, *m = (T *)pm, *v = (T *)pv, *vmax = (T *)pvmax;                     \
        const T *g = (const T *)pg;                                                         \
        const int l2 = wd != 0.0, ams = vmax != NULL;                                       \
        if (!decoupled && !l2 && !ams)                                                      \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, 0, 0, 0);        \
        else if (decoupled && !l2 && !ams)                                                  \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, 1, 0, 0);        \
        else                                                                                \
            KERNEL(n, w, g, m, v, vmax, beta1, beta2, eps, step, wd, decay, decoupled, l2, ams); \
    } while (0)

PyDoc_STRVAR(adam_doc,
"adam(w, g, m, v, vmax, beta1, beta2, eps, step, weight_decay, decay)\n"
"\n"
"One Adam step in place: w <- w * decay when decay != 1 (decoupled weight decay), then\n"
"g' = g + weight_decay * w, m <- beta1 m + (1 - beta1) g', v <- beta2 v + (1 - beta2) g'^2,\n"
"vmax <- max(vmax, v) when vmax is not None (AMSGrad), and\n"
"w <- w + step * m / (sqrt(v or vmax) + eps), step being negative.");

static PyObject *adam(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ow, *og, *om, *ov, *ovmax;
    double beta1, beta2, eps, step, wd, decay;
    if (!PyArg_ParseTuple(args, "OOOOOdddddd", &ow, &og, &om, &ov, &ovmax, &beta1, &beta2, &eps,
                          &step, &wd, &decay))
        return NULL;
    Buffers b = {.held = 0};
    void *pw, *pg, *pm, *pv, *pvmax;
    if (take(&b, ow, "w", 1, 0, &pw) || take(&b, og, "g", 0, 0, &pg) || take(&b, om, "m", 1, 0, &pm) ||
        take(&b, ov, "v", 1, 0, &pv) || take(&b, ovmax, "vmax", 1, 1, &pvmax)) {
        release(&b);
        return NULL;
    }
    const Py_ssize_t n = b.n;
    const int decoupled = decay != 1.0;
    Py_BEGIN_ALLOW_THREADS
    if (b.type == 'f')
        ADAM_DISPATCH(adam_float, float);
    else
        ADAM_DISPATCH(adam_double, double);
    Py_END_ALLOW_THREADS
    release(&b);
    Py_RETURN_NONE;
}

/* -------------------------------------------------------------------------------- SGD */

#define SGD_LOOP(T)                                                                         \
    do {                                                                                    \
        T *RESTRICT w = (T *)pw, *RESTRICT buf = (T *)pbuf;                                 \
        const T *RESTRICT g = (const T *)pg;                                                \
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

PyDoc_STRVAR(sgd_doc,
"sgd(w, g, buf, lr, momentum, dampening, nesterov, weight_decay, first)\n"
"\n"
"One SGD step in place: g' = g + weight_decay * w; with a momentum buffer buf (not None),\n"
"buf <- g' on the first step, else buf <- momentum buf + (1 - dampening) g'; the direction\n"
"d is buf (Nesterov: momentum buf + g') or g' without momentum; w <- w + lr * d, lr being\n"
"negative.");

static PyObject *sgd(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ow, *og, *obuf;
    double neg_lr, momentum, dampening, wd;
    int nesterov, first;
    if (!PyArg_ParseTuple(args, "OOOdddpdp", &ow, &og, &obuf, &neg_lr, &momentum, &dampening, &nesterov,
                          &wd, &first))
        return NULL;
    Buffers b = {.held = 0};
    void *pw, *pg, *pbuf;
    if (take(&b, ow, "w", 1, 0, &pw) || take(&b, og, "g", 0, 0, &pg) || take(&b, obuf, "buf", 1, 1, &pbuf)) {
        release(&b);
        return NULL;
    }
    const Py_ssize_t n = b.n;
    Py_BEGIN_ALLOW_THREADS
    if (b.type == 'f')
        SGD_LOOP(float);
    else
        SGD_LOOP(double);
    Py_END_ALLOW_THREADS
    release(&b);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam", adam, METH_VARARGS, adam_doc},
    {"sgd", sgd, METH_VARARGS, sgd_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_fused",
    .m_doc = "Fused, single-pass optimizer updates on flat buffers.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
