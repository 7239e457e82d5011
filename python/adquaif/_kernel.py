"""adquaif.Kernel: the C API's kernel on numpy arrays."""

import ctypes
import threading

import numpy as np

from . import _lib
from ._lib import lib

_ERRLEN = 512


class Error(ValueError):
    """A call the library refused, with the Go API's message. code is one of
    adquaif.EPARAM, ELENGTH, EOVERLAP, EHANDLE, EISA (adquaif.h's codes).
    Nothing was written by a refused call."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


_local = threading.local()


def _errbuf():
    """This thread's buffer for error messages (making one costs more than a
    small call)."""
    try:
        return _local.err
    except AttributeError:
        _local.err = ctypes.create_string_buffer(_ERRLEN)
        return _local.err


def _check(code, err):
    if code != 0:
        raise Error(code, err.value.decode("utf-8", "replace"))


def isa():
    """The execution path that steps use: "avx512", "avx2", "neon" or "generic"."""
    return lib.adquaif_isa().decode()


def available():
    """The paths this CPU can run, best first; "generic" is always last."""
    return lib.adquaif_available().decode().split(" ")


def set_isa(name):
    """Forces a path for every kernel of the process; Error if this CPU lacks it."""
    err = _errbuf()
    _check(lib.adquaif_set_isa(str(name).encode(), err, _ERRLEN), err)


def defaults():
    """BrainPy's default parameters, as a dict of BrainPy's names."""
    p = _lib.Params()
    lib.adquaif_defaults(ctypes.byref(p))
    return {name: getattr(p, name) for name in _lib.PARAM_NAMES}


_DEFAULTS = defaults()
_DTYPES = {np.dtype(np.float32): ("f32", _lib.Buffers32, _lib.Grads32), np.dtype(np.float64): ("f64", _lib.Buffers64, _lib.Grads64)}
_RESETS = {"soft": 0, "hard": 1}


def _array(name, a, dtype, writable):
    """a's address, after the checks that keep a C call from dropping an update
    or reading the wrong type: an ndarray of dtype, C-contiguous, writable if
    the call writes it."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name}: want a numpy.ndarray of {dtype}, got {type(a).__name__}")
    if a.dtype != dtype:
        raise TypeError(f"{name}: want dtype {dtype}, got {a.dtype}")
    if not a.flags.c_contiguous:
        raise TypeError(f"{name}: want a C-contiguous array (numpy.ascontiguousarray makes one)")
    if a.flags.writeable and a.size:
        return ctypes.addressof(ctypes.c_byte.from_buffer(a))  # a quarter of a.ctypes.data's cost
    if writable:
        raise TypeError(f"{name}: the array is read-only, and the call writes it")
    return a.ctypes.data


def _rows(name, a, per):
    """The rows of per values that a holds: its size is rows*per, and a
    multi-row array has the rows along its first axis."""
    if per == 0:
        return a.shape[0] if a.ndim > 1 else 1
    if a.size == per:
        return 1
    if a.ndim > 1 and a.shape[0] * per == a.size:
        return a.shape[0]
    raise Error(_lib.ELENGTH, f"adquaif: {name} has shape {a.shape}: want {per} values, or rows of {per} along the first axis")


