"""Loading libadquaif and declaring the C API of capi/adquaif.h to ctypes."""

import ctypes
import os
import sys

ABI_VERSION = 1  # adquaif.h's ADQUAIF_ABI_VERSION, which this module mirrors

# adquaif.h's error codes.
EPARAM, ELENGTH, EOVERLAP, EHANDLE, EISA, ENULL, EINTERNAL = -1, -2, -3, -4, -5, -6, -7


class Params(ctypes.Structure):
    _fields_ = [(name, ctypes.c_double) for name in
                ("R", "tau", "tau_w", "tau_ref", "V_th", "V_reset", "V_rest", "V_c", "c", "a", "b")]


PARAM_NAMES = tuple(name for name, _ in Params._fields_)


def _buffers(real):
    class Buffers(ctypes.Structure):
        _fields_ = [
            ("n", ctypes.c_size_t),
            ("V", ctypes.c_void_p), ("w", ctypes.c_void_p), ("last", ctypes.c_void_p),
            ("I", ctypes.c_void_p), ("G", ctypes.c_void_p), ("delta", ctypes.c_void_p),
            ("in_rows", ctypes.c_size_t),
            ("spike", ctypes.c_void_p), ("refractory", ctypes.c_void_p), ("spike_bits", ctypes.c_void_p),
            ("out_rows", ctypes.c_size_t),
        ]
    Buffers.__name__ = "Buffers_" + real
    return Buffers


Buffers32, Buffers64 = _buffers("f32"), _buffers("f64")


def _grads(real):
    class Grads(ctypes.Structure):
        _fields_ = [(name, ctypes.c_void_p) for name in ("V", "w", "spike", "I", "G", "delta")]
    Grads.__name__ = "Grads_" + real
    return Grads


Grads32, Grads64 = _grads("f32"), _grads("f64")


def _library_path():
    path = os.environ.get("ADQUAIF_LIB")
    if path:
        return path
    name = {"darwin": "libadquaif.dylib", "win32": "adquaif.dll"}.get(sys.platform, "libadquaif.so")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


def _load():
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(
            f"adquaif: cannot load the C library {path}: {e}. Install the package with "
            "'pip install --no-build-isolation ./python' (it runs go build), or build it with "
            "'go build -buildmode=c-shared -o libadquaif.so ./capi' and set ADQUAIF_LIB to its path") from None
    c = ctypes
    lib.adquaif_abi_version.restype = c.c_int
    lib.adquaif_abi_version.argtypes = []
    if lib.adquaif_abi_version() != ABI_VERSION:
        raise ImportError(f"adquaif: {path} has ABI version {lib.adquaif_abi_version()}, this package {ABI_VERSION}")
    err = [c.c_char_p, c.c_size_t]
    for name, res, args in [
        ("adquaif_defaults", None, [c.POINTER(Params)]),
        ("adquaif_isa", c.c_char_p, []),
        ("adquaif_available", c.c_char_p, []),
        ("adquaif_set_isa", c.c_int, [c.c_char_p] + err),
        ("adquaif_new_f32", c.c_int, [c.POINTER(Params), c.POINTER(c.c_void_p), c.c_size_t, c.c_float, c.c_int, c.c_int,
                                      c.POINTER(c.c_uint64)] + err),
        ("adquaif_new_f64", c.c_int, [c.POINTER(Params), c.POINTER(c.c_void_p), c.c_size_t, c.c_double, c.c_int, c.c_int,
                                      c.POINTER(c.c_uint64)] + err),
        ("adquaif_free", None, [c.c_uint64]),
        ("adquaif_step_f32", c.c_int, [c.c_uint64, c.c_float, c.POINTER(Buffers32)] + err),
        ("adquaif_step_f64", c.c_int, [c.c_uint64, c.c_double, c.POINTER(Buffers64)] + err),
        ("adquaif_run_f32", c.c_int, [c.c_uint64, c.c_float, c.c_size_t, c.POINTER(Buffers32)] + err),
        ("adquaif_run_f64", c.c_int, [c.c_uint64, c.c_double, c.c_size_t, c.POINTER(Buffers64)] + err),
        ("adquaif_backward_f32", c.c_int, [c.c_uint64, c.c_float, c.POINTER(Buffers32), c.POINTER(Grads32)] + err),
        ("adquaif_backward_f64", c.c_int, [c.c_uint64, c.c_double, c.POINTER(Buffers64), c.POINTER(Grads64)] + err),
        ("adquaif_with_surrogate", c.c_int, [c.c_uint64, c.c_double, c.c_double, c.POINTER(c.c_uint64)] + err),
    ]:
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib, path


lib, path = _load()
