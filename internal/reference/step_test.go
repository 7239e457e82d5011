package reference

import (
	"math"
	"math/big"
	"testing"
)

// TestLiteralBoundNeedsArgumentTerm shows why SX exists: rounding exprel's
// argument once, and nothing else, already moves exprel(z) by about ε·z
// relative, which exceeds the literal 16ε once z > 16. No float code that
// rounds z = dt·J can meet the literal bound there.
func TestLiteralBoundNeedsArgumentTerm(t *testing.T) {
	for _, f := range []Format{Float32, Float64} {
		z := big.NewFloat(64)
		onePlus := new(big.Float).SetPrec(Prec).Add(big.NewFloat(1), big.NewFloat(f.Eps))
		zr := new(big.Float).SetPrec(Prec).Mul(z, onePlus) // one rounding of the argument
		e, er := Exprel(z, Prec), Exprel(zr, Prec)
		rel := new(big.Float).Sub(er, e)
		rel.Quo(rel, e)
		r, _ := rel.Float64()
		if units := r / f.Eps; units <= 16 || units > 64*(1+1e-6) {
			t.Errorf("%s: exprel(z(1+ε))/exprel(z) - 1 = %.3f ε, want about z - 1 = 63", f.Name, units)
		}
	}
}

// TestComputeDefaults checks Compute against a hand evaluation of the contract's
// formulas in float64 at BrainPy's defaults, and the decisions.
func TestComputeDefaults(t *testing.T) {
	p := Params{R: 1, Tau: 10, TauW: 10, TauRef: 1.7, VTh: -30, VReset: -68, VRest: -65, VC: -50, C: 0.07, A: 1, B: 0.1}
	in := Input{V: -20, W: 0.5, Last: -1e7, I: 2, Delta: 0.25, T: 5, DT: 0.1, P: p}
	ex := Compute(Float64, &in)
	v, u := -20.0-(-30+68), 0.5+0.1 // soft reset
	f := (0.07*(v+65)*(v+50) - u + 2) / 10
	J := 0.07 * ((v + 65) + (v + 50)) / 10
	vc := v + 0.1*math.Expm1(0.1*J)/(0.1*J)*f + 0.25
	x := 0.1 / 10
	wc := u + 0.1*(-math.Expm1(-x)/x)*(1*(vc+65)-u)/10
	got, _ := ex.Int.V.X.Float64()
	gotW, _ := ex.Int.W.X.Float64()
	if !ex.Spk || ex.Refr || ex.RefrNear || math.Abs(got-vc) > 1e-13 || math.Abs(gotW-wc) > 1e-13 {
		t.Errorf("Compute = spk %v refr %v near %v V' %v w' %v, want true false false %v %v", ex.Spk, ex.Refr, ex.RefrNear, got, gotW, vc, wc)
	}
	if hv, _ := ex.Held.V.X.Float64(); hv != v {
		t.Errorf("held V' = %v, want %v", hv, v)
	}
	// S_V for the held branch: |V| + |V_th| + |V_reset|.
	if s, _ := ex.Held.V.S.Float64(); s != 20+30+68 {
		t.Errorf("held S_V = %v", s)
	}
	// A conductance: the current I - G*v in f, -R*G in J, and the magnitude
	// sums gain R*|G|*|v| and R*|G|.
	// Below threshold, so that v is the leaf V and S_V has a closed form.
	in.G, in.V = 0.3, -40
	v, u = -40, 0.5
	ex = Compute(Float64, &in)
	fG := (0.07*(v+65)*(v+50) - u + (2 - 0.3*v)) / 10
	JG := (0.07*((v+65)+(v+50)) - 0.3) / 10
	vcG := v + 0.1*math.Expm1(0.1*JG)/(0.1*JG)*fG + 0.25
	if got, _ := ex.Int.V.X.Float64(); math.Abs(got-vcG) > 1e-13 {
		t.Errorf("with G: V' = %v, want %v", got, vcG)
	}
	eG := math.Expm1(0.1*JG) / (0.1 * JG)
	sG := math.Abs(v) + 0.1*eG*(0.07*(math.Abs(v)+65)*(math.Abs(v)+50)+u+2+0.3*math.Abs(v))/10 + 0.25
	if s, _ := ex.Int.V.S.Float64(); math.Abs(s-sG) > 1e-12*sG {
		t.Errorf("with G: S_V = %v, want %v", s, sG)
	}
	in.G = 0

	// t - last == tau_ref exactly is not refractory, and is "near".
	in.T, in.Last, in.P.TauRef = 10, 8.5, 1.5
	ex = Compute(Float64, &in)
	if ex.Refr || !ex.RefrNear {
		t.Errorf("t - last == tau_ref: refr %v near %v, want false true", ex.Refr, ex.RefrNear)
	}
}
