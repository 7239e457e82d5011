package kernel

import (
	"math"
	"testing"
)

// The hard reset is docs/CONTRACT.md's v = V - (V - V_reset)*spk on every
// path, bit for bit where a neuron spiked: NaN for V = +Inf, and the
// rounding of V - (V - V_reset) for a large V. A neuron that did not spike
// keeps its V, -Inf and -0 included (see asm/step.Step). While refractory
// V' = v, so V' shows the reset itself.
func TestHardReset(t *testing.T) {
	defer SetISA(ISA())
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		t.Run(path+"/float32", testHardReset[float32])
		t.Run(path+"/float64", testHardReset[float64])
	}
}

func testHardReset[F Float](t *testing.T) {
	inf := F(math.Inf(1))
	negZero := F(math.Copysign(0, -1))
	big := F(math.MaxFloat32)
	for _, pc := range []struct {
		vth, vreset F
		vs          []F
	}{
		{-30, -68, []F{inf, -inf, F(math.NaN()), negZero, 0, 1e30, big, 1e9, 12345.678, -30, -29.999, -30.001, -68, -1e30}},
		// V_reset >= 0: the literal product would turn -0 into +0.
		{10, 0, []F{negZero, 0, -inf, 10, 1e20}},
	} {
		p := Defaults[F]()
		p.VTh, p.VReset = pc.vth, pc.vreset
		k, err := New(Config[F]{Params: p, DT: 0.1, Reset: HardReset})
		if err != nil {
			t.Fatal(err)
		}
		const tm = 100
		for _, refractory := range []bool{true, false} {
			// Every value at several lanes and in a tail.
			n := 5*len(pc.vs) + 3
			V, W, L := make([]F, n), make([]F, n), make([]F, n)
			for j := range n {
				V[j], W[j], L[j] = pc.vs[j%len(pc.vs)], 0.5, -1e7
				if refractory {
					L[j] = tm // t - last = 0 < tau_ref
				}
			}
			if err := k.Step(tm, Buffers[F]{V: V, W: W, LastSpike: L}); err != nil {
				t.Fatal(err)
			}
			for j := range n {
				x := pc.vs[j%len(pc.vs)]
				want := x
				if x >= pc.vth {
					want = x - (x - pc.vreset)
				}
				switch {
				case refractory && !sameBits(V[j], want):
					t.Errorf("V_th %v, V_reset %v, V = %v, refractory: V' = %v, want the reset %v", pc.vth, pc.vreset, x, V[j], want)
				case !refractory && x == inf && V[j] == V[j]:
					t.Errorf("V_th %v, V_reset %v, V = +Inf: V' = %v, want NaN", pc.vth, pc.vreset, V[j])
				}
			}
		}
	}
}
