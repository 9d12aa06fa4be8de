/* What glassnet's compiled kernels share: the build's floating-point rules and the taking
 * of NumPy arrays through the buffer protocol (no NumPy headers). Included by each C file
 * of the extension glassnet._compiled. */
#ifndef GLASSNET_COMPILED_H
#define GLASSNET_COMPILED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(_MSC_VER)
#pragma fp_contract(off)
#endif

#if defined(_MSC_VER)
#define KERNEL_INLINE static __forceinline
#define RESTRICT __restrict
#else
#define KERNEL_INLINE static inline __attribute__((always_inline))
#define RESTRICT restrict
#endif

/* ------------------------------------------------------------------ buffer helpers */

#define MAX_VIEWS 6

typedef struct {
    Py_buffer view[MAX_VIEWS];
    int held;
} Views;

static inline void release(Views *v) {
    for (int i = 0; i < v->held; i++) PyBuffer_Release(&v->view[i]);
    v->held = 0;
}

/* 0 when buffer b holds `type` ('f' float32, 'd' float64, 'q' int64, 'B' uint8, or 0 for
 * either float type); -1 with a TypeError naming `name` otherwise. */
static inline int check_type(const Py_buffer *b, const char *name, char type) {
    char got = (b->format && b->format[0] && !b->format[1]) ? b->format[0] : '?';
    if ((got == 'l' || got == 'q') && b->itemsize == 8) got = 'q';
    int ok = type ? got == type : (got == 'f' || got == 'd');
    if (!ok || (got == 'f' && b->itemsize != 4) || (got == 'd' && b->itemsize != 8)) {
        PyErr_Format(PyExc_TypeError, "%s: expected %s, got format %s", name,
                     type == 'q' ? "int64" : type == 'B' ? "uint8" : type == 'f' ? "float32" : type == 'd' ? "float64" : "float32 or float64",
                     b->format ? b->format : "?");
        return -1;
    }
    return 0;
}

/* The C-contiguous buffer of obj, holding `type` (see check_type) and `count` items
 * (count < 0: any count). NULL with an exception set when obj is another array. */
static inline Py_buffer *take(Views *v, PyObject *obj, const char *name, char type, Py_ssize_t count, int writable) {
    Py_buffer *b = &v->view[v->held];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, b, flags) < 0) return NULL;
    v->held++;
    if (check_type(b, name, type) < 0) return NULL;
    if (count >= 0 && b->len / b->itemsize != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values, got %zd", name, count, b->len / b->itemsize);
        return NULL;
    }
    return b;
}

/* The buffer of obj with the type and size of `first`; None gives NULL without an error
 * when `optional`. */
static inline Py_buffer *take_like(Views *v, PyObject *obj, const char *name, const Py_buffer *first, int writable,
                            int optional) {
    if (obj == Py_None && optional) return NULL;
    return take(v, obj, name, first->format[0], first->len / first->itemsize, writable);
}

#define COUNT(b, T) ((b)->len / (Py_ssize_t)sizeof(T))
#define WIDTH(b) ((b)->ndim > 0 ? (b)->shape[(b)->ndim - 1] : 1)

/* The LSTM step of _lstm.c and the sliding-window kernels of _windows.c (see glassnet/accel). */
PyObject *lstm_pre(PyObject *self, PyObject *args);
PyObject *lstm_cell(PyObject *self, PyObject *args);
PyObject *lstm_backward(PyObject *self, PyObject *args);
PyObject *im2col(PyObject *self, PyObject *args);
PyObject *col2im(PyObject *self, PyObject *args);
PyObject *max_pool(PyObject *self, PyObject *args);
PyObject *max_pool_grad(PyObject *self, PyObject *args);

#endif
