import unittest

import numpy as np

import adquaif


class AdQuaIFRef(unittest.TestCase):
    def test_go_example(self):
        # neuron/example_test.go's Example (BrainPy's own AdQuaIFRef
        # example), whose output go test checks: the same numbers here.
        pop = adquaif.AdQuaIFRef(10, batch_size=1, ref_var=True, tau=10, tau_w=100, tau_ref=2)
        spikes = pop.update(3.0)
        self.assertEqual(spikes.shape, (1, 10))
        self.assertEqual(spikes.sum(), 0)
        self.assertEqual(f"{pop.V.value[0, 0]:.4f}", "-64.9702")
        current = np.float32(5) * np.arange(1, 11, dtype=np.float32)
        count, first = np.zeros(10, int), np.zeros(10, np.float32)
        while pop.t < 100:
            s = pop.update(current)[0]
            new = (s == 1) & (count == 0)
            first[new] = pop.t - np.float32(pop.dt)
            count += s.astype(int)
        got = []
        for i in range(10):
            line = f"I = {current[i]:2.0f} mA: {count[i]:2d} spikes"
            if count[i]:
                line += f", the first at {first[i]:4.1f} ms"
            got.append(line + f"; now w = {pop.w.value[0, i]:.2f} mA, refractory {str(pop.refractory.value[0, i]).lower()}")
        self.assertEqual(got, [
            "I =  5 mA:  0 spikes; now w = 2.66 mA, refractory false",
            "I = 10 mA:  1 spikes, the first at 32.6 ms; now w = 7.26 mA, refractory false",
            "I = 15 mA:  3 spikes, the first at 19.9 ms; now w = 6.40 mA, refractory false",
            "I = 20 mA:  4 spikes, the first at 14.8 ms; now w = 7.27 mA, refractory false",
            "I = 25 mA:  6 spikes, the first at 11.9 ms; now w = 8.26 mA, refractory true",
            "I = 30 mA:  7 spikes, the first at 10.0 ms; now w = 8.33 mA, refractory false",
            "I = 35 mA:  8 spikes, the first at  8.7 ms; now w = 8.43 mA, refractory false",
            "I = 40 mA:  9 spikes, the first at  7.6 ms; now w = 8.57 mA, refractory false",
            "I = 45 mA: 10 spikes, the first at  6.9 ms; now w = 8.80 mA, refractory true",
            "I = 50 mA: 11 spikes, the first at  6.2 ms; now w = 8.90 mA, refractory true",
        ])

    def test_shapes(self):
        for size, batch, shape in ((10, None, (10,)), (10, 3, (3, 10)), ((2, 5), None, (2, 5)), ((2, 5), 4, (4, 2, 5))):
            pop = adquaif.AdQuaIFRef(size, batch_size=batch)
            for st in (pop.V, pop.w, pop.last_spike_time):
                self.assertEqual(st.shape, shape)
            self.assertEqual(pop.update(20).shape, shape)
            self.assertFalse(hasattr(pop, "refractory"))
        pop = adquaif.AdQuaIFRef(4, ref_var=True, dtype=np.float64)
        self.assertEqual(pop.refractory.value.dtype, np.bool_)
        self.assertEqual(pop.V.value.dtype, np.float64)

    def test_matches_kernel(self):
        # Per-neuron parameters shared by batch rows, broadcast inputs:
        # the steps of a Kernel (bit-identical with the Go API) at t = s*dt.
        tau = np.linspace(8, 12, 6)
        pop = adquaif.AdQuaIFRef(6, batch_size=2, ref_var=True, tau=tau, b=0.3, spk_reset="hard",
                                 V_initializer=lambda shape: np.full(shape, -60.0))
        k = adquaif.Kernel(np.float32, reset="hard", per_neuron={"tau": tau}, b=0.3)
        V = np.full(12, -60, np.float32)
        w, last, ref = np.zeros(12, np.float32), np.full(12, -1e7, np.float32), np.zeros(12, np.bool_)
        x = np.linspace(10, 50, 6).astype(np.float32)
        for s in range(400):
            spikes = pop.update(x, delta=0.5 if s % 10 == 0 else None)
            want = np.zeros(12, np.float32)
            k.step(np.float32(s) * np.float32(0.1), V, w, last, I=np.tile(x, 2),
                   delta=np.full(12, 0.5, np.float32) if s % 10 == 0 else None, spike=want, refractory=ref)
            self.assertEqual(spikes.tobytes(), want.tobytes())
        for st, a in ((pop.V, V), (pop.w, w), (pop.last_spike_time, last), (pop.refractory, ref)):
            self.assertEqual(st.value.tobytes(), a.tobytes())
        self.assertGreater(np.sum(last > 0), 0)

    def test_state(self):
        pop = adquaif.AdQuaIFRef(5, V_initializer=np.arange(5) - 70.0)
        np.testing.assert_array_equal(pop.V.value, np.arange(5, dtype=np.float32) - 70)
        snapshot = pop.V.value
        s1, s2 = pop.update(40), pop.update(40)
        self.assertIsNot(s1, s2)  # every update returns a new array, as in BrainPy
        np.testing.assert_array_equal(snapshot, np.arange(5, dtype=np.float32) - 70)  # a value is a snapshot
        pop.V.value = -50
        np.testing.assert_array_equal(pop.V.value, np.full(5, -50, np.float32))
        self.assertEqual(pop.steps, 2)
        pop.reset_state()
        self.assertEqual(pop.steps, 0)
        np.testing.assert_array_equal(pop.V.value, np.arange(5, dtype=np.float32) - 70)
        np.testing.assert_array_equal(pop.last_spike_time.value, np.full(5, -1e7, np.float32))
        pop.reset_state(3)
        self.assertEqual(pop.V.shape, (3, 5))
        pop.init_state()
        self.assertEqual(pop.V.shape, (5,))
        np.testing.assert_array_equal(pop.get_spike(np.array([-31, -30, -29])), [0, 1, 1])

    def test_errors(self):
        with self.assertRaises(TypeError):
            adquaif.AdQuaIFRef(5, tauw=3)
        with self.assertRaises(adquaif.Error) as cm:
            adquaif.AdQuaIFRef(5, tau_w=-1)
        self.assertEqual(cm.exception.code, adquaif.EPARAM)
        with self.assertRaises(adquaif.Error) as cm:
            adquaif.AdQuaIFRef(5, V_th=np.array([-30, -30, -70, -30, -30]))
        self.assertIn("PerNeuron.VTh[2]", str(cm.exception))
        with self.assertRaises(adquaif.Error):
            adquaif.AdQuaIFRef(5, tau=np.ones(3))
        pop = adquaif.AdQuaIFRef(5)
        V = pop.V.value
        with self.assertRaises(adquaif.Error) as cm:
            pop.update(np.ones(4))
        self.assertEqual(cm.exception.code, adquaif.ELENGTH)
        np.testing.assert_array_equal(pop.V.value, V)
        self.assertEqual(pop.steps, 0)


if __name__ == "__main__":
    unittest.main()
