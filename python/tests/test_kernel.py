import threading
import unittest

import numpy as np

import adquaif
from tests.goref import go_api


def state(n, dtype, rng):
    V = rng.uniform(-75, -25, n).astype(dtype)
    V[::17] = -30  # on the threshold
    V[5::23] = np.nan
    w = rng.uniform(-5, 5, n).astype(dtype)
    last = rng.uniform(7, 10, n).astype(dtype)
    last[::3] = -1e7
    return V, w, last


class BitIdentity(unittest.TestCase):
    """Kernel.step and Kernel.run give the Go API's bits on the same inputs."""

    def test_go_api(self):
        rng = np.random.default_rng(7)
        cases, calls = [], []
        for dtype in (np.float32, np.float64):
            dname = np.dtype(dtype).name
            for reset in ("soft", "hard"):
                for n, steps, in_rows, out_rows, per, workers, with_g in (
                        (1, 0, 1, 1, False, 0, False), (130, 0, 1, 1, False, 0, False), (130, 7, 7, 7, False, 0, False),
                        (200, 64, 1, 64, False, 0, False), (3 * 37, 9, 9, 1, True, 0, False),
                        (4096, 80, 1, 1, False, 2, False), (75, 5, 5, 5, False, 0, True)):
                    V, w, last = state(n, dtype, rng)
                    I = rng.uniform(-20, 60, (in_rows, n)).astype(dtype)
                    delta = rng.uniform(-2, 2, (in_rows, n)).astype(dtype)
                    G = rng.uniform(0, 0.5, (in_rows, n)).astype(dtype) if with_g else None
                    per_neuron = {"tau": rng.uniform(8, 12, 37), "V_th": rng.uniform(-32, -28, 37)} if per else None
                    params = {"tau_w": 100.0, "b": 0.5}
                    t0 = 10.0
                    case = dict(DType=dname, Reset=reset, DT=0.1, T0=t0, Steps=steps, Workers=workers, Params=params,
                                V=V, W=w, Last=last, I=I, Delta=delta, G=G,
                                Spike=out_rows, Refractory=out_rows, SpikeBits=out_rows)
                    if per_neuron:
                        case["PerNeuron"] = {k: v.astype(dtype) for k, v in per_neuron.items()}
                    cases.append(case)
                    calls.append((dtype, reset, n, steps, out_rows, workers, per_neuron, params, t0, V, w, last, I, G, delta))
        results = go_api(cases)
        for call, want in zip(calls, results):
            dtype, reset, n, steps, out_rows, workers, per_neuron, params, t0, V, w, last, I, G, delta = call
            name = f"{np.dtype(dtype).name} {reset} n={n} steps={steps} workers={workers} per={bool(per_neuron)} G={G is not None}"
            with self.subTest(name):
                self.assertEqual(want["Error"], "")
                k = adquaif.Kernel(dtype, dt=0.1, reset=reset, workers=workers, per_neuron=per_neuron, **params)
                V, w, last = V.copy(), w.copy(), last.copy()
                spike = np.zeros((out_rows, n), dtype)
                ref = np.zeros((out_rows, n), np.bool_)
                bits = np.zeros((out_rows, (n + 63) // 64), np.uint64)
                outs = dict(I=I, G=G, delta=delta, spike=spike, refractory=ref, spike_bits=bits)
                if steps == 0:
                    k.step(t0, V, w, last, **{kk: (v[0] if v is not None else None) for kk, v in outs.items()})
                else:
                    k.run(t0, steps, V, w, last, **outs)
                for got, key in ((V, "V"), (w, "W"), (last, "Last"), (spike, "Spike"), (ref, "Refractory"), (bits, "SpikeBits")):
                    self.assertEqual(got.tobytes(), want[key], key)


class Backward(unittest.TestCase):
    """Kernel.backward gives the Go API's bits, reads the state only, and
    refuses what the Go API refuses."""

    def test_go_api(self):
        rng = np.random.default_rng(11)
        cases, calls = [], []
        for dtype in (np.float32, np.float64):
            for reset in ("soft", "hard"):
                for n, per, surrogate, full in ((1, False, None, False), (130, False, None, True), (3 * 37, True, (0.5, 2.0), True)):
                    V, w, last = state(n, dtype, rng)
                    I, G, delta = (rng.uniform(lo, hi, n).astype(dtype) for lo, hi in ((-20, 60), (0, 0.5), (-2, 2)))
                    gV, gw, gs = (rng.uniform(-1, 1, n).astype(dtype) for _ in range(3))
                    per_neuron = {"tau": rng.uniform(8, 12, 37).astype(dtype), "b": rng.uniform(0, 1, 37).astype(dtype)} if per else None
                    case = dict(DType=np.dtype(dtype).name, Reset=reset, DT=0.1, T0=10.0, Params={"tau_w": 100.0},
                                V=V, W=w, Last=last, Backward=True, GV=gV, GW=gw)
                    if full:
                        case.update(I=I, G=G, Delta=delta, GSpike=gs, GI=True, GG=True, GDelta=True)
                    if surrogate:
                        case["Alpha"], case["Width"] = surrogate
                    if per_neuron:
                        case["PerNeuron"] = per_neuron
                    cases.append(case)
                    calls.append((dtype, reset, n, per_neuron, surrogate, full, V, w, last, I, G, delta, gV, gw, gs))
        for call, want in zip(calls, go_api(cases)):
            dtype, reset, n, per_neuron, surrogate, full, V, w, last, I, G, delta, gV, gw, gs = call
            with self.subTest(f"{np.dtype(dtype).name} {reset} n={n} surrogate={surrogate}"):
                self.assertEqual(want["Error"], "")
                k = adquaif.Kernel(dtype, reset=reset, per_neuron=per_neuron, surrogate=surrogate, tau_w=100)
                state0 = [a.copy() for a in (V, w, last)]
                gV, gw = gV.copy(), gw.copy()
                if full:
                    outs = [np.zeros(n, dtype) for _ in range(3)]
                    k.backward(10.0, V, w, last, gV, gw, I=I, G=G, delta=delta, gspike=gs, gI=outs[0], gG=outs[1], gdelta=outs[2])
                    for got, key in zip(outs, ("GI", "GG", "GDelta")):
                        self.assertEqual(got.tobytes(), want[key], key)
                else:
                    k.backward(10.0, V, w, last, gV, gw)
                self.assertEqual(gV.tobytes(), want["GV"])
                self.assertEqual(gw.tobytes(), want["GW"])
                for a, b in zip((V, w, last), state0):
                    self.assertEqual(a.tobytes(), b.tobytes())

    def test_errors(self):
        k = adquaif.Kernel(np.float32)
        V, w, last = population()
        V.flags.writeable = False  # only read: allowed
        gV, gw, gI = np.ones(8, np.float32), np.ones(8, np.float32), np.full(8, 3, np.float32)
        Errors.assertRefused(self, adquaif.EOVERLAP, lambda: k.backward(0, V, w, last, gV, gw, gI=w), w, gV, gw)
        Errors.assertRefused(self, adquaif.ELENGTH, lambda: k.backward(0, V, w, last, gV, gw[:4], gI=gI), gV, gw, gI)
        Errors.assertRefused(self, adquaif.ELENGTH, lambda: k.backward(0, V, w, last, gV, gw, I=np.zeros((2, 8), np.float32)), gV, gw)
        msg = Errors.assertRefused(self, adquaif.EPARAM, lambda: adquaif.Kernel(np.float64, surrogate=(-1, 1)))
        self.assertEqual(msg, "kernel: Surrogate.Alpha = -1: out of range: want a value >= 0 (0: BrainPy's default)")
        with self.assertRaises(TypeError):
            k.backward(0, V, w, last, gV.astype(np.float64), gw)
        ro = gV.copy()
        ro.flags.writeable = False
        with self.assertRaises(TypeError):
            k.backward(0, V, w, last, ro, gw)
        k.backward(0, V, w, last, gV, gw, gI=gI)
        self.assertFalse(np.array_equal(gI, np.full(8, 3, np.float32)))
        self.assertEqual(repr(adquaif.Kernel(np.float32, surrogate=(0.5, 2))), "Kernel(float32, dt=0.1, reset='soft', workers=0, surrogate=(0.5, 2))")


def population(n=8, dtype=np.float32):
    V = np.full(n, -65, dtype)
    return V, np.zeros(n, dtype), np.full(n, -1e7, dtype)


class Errors(unittest.TestCase):
    """Every error code reachable from Python, with the Go message, and a
    refused call writes nothing."""

    def assertRefused(self, code, f, *arrays):
        before = [a.copy() for a in arrays]
        with self.assertRaises(adquaif.Error) as cm:
            f()
        self.assertEqual(cm.exception.code, code, str(cm.exception))
        self.assertIsInstance(cm.exception, ValueError)
        for a, b in zip(arrays, before):
            np.testing.assert_array_equal(a, b)
        return str(cm.exception)

    def test_param(self):
        msg = self.assertRefused(adquaif.EPARAM, lambda: adquaif.Kernel(np.float32, tau=0))
        self.assertEqual(msg, "kernel: Params.Tau = 0: out of range: want a value > 0")
        msg = self.assertRefused(adquaif.EPARAM, lambda: adquaif.Kernel(np.float64, per_neuron={"V_th": [-30, -70]}))
        self.assertEqual(msg, "kernel: PerNeuron.VTh[1] = -70: out of range: want V_th > V_reset = -68")
        self.assertRefused(adquaif.EPARAM, lambda: adquaif.Kernel(np.float32, dt=float("nan")))
        self.assertRefused(adquaif.EPARAM, lambda: adquaif.Kernel(np.float32, reset="medium"))
        self.assertRefused(adquaif.EPARAM, lambda: adquaif.Kernel(np.float32, workers=-1))
        k = adquaif.Kernel(np.float32)
        V, w, last = population()
        msg = self.assertRefused(adquaif.EPARAM, lambda: k.run(0, -1, V, w, last), V, w, last)
        self.assertEqual(msg, "kernel: steps = -1: out of range: want a number of steps >= 0")
        msg = self.assertRefused(adquaif.EPARAM, lambda: k.step(float("nan"), V, w, last), V, w, last)
        self.assertTrue(msg.startswith("kernel: t = NaN: not finite"), msg)

    def test_length(self):
        k = adquaif.Kernel(np.float32)
        V, w, last = population(8)
        spike = np.full(8, 7, np.float32)
        msg = self.assertRefused(adquaif.ELENGTH, lambda: k.run(0, 3, V, w, last, I=np.zeros((2, 8), np.float32), spike=spike),
                                 V, w, last, spike)
        self.assertEqual(msg, "kernel: Buffers.I: length mismatch: length 16, want 8 or 3 rows of it for 3 steps (V has 8)")
        self.assertRefused(adquaif.ELENGTH, lambda: k.step(0, V, w[:4], last), V, w, last)
        self.assertRefused(adquaif.ELENGTH, lambda: k.step(0, V, w, last, I=np.zeros(5, np.float32)), V, w, last)
        self.assertRefused(adquaif.ELENGTH, lambda: k.run(0, 2, V, w, last, I=np.zeros((2, 8), np.float32),
                                                          delta=np.zeros(8, np.float32)), V, w, last)
        kp = adquaif.Kernel(np.float32, per_neuron={"tau": [10, 11, 12]})
        self.assertRefused(adquaif.ELENGTH, lambda: kp.step(0, V, w, last), V, w, last)
        self.assertRefused(adquaif.ELENGTH, lambda: adquaif.Kernel(np.float32, per_neuron={"tau": [10, 11], "b": [1]}))

    def test_overlap(self):
        k = adquaif.Kernel(np.float64)
        V, w, last = population(8, np.float64)
        msg = self.assertRefused(adquaif.EOVERLAP, lambda: k.step(0, V, w, last, spike=V), V, w, last)
        self.assertEqual(msg, "kernel: Buffers.V/Spike: buffers overlap: a buffer the step writes must not share memory with another buffer")
        self.assertRefused(adquaif.EOVERLAP, lambda: k.step(0, V, w, last, I=w), V, w, last)

    def test_handle(self):
        k = adquaif.Kernel(np.float32)
        V, w, last = population()
        k.close()
        k.close()
        msg = self.assertRefused(adquaif.EHANDLE, lambda: k.step(0, V, w, last), V, w, last)
        self.assertIn("is not a live kernel", msg)

    def test_isa(self):
        self.assertIn(adquaif.isa(), adquaif.available())
        self.assertEqual(adquaif.available()[-1], "generic")
        msg = self.assertRefused(adquaif.EISA, lambda: adquaif.set_isa("vax"))
        self.assertTrue(msg.startswith('kernel: ISA "vax" is not available on this CPU'), msg)
        was = adquaif.isa()
        try:
            adquaif.set_isa("generic")
            self.assertEqual(adquaif.isa(), "generic")
        finally:
            adquaif.set_isa(was)


class Types(unittest.TestCase):
    """Arrays the library cannot update in place are refused with TypeError,
    never copied silently."""

    def test_types(self):
        k = adquaif.Kernel(np.float32)
        V, w, last = population()
        for args, kw in (
                ((V.astype(np.float64), w, last), {}),
                ((list(V), w, last), {}),
                ((np.zeros((8, 2), np.float32)[:, 0], w, last), {}),
                ((V, w, last), {"I": np.zeros(8, np.float64)}),
                ((V, w, last), {"refractory": np.zeros(8, np.int32)}),
                ((V, w, last), {"spike_bits": np.zeros(1, np.int64)}),
        ):
            with self.subTest(kw=list(kw), dtype=getattr(args[0], "dtype", None)):
                with self.assertRaises(TypeError):
                    k.step(0, *args, **kw)
        ro = V.copy()
        ro.flags.writeable = False
        with self.assertRaises(TypeError):
            k.step(0, ro, w, last)
        with self.assertRaises(TypeError):
            adquaif.Kernel(np.int32)
        with self.assertRaises(TypeError):
            adquaif.Kernel(np.float32, tauw=3)
        with self.assertRaises(TypeError):
            adquaif.Kernel(np.float32, tau=np.ones(3))
        np.testing.assert_array_equal(V, population()[0])

    def test_read_only_input(self):
        k = adquaif.Kernel(np.float32)
        V, w, last = population()
        I = np.full(8, 30, np.float32)
        I.flags.writeable = False  # inputs are only read
        k.step(0, V, w, last, I=I, refractory=np.zeros(8, np.uint8))


class Behaviour(unittest.TestCase):
    def test_run_is_steps(self):
        for dtype in (np.float32, np.float64):
            k = adquaif.Kernel(dtype, reset="hard", tau_w=50)
            V1, w1, l1 = population(100, dtype)
            V2, w2, l2 = population(100, dtype)
            I = np.linspace(0, 60, 100).astype(dtype)
            spikes = np.zeros((300, 100), dtype)
            k.run(0, 300, V1, w1, l1, I=I, spike=spikes)
            one = np.zeros(100, dtype)
            for s in range(300):
                k.step(dtype(0) + dtype(s) * dtype(0.1), V2, w2, l2, I=I, spike=one)
                np.testing.assert_array_equal(one, spikes[s])
            for a, b in ((V1, V2), (w1, w2), (l1, l2)):
                self.assertEqual(a.tobytes(), b.tobytes())
            self.assertGreater(spikes.sum(), 0)

    def test_threads(self):
        # Calls release the GIL; one kernel steps disjoint populations at once.
        k = adquaif.Kernel(np.float32)
        pops = [population(1000) for _ in range(4)]
        I = np.full(1000, 30, np.float32)
        threads = [threading.Thread(target=k.run, args=(0, 500, *p), kwargs={"I": I}) for p in pops]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in pops[1:]:
            np.testing.assert_array_equal(p[0], pops[0][0])
        self.assertFalse(np.array_equal(pops[0][0], population(1000)[0]))

    def test_repr(self):
        k = adquaif.Kernel(np.float64, dt=0.05, reset="hard", tau_w=100, per_neuron={"b": [0.1, 0.2]})
        self.assertEqual(repr(k), "Kernel(float64, dt=0.05, reset='hard', workers=0, per_neuron=<2 neurons>, tau_w=100.0)")

    def test_defaults(self):
        self.assertEqual(adquaif.defaults(), {"R": 1, "tau": 10, "tau_w": 10, "tau_ref": 1.7, "V_th": -30, "V_reset": -68,
                                              "V_rest": -65, "V_c": -50, "c": 0.07, "a": 1, "b": 0.1})


if __name__ == "__main__":
    unittest.main()
