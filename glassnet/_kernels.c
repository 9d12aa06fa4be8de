/* Elementwise kernels of the activations and the weight penalties: one pass over memory
 * where NumPy needs two or three calls (and their temporary arrays).
 *
 * relu: a = max(z, 0), NumPy's maximum(z, 0) element for element (NaN kept, -0 to +0).
 *
 * relu_grad: dE/dz = dE/da * [a > 0], the same rounded product as NumPy's
 * ``grad * (a > 0)``, so NumPy's bits, NaN and signed zeros included.
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

#define RELU_LOOP(T)                                                                       \
    do {                                                                                   \
        const T *z = (const T *)view[0].buf;                                               \
        T *out = (T *)view[1].buf;                                                         \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = (z[i] > 0 || z[i] != z[i]) ? z[i] : (T)0; \
    } while (0)

PyDoc_STRVAR(relu_doc,
"relu(z, out)\n"
"\n"
"out = max(z, 0) as NumPy's maximum(z, 0) gives it (NaN kept, -0 to +0), for C-contiguous\n"
"float32 or float64 arrays of one type and size (out may be z). Raises TypeError or\n"
"ValueError for other arrays (the caller then uses NumPy).");

static PyObject *relu(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[2];
    if (!PyArg_ParseTuple(args, "OO", &objects[0], &objects[1])) return NULL;
    static const char *const names[2] = {"z", "out"};
    Py_buffer view[2];
    const int held = take_alike(objects, names, 2, view);
    if (held == 2 && !PyErr_Occurred()) {
        const Py_ssize_t n = view[0].len / view[0].itemsize;
        const char type = view[0].format[0];
        Py_BEGIN_ALLOW_THREADS
        if (type == 'f')
            RELU_LOOP(float);
        else
            RELU_LOOP(double);
        Py_END_ALLOW_THREADS
    }
    for (int i = 0; i < held; i++) PyBuffer_Release(&view[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

#define RELU_GRAD_LOOP(T)                                                                  \
    do {                                                                                   \
        const T *g = (const T *)view[0].buf, *a = (const T *)view[1].buf;                  \
        T *out = (T *)view[2].buf;                                                         \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = g[i] * (T)(a[i] > 0);                  \
    } while (0)

PyDoc_STRVAR(relu_grad_doc,
"relu_grad(grad, a, out)\n"
"\n"
"out = grad * (a > 0) for C-contiguous float32 or float64 arrays of one type and size.\n"
"Raises TypeError or ValueError for other arrays (the caller then uses NumPy).");

static PyObject *relu_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    if (!PyArg_ParseTuple(args, "OOO", &objects[0], &objects[1], &objects[2])) return NULL;
    static const char *const names[3] = {"grad", "a", "out"};
    Py_buffer view[3];
    const int held = take_alike(objects, names, 3, view);
    if (held == 3 && !PyErr_Occurred()) {
        const Py_ssize_t n = view[0].len / view[0].itemsize;
        const char type = view[0].format[0];
        Py_BEGIN_ALLOW_THREADS
        if (type == 'f')
            RELU_GRAD_LOOP(float);
        else
            RELU_GRAD_LOOP(double);
        Py_END_ALLOW_THREADS
    }
    for (int i = 0; i < held; i++) PyBuffer_Release(&view[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
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

static PyMethodDef methods[] = {
    {"relu", relu, METH_VARARGS, relu_doc},
    {"relu_grad", relu_grad, METH_VARARGS, relu_grad_doc},
    {"sum_squares", sum_squares, METH_VARARGS, sum_squares_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernels",
    .m_doc = "Elementwise kernels of the activations and the weight penalties.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
