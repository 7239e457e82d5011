package fuzz

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/adquaif/adquaif/internal/reference"
	"github.com/adquaif/adquaif/kernel"
)

// FuzzBackward's first argument has FuzzAccuracy's flag bits (flagNoOut:
// no GI, GG, GDelta outputs) and this one.
const flagGSpike = 1 << 7 // a spike gradient

// FuzzBackward decodes raw bits into one neuron's state, inputs, time,
// dt, parameters, surrogate and gradients, runs Backward and holds it to
// the backward contract (64·ε·S) with internal/reference. New may
// refuse only what the contract or a derived constant's overflow justifies.
func FuzzBackward(f *testing.F) {
	f32 := func(x float32) uint64 { return uint64(math.Float32bits(x)) }
	f64 := math.Float64bits
	// BrainPy's defaults near threshold (the surrogate active on both the
	// reset and the output), refractory and not, and a runaway V.
	for _, s := range []struct {
		flags      uint8
		v, last, t float64
	}{
		{flagI | flagG | flagGSpike, -29.5, -1e7, 5}, {flagHard | flagI | flagGSpike | flagDelta, -31, 4, 5},
		{flagF64 | flagI | flagGSpike, -20, -1e7, 5}, {flagF64 | flagHard | flagPerNeuron | flagG, 400, 4.5, 5},
	} {
		enc := func(x float64) uint64 {
			if s.flags&flagF64 != 0 {
				return f64(x)
			}
			return f32(float32(x))
		}
		f.Add(s.flags, enc(s.v), enc(0.5), enc(s.last), enc(30), enc(0.2), enc(0.25), enc(s.t), enc(0.1),
			enc(1), enc(10), enc(10), enc(1.7), enc(-30), enc(-68), enc(-65), enc(-50), enc(0.07), enc(1), enc(0.1),
			enc(0.3), enc(1), enc(1.5), enc(-0.5), enc(2))
	}
	prev := kernel.ISA()
	if err := kernel.SetISA("generic"); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = kernel.SetISA(prev) })
	f.Fuzz(func(t *testing.T, flags uint8, v, w, last, i, g, delta, tm, dt,
		pR, pTau, pTauW, pTauRef, pVTh, pVReset, pVRest, pVC, pC, pA, pB, alpha, width, gv, gw, gs uint64) {
		vals := [...]uint64{v, w, last, i, g, delta, tm, dt, pR, pTau, pTauW, pTauRef, pVTh, pVReset, pVRest, pVC, pC, pA, pB, alpha, width, gv, gw, gs}
		var x [len(vals)]float64
		for j, b := range vals {
			if flags&flagF64 != 0 {
				x[j] = math.Float64frombits(b)
			} else {
				x[j] = float64(math.Float32frombits(uint32(b)))
			}
		}
		in := reference.BackInput{
			Input: reference.Input{V: x[0], W: x[1], Last: x[2], T: x[6], DT: x[7], Hard: flags&flagHard != 0,
				P: reference.Params{R: x[8], Tau: x[9], TauW: x[10], TauRef: x[11], VTh: x[12], VReset: x[13],
					VRest: x[14], VC: x[15], C: x[16], A: x[17], B: x[18]}},
			Surrogate: reference.Surrogate{Alpha: x[19], Width: x[20]}, GV: x[21], GW: x[22],
		}
		if flags&flagI != 0 {
			in.I = x[3]
		}
		if flags&flagG != 0 {
			in.G = x[4]
		}
		if flags&flagDelta != 0 {
			in.Delta = x[5]
		}
		if flags&flagGSpike != 0 {
			in.GS = x[23]
		}
		if flags&flagF64 != 0 {
			runBackward[float64](t, flags, &in, reference.Float64)
		} else {
			runBackward[float32](t, flags, &in, reference.Float32)
		}
	})
}

