package reference

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestExprelDerivValues checks ExprelDeriv at points with closed forms,
// across the switch between its series and the direct formula, and
// against a central difference of Exprel.
func TestExprelDerivValues(t *testing.T) {
	e := Exp(big.NewFloat(1), Prec)
	inv := nf().Quo(big.NewFloat(2), e)
	cases := []struct {
		z    float64
		want *big.Float
	}{
		{0, big.NewFloat(0.5)},
		{1, big.NewFloat(1)},                 // (e*0 + 1)/1
		{-1, nf().Sub(big.NewFloat(1), inv)}, // (e^-1*(-2) + 1)/1
		{-1e300, nf().Quo(big.NewFloat(1), nf().Mul(big.NewFloat(-1e300), big.NewFloat(-1e300)))},
	}
	for _, c := range cases {
		got := ExprelDeriv(big.NewFloat(c.z), Prec)
		if rel := relDiff(got, c.want); rel > 0x1p-240 {
			t.Errorf("exprel'(%v) = %s, want %s (relative error %g)", c.z, got.Text('g', 30), c.want.Text('g', 30), rel)
		}
	}
	// Both sides of |z| = 2^-5, where the method changes: the series at a
	// z just inside against the direct formula evaluated at a much higher
	// precision through the same z.
	for _, z := range []float64{0x1p-5 - 0x1p-40, -0x1p-5 + 0x1p-40, 0x1p-5, -0x1p-5, 1e-3, -0.3, 2.5, -40, 90, 700} {
		zb := big.NewFloat(z)
		got := ExprelDeriv(zb, Prec)
		h := nf().SetMantExp(big.NewFloat(1), -100)
		hi := Exprel(nf().Add(zb, h), 600)
		lo := Exprel(nf().Sub(zb, h), 600)
		fd := new(big.Float).SetPrec(600).Sub(hi, lo)
		fd.Quo(fd, nf().Mul(h, big.NewFloat(2)))
		// Central difference error ~ h^2 exprel''' / 6, far below 2^-190.
		if rel := relDiff(got, fd); rel > 0x1p-190 {
			t.Errorf("exprel'(%v) = %s, central difference of Exprel %s (relative %g)", z, got.Text('g', 30), fd.Text('g', 30), rel)
		}
	}
}

func relDiff(x, y *big.Float) float64 {
	d := nf().Sub(x, y)
	if y.Sign() == 0 {
		r, _ := d.Abs(d).Float64()
		return r
	}
	d.Quo(d, y)
	r, _ := d.Abs(d).Float64()
	return r
}

// TestForwardOfMatchesCompute: the forward values the backward reads are
// Compute's step, with the same magnitude sums.
func TestForwardOfMatchesCompute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		in := randomBackInput(rng)
		ex := Compute(Float64, &in.Input)
		fw := forwardOf(Float64, &in)
		for _, c := range []struct {
			name string
			got  node
			want Quantity
		}{{"Vc", fw.vc, ex.Int.V}, {"Wc", fw.wc, ex.Int.W}, {"v", fw.v, ex.Held.V}, {"u", fw.u, ex.Held.W}} {
			if relDiff(c.got.x, c.want.X) > 0x1p-200 || relDiff(c.got.s, c.want.S) > 0x1p-200 {
				t.Fatalf("%+v: %s = %s (S %s), Compute %s (S %s)", in, c.name, c.got.x.Text('g', 20), c.got.s.Text('g', 20), c.want.X.Text('g', 20), c.want.S.Text('g', 20))
			}
		}
	}
}

// randomBackInput draws a neuron near BrainPy's defaults, spiking or not,
// refractory or not, with exprel's argument from small to a few units.
func randomBackInput(rng *rand.Rand) BackInput {
	between := func(lo, hi float64) float64 { return float64(float32(lo + float64((hi-lo)*rng.Float64()))) }
	p := Params{R: between(0.5, 2), Tau: between(5, 20), TauW: between(5, 100), TauRef: between(0, 3), VTh: between(-35, -25), VReset: between(-75, -60),
		VRest: between(-70, -60), VC: between(-55, -45), C: between(0.02, 0.1), A: between(0, 2), B: between(0, 1)}
	in := BackInput{Input: Input{V: between(-90, 10), W: between(-5, 5), I: between(-20, 80), G: between(0, 1.5), Delta: between(-1, 1),
		T: between(0, 100), DT: []float64{0.1, 0.25, 1}[rng.IntN(3)], Hard: rng.IntN(2) == 0, P: p},
		GV: between(-2, 2), GW: between(-2, 2), GS: between(-2, 2)}
	switch rng.IntN(4) {
	case 0:
		in.V = between(100, 1500) // runaway: |dt*J| of a few units
	case 1:
		in.Last = in.T - between(0, 2*p.TauRef) // refractory or just past it
	default:
		in.Last = -1e7
	}
	if in.Last == 0 {
		in.Last = -1e7
	}
	return in
}

