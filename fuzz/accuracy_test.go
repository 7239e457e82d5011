// Package fuzz holds the library's fuzz tests. Their seed corpora live in
// testdata/fuzz, so a plain go test runs every seed.
package fuzz

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/adquaif/adquaif/internal/reference"
	"github.com/adquaif/adquaif/kernel"
)

// Flag bits of FuzzAccuracy's first argument.
const (
	flagF64       = 1 << iota // float64, else float32 (the low 32 bits of every value)
	flagHard                  // hard reset, else soft
	flagI                     // an input current buffer
	flagDelta                 // a delta input buffer
	flagPerNeuron             // every parameter per-neuron (n = 1), two batch rows
	flagNoOut                 // no Spike and Refractory buffers
	flagG                     // an input conductance buffer
)

// FuzzAccuracy decodes raw bits into one neuron's state, inputs, time, dt
// and parameters, runs one generic Step and holds it to the contract's accuracy
// contract with internal/reference. Configurations that New refuses must be
// refused with one of the kernel's sentinel errors, and only when the contract
// says so or a derived constant overflows.
func FuzzAccuracy(f *testing.F) {
	prev := kernel.ISA()
	if err := kernel.SetISA("generic"); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = kernel.SetISA(prev) })
	f.Fuzz(func(t *testing.T, flags uint8, v, w, last, i, delta, g, tm, dt,
		pR, pTau, pTauW, pTauRef, pVTh, pVReset, pVRest, pVC, pC, pA, pB uint64) {
		vals := [...]uint64{v, w, last, i, delta, g, tm, dt, pR, pTau, pTauW, pTauRef, pVTh, pVReset, pVRest, pVC, pC, pA, pB}
		var x [len(vals)]float64
		for j, b := range vals {
			if flags&flagF64 != 0 {
				x[j] = math.Float64frombits(b)
			} else {
				x[j] = float64(math.Float32frombits(uint32(b)))
			}
		}
		in := reference.Input{
			V: x[0], W: x[1], Last: x[2], T: x[6], DT: x[7], Hard: flags&flagHard != 0,
			P: reference.Params{R: x[8], Tau: x[9], TauW: x[10], TauRef: x[11], VTh: x[12], VReset: x[13],
				VRest: x[14], VC: x[15], C: x[16], A: x[17], B: x[18]},
		}
		if flags&flagI != 0 {
			in.I = x[3]
		}
		if flags&flagG != 0 {
			in.G = x[5]
		}
		if flags&flagDelta != 0 {
			in.Delta = x[4]
		}
		if flags&flagF64 != 0 {
			run[float64](t, flags, &in, reference.Float64)
		} else {
			run[float32](t, flags, &in, reference.Float32)
		}
	})
}

