// Package naive is the AdQuaIFRef step as a straightforward Go loop over
// float32 state, computing in float64 with math.Expm1: the baseline the
// library's generic path is measured against (bench_test.go and
// bench/compare).
package naive

import (
	"math"

	"github.com/adquaif/adquaif/kernel"
)

// Step advances every neuron of b by dt at time t, as docs/CONTRACT.md writes it.
func Step(b kernel.Buffers[float32], p kernel.Params[float64], dt, t float64) {
	exprel := func(z float64) float64 {
		if z == 0 {
			return 1
		}
		return math.Expm1(z) / z
	}
	for j := range b.V {
		V, w := float64(b.V[j]), float64(b.W[j])
		spk := 0.0
		if V >= p.VTh {
			spk = 1
		}
		v := V - (p.VTh-p.VReset)*spk
		u := w + p.B*spk
		f := (p.C*(v-p.VRest)*(v-p.VC) - p.R*u + p.R*float64(b.I[j])) / p.Tau
		J := p.C * ((v - p.VRest) + (v - p.VC)) / p.Tau
		vc := v + dt*exprel(dt*J)*f
		g := (p.A*(vc-p.VRest) - u) / p.TauW
		wc := u + dt*exprel(-dt/p.TauW)*g
		if t-float64(b.LastSpike[j]) < p.TauRef {
			vc, wc = v, u
		}
		b.V[j], b.W[j] = float32(vc), float32(wc)
		b.Spike[j] = 0
		if vc >= p.VTh {
			b.LastSpike[j] = float32(t)
			b.Spike[j] = 1
		}
	}
}