// TestBackwardFiniteDifferences checks the exact backward step against
// central differences of the exact forward step (V', w', spike' of
// forwardOf, weighted by gV, gW, gS) in every input, where the surrogate is
// inactive: there the step is differentiable and the contract's gradients are its
// true derivatives (except where the contract follows BrainPy's stop_gradient,
// see below). The steps h are powers of two far below the inputs'
// last bits, so x ± h is exact; the difference's own error, O(h^2), is far
// below the tolerance.
func TestBackwardFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	checked := map[string]int{}
	for tries := 0; tries < 8000 && (checked["integrated"] < 150 || checked["refractory"] < 30); tries++ {
		in := randomBackInput(rng)
		in.Surrogate = Surrogate{Alpha: 0.3, Width: 1e-3}
		ex := ComputeBackward(Float64, &in)
		if ex.RefrNear {
			continue
		}
		fw := forwardOf(Float64, &in)
		// The surrogate must be inactive with room: |x0|, |x1| > 2*width.
		d := in.P.VTh - in.P.VReset
		vout := fw.vc.x
		if ex.Refr {
			vout = fw.v.x
		}
		x1, _ := vout.Float64()
		if math.Abs(in.V-in.P.VTh) < 2*in.Surrogate.Width*d || math.Abs(x1-in.P.VTh) < 2*in.Surrogate.Width*d {
			continue
		}
		loss := func(in BackInput) *big.Float {
			fw := forwardOf(Float64, &in)
			vo, wo := fw.vc.x, fw.wc.x
			if ex.Refr {
				vo, wo = fw.v.x, fw.u.x
			}
			l := nf().Mul(vo, big.NewFloat(in.GV))
			l.Add(l, nf().Mul(wo, big.NewFloat(in.GW)))
			if vo.Cmp(big.NewFloat(in.P.VTh)) >= 0 {
				l.Add(l, big.NewFloat(in.GS))
			}
			return l
		}
		g := &ex.Int
		kind := "integrated"
		if ex.Refr {
			g, kind = &ex.Held, "refractory"
		}
		for _, c := range []struct {
			name string
			x    *float64
			q    *Quantity
		}{{"V", &in.V, &g.V}, {"w", &in.W, &g.W}, {"I", &in.I, &g.I}, {"G", &in.G, &g.G}, {"Delta", &in.Delta, &g.Delta}} {
			if c.name == "V" && in.Hard && in.V >= in.P.VTh {
				// BrainPy stops the gradient of the V that stands in
				// V_th's place: v = V_reset carries L's derivative in v
				// back to V unchanged, and V_reset enters the forward
				// step only there.
				c.x = &in.P.VReset
			}
			x0 := *c.x
			_, e := math.Frexp(x0)
			h := math.Ldexp(1, e-40)
			if x0 == 0 {
				h = 0x1p-40
			}
			*c.x = x0 + h
			hi := loss(in)
			*c.x = x0 - h
			lo := loss(in)
			*c.x = x0
			fd := nf().Sub(hi, lo)
			fd.Quo(fd, big.NewFloat(2*h))
			diff := nf().Sub(fd, c.q.X)
			diff.Abs(diff)
			tol := nf().Mul(c.q.S, big.NewFloat(1e-15))
			tol.Add(tol, big.NewFloat(1e-300))
			if diff.Cmp(tol) > 0 {
				t.Errorf("%s %+v: dL/d%s = %s, central difference %s", kind, in, c.name, c.q.X.Text('g', 20), fd.Text('g', 20))
			}
		}
		checked[kind]++
	}
	if checked["integrated"] < 150 || checked["refractory"] < 30 {
		t.Errorf("checked %v, want 150 integrated and 30 refractory neurons", checked)
	}
	t.Logf("checked %v", checked)
}

// TestBackwardSurrogate checks the surrogate's terms against the contract's
// formulas evaluated by hand in float64 (where they are simple): a held
// neuron, so hv = gV + gS*sigma(x1)/d and hu = gW.
func TestBackwardSurrogate(t *testing.T) {
	for _, hard := range []bool{false, true} {
		p := Params{R: 1, Tau: 10, TauW: 10, TauRef: 1.7, VTh: -30, VReset: -68, VRest: -65, VC: -50, C: 0.07, A: 1, B: 0.1}
		in := BackInput{Input: Input{V: -20, W: 0.5, Last: 4.5, T: 5, DT: 0.1, Hard: hard, P: p},
			Surrogate: Surrogate{Alpha: 0.3, Width: 1}, GV: 1.5, GW: -0.5, GS: 2}
		ex := ComputeBackward(Float64, &in)
		if !ex.Refr {
			t.Fatal("not refractory")
		}
		d := 38.0
		sig := func(x float64) float64 { return math.Max(0, 0.3*(1-math.Abs(x))) }
		v := -20.0 - d
		if hard {
			v = -68
		}
		s0, s1 := sig((-20+30)/d), sig((v+30)/d)
		hv := 1.5 + 2*s1/d
		want := hv*(1-s0) + -0.5*0.1*s0/d
		if hard {
			want = hv*(1-(-20+68)*s0/d) + -0.5*0.1*s0/d
		}
		got, _ := ex.Held.V.X.Float64()
		gw, _ := ex.Held.W.X.Float64()
		if math.Abs(got-want) > 1e-14 || gw != -0.5 {
			t.Errorf("hard %v: dV = %v, dw = %v, want %v, -0.5", hard, got, gw, want)
		}
	}
}
