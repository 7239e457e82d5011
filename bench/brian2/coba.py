"""The network of `adquaif network` in Brian2, for a side-by-side comparison.

The COBA benchmark network (Brette et al. 2007) with BrainPy's AdQuaIFRef
neurons at their default parameters: the same sizes, connection probability,
conductances, weights, delay, background drive and initial V as
cmd/adquaif/network.go (drawn from Brian2's own random numbers, so the same
network in distribution, not synapse for synapse).

Two differences that Brian2 imposes, neither of which changes the cost:
- Brian2 integrates with `euler`: its `exponential_euler` refuses the model
  because dv/dt is quadratic in v (the library uses exponential Euler).
- A Brian2 spike detected at step n with delay d acts on the integration of
  step n + d + 1 (synapses run after the state update), where the library's
  acts d steps after the step that emitted it; so Brian2's delay is the
  library's minus one dt.

Run with Debian's Python, which has Debian's python3-brian:
    /usr/bin/python3 bench/brian2/coba.py -duration 1000
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np


def build(duration_ms, directory, n=4000, delay_ms=1.0, seed=1, float32=True):
    """Builds the network in directory as a cpp_standalone project (one
    thread) and runs it once; returns the run's statistics."""
    import brian2 as b2

    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0  # single-threaded
    if float32:
        b2.prefs.core.default_float_dtype = np.float32
    b2.seed(seed)
    dt = 0.1
    b2.defaultclock.dt = dt * b2.ms
    n_exc = int(n * 0.8)
    # BrainPy's defaults for AdQuaIFRef, in mV, ms, mA, ohm, S (unitless
    # here, with time constants in ms).
    params = dict(R=1.0, tau=10.0, tau_w=10.0, V_th=-30.0, V_reset=-68.0, V_rest=-65.0,
                  V_c=-50.0, c=0.07, a=1.0, b=0.1, tau_e=5.0, tau_i=10.0, E_e=0.0, E_i=-80.0)
    eqs = """
    dv/dt = (c*(v - V_rest)*(v - V_c) - R*w + R*(I_drive + ge*(E_e - v) + gi*(E_i - v))) / (tau*ms) : 1 (unless refractory)
    dw/dt = (a*(v - V_rest) - w) / (tau_w*ms) : 1 (unless refractory)
    dge/dt = -ge / (tau_e*ms) : 1
    dgi/dt = -gi / (tau_i*ms) : 1
    I_drive : 1 (constant)
    """
    pop = b2.NeuronGroup(n, eqs, threshold="v >= V_th", reset="v -= V_th - V_reset; w += b",
                         refractory=1.7 * b2.ms, method="euler", namespace=params)
    pop.v = "-65 + 20*rand()"  # uniform in [-65, -45) mV
    pop.I_drive = "36 + 6*rand()"  # uniform in [36, 42) mA
    exc = b2.Synapses(pop, pop, on_pre="ge += 0.1", delay=(delay_ms - dt) * b2.ms)
    exc.connect(condition="i != j and i < n_exc", p=0.02, namespace={"n_exc": n_exc})
    inh = b2.Synapses(pop, pop, on_pre="gi += 1.2", delay=(delay_ms - dt) * b2.ms)
    inh.connect(condition="i != j and i >= n_exc", p=0.02, namespace={"n_exc": n_exc})
    spikes = b2.SpikeMonitor(pop)
    b2.run(duration_ms * b2.ms)
    b2.device.build(directory=directory, compile=True, run=True, with_output=False)

    i = np.asarray(spikes.i[:])
    t = np.asarray(spikes.t[:] / b2.ms)
    counts = np.bincount(i, minlength=n)
    order = np.lexsort((t, i))
    i, t = i[order], t[order]
    cvs = []
    starts = np.searchsorted(i, np.arange(n + 1))
    for j in range(n):
        ts = t[starts[j]:starts[j + 1]]
        if len(ts) >= 3:
            isi = np.diff(ts)
            cvs.append(isi.std() / isi.mean())
    sec = duration_ms / 1000
    stats = dict(
        total_spikes=int(counts.sum()),
        rate_exc=float(counts[:n_exc].sum() / n_exc / sec),
        rate_inh=float(counts[n_exc:].sum() / (n - n_exc) / sec),
        isi_cv=float(np.mean(cvs)) if cvs else float("nan"),
        synapses=int(len(exc) + len(inh)),
        run_seconds=run_time(directory),
    )
    return stats


def run_time(directory):
    """The seconds the last run of the standalone program spent in its
    network's run loop (Brian2's own measure, without set-up)."""
    with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
        return float(f.read().split()[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-duration", type=float, default=1000, help="model time in ms")
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("-delay", type=float, default=1.0, help="the library's delay in ms")
    ap.add_argument("-seed", type=int, default=1)
    ap.add_argument("-float64", action="store_true", help="float64 state (default float32, as the library's default)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        stats = build(args.duration, d, args.n, args.delay, args.seed, not args.float64)
    json.dump(stats, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
