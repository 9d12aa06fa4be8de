/* The ReLU's backward pass in one pass over memory: dE/dz = dE/da * [a > 0].
 *
 * NumPy computes it as two calls (the comparison, then the product with the comparison
 * cast to 0.0 or 1.0); here each element is read once and the same product is rounded, so
 * the result is NumPy's bit for bit, NaN and signed zeros included.
 *
 * The arrays are taken through the buffer protocol (no NumPy headers); the GIL is released
 * during the loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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
    static const char *names[3] = {"grad", "a", "out"};
    Py_buffer view[3];
    int held = 0;
    for (; held < 3; held++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (held == 2 ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objects[held], &view[held], flags) < 0) break;
        const char *f = view[held].format;
        int ok = f && (f[0] == 'f' || f[0] == 'd') && !f[1];
        if (ok && held > 0)
            ok = f[0] == view[0].format[0] && view[held].len == view[0].len;
        if (!ok) {
            PyErr_Format(PyExc_TypeError, "%s: expected a float32 or float64 array of grad's type and size",
                         names[held]);
            held++;
            break;
        }
    }
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

static PyMethodDef methods[] = {
    {"relu_grad", relu_grad, METH_VARARGS, relu_grad_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_activations_fused",
    .m_doc = "The ReLU's backward pass in one pass over memory.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__activations_fused(void) { return PyModule_Create(&module); }