func runBackward[F kernel.Float](t *testing.T, flags uint8, in *reference.BackInput, format reference.Format) {
	p := in.P
	params := kernel.Params[F]{R: F(p.R), Tau: F(p.Tau), TauW: F(p.TauW), TauRef: F(p.TauRef), VTh: F(p.VTh),
		VReset: F(p.VReset), VRest: F(p.VRest), VC: F(p.VC), C: F(p.C), A: F(p.A), B: F(p.B)}
	cfg := kernel.Config[F]{Params: params, DT: F(in.DT), Surrogate: kernel.Surrogate[F]{Alpha: F(in.Surrogate.Alpha), Width: F(in.Surrogate.Width)}}
	if in.Hard {
		cfg.Reset = kernel.HardReset
	}
	rows := 1
	if flags&flagPerNeuron != 0 {
		one := func(x F) []F { return []F{x} }
		cfg.PerNeuron = &kernel.PerNeuron[F]{R: one(params.R), Tau: one(params.Tau), TauW: one(params.TauW),
			TauRef: one(params.TauRef), VTh: one(params.VTh), VReset: one(params.VReset), VRest: one(params.VRest),
			VC: one(params.VC), C: one(params.C), A: one(params.A), B: one(params.B)}
		cfg.Params = kernel.Params[F]{}
		rows = 2
	}
	sur := in.Surrogate
	surOK := !math.IsNaN(sur.Alpha) && !math.IsInf(sur.Alpha, 0) && sur.Alpha >= 0 && !math.IsNaN(sur.Width) && !math.IsInf(sur.Width, 0) && sur.Width >= 0
	k, err := kernel.New(cfg)
	if err != nil {
		if !errors.Is(err, kernel.ErrNotFinite) && !errors.Is(err, kernel.ErrRange) && !errors.Is(err, kernel.ErrOverflow) {
			t.Fatalf("New: error wraps no kernel sentinel: %v", err)
		}
		if valid(&in.Input) && surOK && (!errors.Is(err, kernel.ErrOverflow) || !derivedOverflow(&in.Input, format) && !invDOverflow(in, format)) {
			t.Fatalf("New refuses valid parameters: %v", err)
		}
		return
	}
	if !valid(&in.Input) || !surOK {
		t.Fatalf("New accepts invalid parameters %+v, dt %v, surrogate %+v", in.P, in.DT, sur)
	}
	// The kernel's zero fields are BrainPy's defaults.
	if sur.Alpha == 0 {
		in.Surrogate.Alpha = float64(F(0.3))
	}
	if sur.Width == 0 {
		in.Surrogate.Width = 1
	}
	rep := func(x float64) []F { return repeat(F(x), rows) }
	b := inputs[F](flags, &in.Input, rows)
	g := kernel.Grads[F]{V: rep(in.GV), W: rep(in.GW)}
	if flags&flagGSpike != 0 {
		g.Spike = rep(in.GS)
	}
	if flags&flagNoOut == 0 {
		g.I, g.G, g.Delta = make([]F, rows), make([]F, rows), make([]F, rows)
	}
	if err := k.Backward(F(in.T), b, g); err != nil {
		t.Fatalf("Backward: %v", err)
	}
	same := func(a, b F) bool { return a == b || (a != a && b != b) }
	for r := 1; r < rows; r++ {
		if !same(g.V[r], g.V[0]) || !same(g.W[r], g.W[0]) {
			t.Fatalf("batch row %d differs from row 0: %v %v vs %v %v", r, g.V[r], g.W[r], g.V[0], g.W[0])
		}
	}
	out := reference.BackOutput{V: float64(g.V[0]), W: float64(g.W[0])}
	if g.I != nil {
		out.I, out.G, out.Delta, out.HasI, out.HasG, out.HasDelta = float64(g.I[0]), float64(g.G[0]), float64(g.Delta[0]), true, true, true
	}
	if err := reference.CheckBackward(format, in, &out); err != nil {
		t.Fatal(err)
	}
}

// invDOverflow reports whether 1/(V_th - V_reset), which Backward's
// constants hold, is at or beyond the largest float.
func invDOverflow(in *reference.BackInput, f reference.Format) bool {
	d := new(big.Float).Sub(big.NewFloat(in.P.VTh), big.NewFloat(in.P.VReset))
	inv := new(big.Float).Quo(big.NewFloat(1), d)
	return inv.Abs(inv).Cmp(big.NewFloat(f.Max*(1-8*f.Eps))) >= 0
}
