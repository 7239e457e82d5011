"""adquaif: BrainPy's AdQuaIFRef neurons stepped by the adquaif kernel.

A binding of the C library (capi/adquaif.h) with ctypes and numpy. The
results are the Go API's, to the bit.

    import numpy as np, adquaif
    k = adquaif.Kernel(np.float32, dt=0.1, tau_w=100)
    V = np.full(1000, -65, np.float32); w = np.zeros_like(V); last = np.full_like(V, -1e7)
    I = np.linspace(0, 60, 1000, dtype=np.float32)
    k.run(0.0, 10_000, V, w, last, I=I)   # one second, updating V, w, last in place

k.backward carries a loss's gradients back through one step (surrogate
gradients, BrainPy's ReluGrad; Kernel(..., surrogate=(alpha, width))).
adquaif.AdQuaIFRef is the same in BrainPy's shape (brainpy.state.AdQuaIFRef).
The library is found next to this file (pip install builds it there) or at
the path in the environment variable ADQUAIF_LIB. Calls release the GIL, so
threads can step disjoint populations at once. Go's runtime, inside the
library, does not survive fork(): with multiprocessing, use the "spawn" or
"forkserver" start method (a forked child's calls with workers > 1 hang).
"""

from ._lib import EPARAM, ELENGTH, EOVERLAP, EHANDLE, EISA, ENULL, EINTERNAL
from ._kernel import Error, Kernel, available, defaults, isa, set_isa
from ._neuron import AdQuaIFRef, State

__all__ = ["AdQuaIFRef", "Error", "Kernel", "State", "available", "defaults", "isa", "set_isa",
           "EPARAM", "ELENGTH", "EOVERLAP", "EHANDLE", "EISA", "ENULL", "EINTERNAL"]