class Kernel:
    """A kernel: validated parameters and the constants every step reuses.

    Kernel(dtype, dt=0.1, reset="soft", workers=0, per_neuron=None, surrogate=None, **params)

    dtype is numpy.float32 or numpy.float64; params are scalars with
    BrainPy's names (R, tau, tau_w, tau_ref, V_th, V_reset, V_rest, V_c, c,
    a, b; BrainPy's defaults for the others); per_neuron maps some of these
    names to arrays of one value per neuron, all of one length m (the state
    may then hold several batch rows of m neurons). workers threads share
    each call; results do not depend on it. surrogate is (alpha, width) of
    the spike function's derivative that backward uses, BrainPy's
    ReluGrad(alpha, width); None (or a 0) takes BrainPy's (0.3, 1). Invalid
    values raise Error, naming the parameter.

    One kernel may step any number of disjoint populations, also from
    several threads at once: it holds no state.
    """

    def __init__(self, dtype, dt=0.1, reset="soft", workers=0, per_neuron=None, surrogate=None, **params):
        self.dtype = np.dtype(dtype)
        if self.dtype not in _DTYPES:
            raise TypeError(f"Kernel: dtype {self.dtype}: want numpy.float32 or numpy.float64")
        if reset not in _RESETS:
            raise Error(_lib.EPARAM, f"adquaif: reset = {reset!r}: want 'soft' or 'hard'")
        real, self._Buffers, self._Grads = _DTYPES[self.dtype]
        self._handle = 0
        self._new = getattr(lib, "adquaif_new_" + real)
        self._step = getattr(lib, "adquaif_step_" + real)
        self._run = getattr(lib, "adquaif_run_" + real)
        self._backward = getattr(lib, "adquaif_backward_" + real)
        self._free = lib.adquaif_free  # kept: __del__ may run after the module's globals are gone
        p = _lib.Params()
        lib.adquaif_defaults(ctypes.byref(p))
        for name, value in params.items():
            if name not in _lib.PARAM_NAMES:
                raise TypeError(f"Kernel: unknown parameter {name!r}; the parameters are {', '.join(_lib.PARAM_NAMES)}")
            if np.ndim(value) != 0:
                raise TypeError(f"Kernel: {name} must be a scalar; give per-neuron values in per_neuron")
            setattr(p, name, float(value))
        self.params = {name: getattr(p, name) for name in _lib.PARAM_NAMES}
        self.dt, self.reset, self.workers = dt, reset, workers
        per, n, keep = None, 0, []  # keep: the arrays live until the library has copied them
        if per_neuron is not None:
            per = (ctypes.c_void_p * len(_lib.PARAM_NAMES))()
            first = None
            for name, values in per_neuron.items():
                if name not in _lib.PARAM_NAMES:
                    raise TypeError(f"Kernel: unknown per_neuron parameter {name!r}; the parameters are {', '.join(_lib.PARAM_NAMES)}")
                a = np.ascontiguousarray(values, dtype=self.dtype).ravel()  # copied by the library anyway
                if first is None:
                    first, n = name, a.size
                elif a.size != n:
                    raise Error(_lib.ELENGTH, f"adquaif: per_neuron[{name!r}] has {a.size} values, per_neuron[{first!r}] {n}")
                keep.append(a)
                per[_lib.PARAM_NAMES.index(name)] = a.ctypes.data
        self.n = n  # the per-neuron population size, 0 for a homogeneous kernel
        err = _errbuf()
        h = ctypes.c_uint64()
        _check(self._new(ctypes.byref(p), per, n, dt, _RESETS[reset], int(workers), ctypes.byref(h), err, _ERRLEN), err)
        self._handle = h.value
        self.surrogate = surrogate
        if surrogate is not None:
            alpha, width = surrogate
            s = ctypes.c_uint64()
            code = lib.adquaif_with_surrogate(self._handle, float(alpha), float(width), ctypes.byref(s), err, _ERRLEN)
            self.close()
            _check(code, err)
            self._handle = s.value

    def __repr__(self):
        changed = "".join(f", {k}={v!r}" for k, v in self.params.items() if v != _DEFAULTS[k])
        per = f", per_neuron=<{self.n} neurons>" if self.n else ""
        sur = f", surrogate={self.surrogate!r}" if self.surrogate is not None else ""
        return f"Kernel({self.dtype.name}, dt={self.dt!r}, reset={self.reset!r}, workers={self.workers}{per}{sur}{changed})"

    def close(self):
        """Frees the kernel; later calls raise Error with code EHANDLE."""
        h, self._handle = self._handle, 0
        if h:
            self._free(h)

    def __del__(self):
        if getattr(self, "_handle", 0):
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _buffers(self, V, w, last, I, G, delta, spike, refractory, spike_bits, writes_state=True):
        dt = self.dtype
        b = self._Buffers()
        b.V = _array("V", V, dt, writes_state)
        n = b.n = V.size
        b.w, b.last = _array("w", w, dt, writes_state), _array("last", last, dt, writes_state)
        for name, a in (("w", w), ("last", last)):
            if a.size != n:
                raise Error(_lib.ELENGTH, f"adquaif: {name} has {a.size} values, V has {n}")
        rows = {}
        for name, a in (("I", I), ("G", G), ("delta", delta)):
            if a is not None:
                setattr(b, name, _array(name, a, dt, False))
                rows[name] = _rows(name, a, n)
        b.in_rows = _same_rows(rows, "inputs")
        rows = {}
        if spike is not None:
            b.spike = _array("spike", spike, dt, True)
            rows["spike"] = _rows("spike", spike, n)
        if refractory is not None:
            if getattr(refractory, "dtype", None) not in (np.bool_, np.uint8):
                raise TypeError(f"refractory: want a numpy.ndarray of bool or uint8, got {getattr(refractory, 'dtype', type(refractory).__name__)}")
            b.refractory = _array("refractory", refractory, refractory.dtype, True)
            rows["refractory"] = _rows("refractory", refractory, n)
        if spike_bits is not None:
            b.spike_bits = _array("spike_bits", spike_bits, np.dtype(np.uint64), True)
            rows["spike_bits"] = _rows("spike_bits", spike_bits, (n + 63) // 64)
        b.out_rows = _same_rows(rows, "outputs")
        return b

    def step(self, t, V, w, last, I=None, G=None, delta=None, spike=None, refractory=None, spike_bits=None):
        """Advances every neuron by one step of dt at time t (ms), updating V,
        w and last (the last spike times) in place.

        I (current, mA), G (input conductance, S: the input is I - G*V) and
        delta (mV, added to V after integration) are optional inputs of V's
        size; spike (1 or 0, the kernel's dtype), refractory (bool or uint8:
        BrainPy's ref_var) and spike_bits (uint64, (n+63)//64 words: neuron i
        is bit i%64 of word i//64) are optional outputs. Every array must be
        C-contiguous and of the kernel's dtype (TypeError otherwise); a
        refused call raises Error and writes nothing."""
        b = self._buffers(V, w, last, I, G, delta, spike, refractory, spike_bits)
        err = _errbuf()
        _check(self._step(self._handle, t, ctypes.byref(b), err, _ERRLEN), err)

    def run(self, t0, steps, V, w, last, I=None, G=None, delta=None, spike=None, refractory=None, spike_bits=None):
        """Advances every neuron by steps steps, step s at t0 + s*dt, giving to
        the bit what steps calls of step would, much faster.

        The keywords are step's. I, G and delta hold one row of V's size (held
        for every step) or steps rows, shape (steps, n); spike, refractory and
        spike_bits receive one row (the last step) or steps rows (every step).
        The inputs share one row count, and so do the outputs."""
        steps = int(steps)
        if steps < 0:  # size_t cannot carry it to the Go API, whose refusal this is
            raise Error(_lib.EPARAM, f"kernel: steps = {steps}: out of range: want a number of steps >= 0")
        b = self._buffers(V, w, last, I, G, delta, spike, refractory, spike_bits)
        err = _errbuf()
        _check(self._run(self._handle, t0, steps, ctypes.byref(b), err, _ERRLEN), err)


    def backward(self, t, V, w, last, gV, gw, I=None, G=None, delta=None, gspike=None, gI=None, gG=None, gdelta=None):
        """The backward step of step(t, V, w, last, I=I, G=G, delta=delta):
        the vector-Jacobian product of the step, jax.vjp of BrainPy's update
        with the surrogate's derivative for the spike function.

        V, w, last, I, G and delta are the state before the step and its
        inputs (one row), and are only read. gV and gw hold dL/dV' and dL/dw'
        after the step and receive dL/dV and dL/dw before it, in place;
        gspike (dL/dspike') is an optional input; gI, gG and gdelta receive
        dL/dI, dL/dG and dL/ddelta if given. Every array has V's size and the
        kernel's dtype."""
        b = self._buffers(V, w, last, I, G, delta, None, None, None, writes_state=False)
        n, dt = b.n, self.dtype
        g = self._Grads()
        for name, a, writable, required in (("gV", gV, True, True), ("gw", gw, True, True), ("gspike", gspike, False, False),
                                            ("gI", gI, True, False), ("gG", gG, True, False), ("gdelta", gdelta, True, False)):
            if a is None and not required:
                continue
            setattr(g, {"gV": "V", "gw": "w", "gspike": "spike", "gI": "I", "gG": "G", "gdelta": "delta"}[name],
                    _array(name, a, dt, writable))
            if a.size != n:
                raise Error(_lib.ELENGTH, f"adquaif: {name} has {a.size} values, V has {n}")
        err = _errbuf()
        _check(self._backward(self._handle, t, ctypes.byref(b), ctypes.byref(g), err, _ERRLEN), err)


def _same_rows(rows, what):
    counts = set(rows.values())
    if len(counts) > 1:
        listed = ", ".join(f"{name} {r}" for name, r in rows.items())
        raise Error(_lib.ELENGTH, f"adquaif: the {what} have different row counts ({listed}): the C API takes one for all")
    return counts.pop() if counts else 1
