"""adquaif.AdQuaIFRef: a population in the shape of brainpy.state.AdQuaIFRef."""

import numpy as np

from . import _lib
from ._kernel import Error, Kernel

_UNSET = object()


class State:
    """A state variable, like BrainPy's HiddenState: value is a snapshot of
    the state (a copy, so later updates do not change it), and assigning
    value copies the new values in (broadcast to the state's shape)."""

    def __init__(self, array):
        self._a = array

    @property
    def value(self):
        return self._a.copy()

    @value.setter
    def value(self, x):
        self._a[...] = x

    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    def __repr__(self):
        return f"State({self._a!r})"


class AdQuaIFRef:
    """BrainPy's brainpy.state.AdQuaIFRef on the adquaif kernel.

    AdQuaIFRef(size, batch_size=None, ref_var=False, *, R=1, tau=10,
               tau_w=10, tau_ref=1.7, V_th=-30, V_reset=-68, V_rest=-65,
               V_c=-50, c=0.07, a=1, b=0.1, V_initializer=-65,
               w_initializer=0, spk_reset="soft", dt=0.1,
               dtype=numpy.float32, workers=0)

    size is BrainPy's in_size (an int or a shape). Parameters are plain
    numbers in BrainPy's units (mV, ms, mA, ohm, S), or arrays that broadcast
    to size for per-neuron values. The initializers are a number, an array
    that broadcasts to the state's shape, or a callable that takes the
    shape and returns one (as braintools.init's do). dt is brainstate's
    environ dt; the population keeps its own clock, t = (updates since
    init_state or reset_state) * dt.

    The state is allocated at construction (init_state(batch_size)); V, w,
    last_spike_time and, with ref_var, refractory are State objects of shape
    size, or (batch_size,) + size.
    """

    def __init__(self, size, batch_size=None, ref_var=False, *, V_initializer=-65.0, w_initializer=0.0,
                 spk_reset="soft", dt=0.1, dtype=np.float32, workers=0, **params):
        self.varshape = tuple(np.atleast_1d(np.asarray(size, dtype=np.int64)).tolist())
        if any(d <= 0 for d in self.varshape):
            raise Error(_lib.EPARAM, f"adquaif: size {size}: want positive dimensions")
        self.num = int(np.prod(self.varshape))
        self.ref_var, self.dt, self.spk_reset = bool(ref_var), dt, spk_reset
        self.V_initializer, self.w_initializer = V_initializer, w_initializer
        self.dtype = np.dtype(dtype)
        scalars, per = {}, {}
        for name, value in params.items():
            if name not in _lib.PARAM_NAMES:
                raise TypeError(f"AdQuaIFRef: unknown parameter {name!r}; the parameters are {', '.join(_lib.PARAM_NAMES)}")
            if np.ndim(value) == 0:
                scalars[name] = float(value)
            else:
                try:
                    per[name] = np.broadcast_to(np.asarray(value, dtype=self.dtype), self.varshape).ravel()
                except ValueError:
                    raise Error(_lib.ELENGTH, f"adquaif: {name} has shape {np.shape(value)}, which does not broadcast to size {self.varshape}") from None
        self.kernel = Kernel(self.dtype, dt=dt, reset=spk_reset, workers=workers, per_neuron=per or None, **scalars)
        self.params = dict(self.kernel.params, **{name: v.reshape(self.varshape) for name, v in per.items()})
        self.init_state(batch_size)

    def _shape(self, batch_size):
        if batch_size is None:
            return self.varshape
        if int(batch_size) <= 0:
            raise Error(_lib.EPARAM, f"adquaif: batch_size {batch_size}: want None or a size > 0")
        return (int(batch_size),) + self.varshape

    def _init(self, init, shape):
        x = init(shape) if callable(init) else init
        try:
            return np.array(np.broadcast_to(np.asarray(x, dtype=self.dtype), shape), order="C")  # a copy: the state is ours
        except ValueError:
            raise Error(_lib.ELENGTH, f"adquaif: initial value of shape {np.shape(x)} does not broadcast to {shape}") from None

    def init_state(self, batch_size=None, **kwargs):
        """Allocates and initializes the state for batch_size rows (None: no
        batch dimension), as BrainPy's init_state."""
        self.batch_size = batch_size
        shape = self._shape(batch_size)
        self._V = self._init(self.V_initializer, shape)
        self._w = self._init(self.w_initializer, shape)
        self._last = np.full(shape, -1e7, self.dtype)
        self.V, self.w, self.last_spike_time = State(self._V), State(self._w), State(self._last)
        self._ref = None
        if self.ref_var:
            self._ref = np.zeros(shape, np.bool_)
            self.refractory = State(self._ref)
        self.steps = 0

    def reset_state(self, batch_size=_UNSET, **kwargs):
        """Re-initializes the state (BrainPy's reset_state) and restarts the
        clock at t = 0; without batch_size, the batch size is kept."""
        if batch_size is _UNSET:
            batch_size = self.batch_size
        self.init_state(batch_size)

    @property
    def t(self):
        """The time (ms) of the next update, steps*dt rounded in the dtype
        (as in the Go package neuron), so that time does not drift."""
        f = self.dtype.type
        return f(self.steps) * f(self.dt)

    def _input(self, name, x):
        if x is None:
            return None
        shape = self._V.shape
        a = np.asarray(x, dtype=self.dtype)
        if a.shape == shape and a.flags.c_contiguous:
            return a
        try:
            return np.ascontiguousarray(np.broadcast_to(a, shape))
        except ValueError:
            raise Error(_lib.ELENGTH, f"adquaif: {name} of shape {a.shape} does not broadcast to the state's {shape}") from None

    def update(self, x=None, delta=None):
        """Advances every neuron by one step of dt with input current x (mA;
        None: none) and delta input delta (mV, added to V after integration),
        each broadcast to the state's shape, and returns this step's spikes:
        a new array of 1.0 and 0.0 in the state's shape."""
        spike = np.empty(self._V.shape, self.dtype)
        self.kernel.step(self.t, self._V, self._w, self._last, I=self._input("x", x),
                         delta=self._input("delta", delta), spike=spike, refractory=self._ref)
        self.steps += 1
        return spike

    def get_spike(self, V=None):
        """heaviside((V - V_th) / (V_th - V_reset)) of V (default: the state's)."""
        V = self._V if V is None else np.asarray(V, self.dtype)
        vth, vreset = self.params["V_th"], self.params["V_reset"]
        return ((V - vth) / (vth - vreset) >= 0).astype(self.dtype)