// valid reports whether the contract accepts the parameters and dt.
func valid(in *reference.Input) bool {
	p := in.P
	for _, x := range [...]float64{in.DT, p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return p.Tau > 0 && p.TauW > 0 && in.DT > 0 && p.TauRef >= 0 && p.VTh > p.VReset
}

// derivedOverflow reports whether one of the step constants that New
// documents, dt*c/tau, dt*R/tau, V_th - V_reset and a*(1 - exp(-dt/tau_w)),
// is exactly at or beyond the largest float (less a few rounding errors of
// their computation), so that refusing with ErrOverflow is justified.
func derivedOverflow(in *reference.Input, f reference.Format) bool {
	b := func(x float64) *big.Float { return new(big.Float).SetPrec(reference.Prec).SetFloat64(x) }
	p := in.P
	x := new(big.Float).Quo(b(in.DT), b(p.TauW))
	loss := new(big.Float).Mul(x, reference.Exprel(new(big.Float).Neg(x), reference.Prec)) // 1 - exp(-x)
	limit := b(f.Max * (1 - 8*f.Eps))
	for _, v := range []*big.Float{
		new(big.Float).Quo(new(big.Float).Mul(b(in.DT), b(p.C)), b(p.Tau)),
		new(big.Float).Quo(new(big.Float).Mul(b(in.DT), b(p.R)), b(p.Tau)),
		new(big.Float).Sub(b(p.VTh), b(p.VReset)),
		new(big.Float).Quo(b(1), new(big.Float).Sub(b(p.VTh), b(p.VReset))), // Backward's 1/d
		new(big.Float).Mul(b(p.A), loss),
	} {
		if v.Abs(v).Cmp(limit) >= 0 {
			return true
		}
	}
	return false
}

func run[F kernel.Float](t *testing.T, flags uint8, in *reference.Input, format reference.Format) {
	p := in.P
	params := kernel.Params[F]{R: F(p.R), Tau: F(p.Tau), TauW: F(p.TauW), TauRef: F(p.TauRef), VTh: F(p.VTh),
		VReset: F(p.VReset), VRest: F(p.VRest), VC: F(p.VC), C: F(p.C), A: F(p.A), B: F(p.B)}
	cfg := kernel.Config[F]{Params: params, DT: F(in.DT)}
	if in.Hard {
		cfg.Reset = kernel.HardReset
	}
	rows := 1
	if flags&flagPerNeuron != 0 {
		one := func(x F) []F { return []F{x} }
		cfg.PerNeuron = &kernel.PerNeuron[F]{R: one(params.R), Tau: one(params.Tau), TauW: one(params.TauW),
			TauRef: one(params.TauRef), VTh: one(params.VTh), VReset: one(params.VReset), VRest: one(params.VRest),
			VC: one(params.VC), C: one(params.C), A: one(params.A), B: one(params.B)}
		cfg.Params = kernel.Params[F]{} // unused: every value is per-neuron
		rows = 2
	}
	k, err := kernel.New(cfg)
	if err != nil {
		if !errors.Is(err, kernel.ErrNotFinite) && !errors.Is(err, kernel.ErrRange) && !errors.Is(err, kernel.ErrOverflow) && !errors.Is(err, kernel.ErrLength) {
			t.Fatalf("New: error wraps no kernel sentinel: %v", err)
		}
		if valid(in) && (!errors.Is(err, kernel.ErrOverflow) || !derivedOverflow(in, format)) {
			t.Fatalf("New refuses valid parameters: %v", err)
		}
		return
	}
	if !valid(in) {
		t.Fatalf("New accepts invalid parameters %+v, dt %v", in.P, in.DT)
	}
	b := inputs[F](flags, in, rows)
	if flags&flagNoOut == 0 {
		b.Spike, b.Refractory = make([]F, rows), make([]bool, rows)
	}
	if tm := float64(F(in.T)); math.IsNaN(tm) || math.IsInf(tm, 0) {
		before := append([]F(nil), b.V...)
		if err := k.Step(F(in.T), b); !errors.Is(err, kernel.ErrNotFinite) {
			t.Fatalf("Step(t = %v) returned %v, want an error wrapping ErrNotFinite", tm, err)
		}
		for j := range before {
			if math.Float64bits(float64(b.V[j])) != math.Float64bits(float64(before[j])) {
				t.Fatalf("a Step refused for its time wrote V[%d]", j)
			}
		}
		return
	}
	if err := k.Step(F(in.T), b); err != nil {
		t.Fatalf("Step: %v", err)
	}
	for r := 1; r < rows; r++ {
		same := func(a, b F) bool { return a == b || (a != a && b != b) }
		if !same(b.V[r], b.V[0]) || !same(b.W[r], b.W[0]) || !same(b.LastSpike[r], b.LastSpike[0]) {
			t.Fatalf("batch row %d differs from row 0: %v %v %v vs %v %v %v", r, b.V[r], b.W[r], b.LastSpike[r], b.V[0], b.W[0], b.LastSpike[0])
		}
	}
	out := reference.Output{V: float64(b.V[0]), W: float64(b.W[0]), Last: float64(b.LastSpike[0])}
	if b.Spike != nil {
		out.Spike, out.HasSpike, out.Ref, out.HasRef = float64(b.Spike[0]), true, b.Refractory[0], true
	}
	if err := reference.Check(format, in, &out); err != nil {
		t.Fatal(err)
	}
}

// repeat is rows copies of x.
func repeat[F kernel.Float](x F, rows int) []F {
	s := make([]F, rows)
	for j := range s {
		s[j] = x
	}
	return s
}

// inputs is the state of in's neuron and the input buffers that flags ask
// for, each repeated over rows batch rows.
func inputs[F kernel.Float](flags uint8, in *reference.Input, rows int) kernel.Buffers[F] {
	b := kernel.Buffers[F]{V: repeat(F(in.V), rows), W: repeat(F(in.W), rows), LastSpike: repeat(F(in.Last), rows)}
	if flags&flagI != 0 {
		b.I = repeat(F(in.I), rows)
	}
	if flags&flagG != 0 {
		b.G = repeat(F(in.G), rows)
	}
	if flags&flagDelta != 0 {
		b.Delta = repeat(F(in.Delta), rows)
	}
	return b
}
