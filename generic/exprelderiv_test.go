package generic_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/adquaif/adquaif/generic"
	"github.com/adquaif/adquaif/internal/reference"
)

// docs/CONTRACT.md (the backward step): exprel' within 4 ulp over its whole domain.
const maxDerivULP = 4

// derivExhaustive: ADQUAIF_EXHAUSTIVE=1 checks exprel' on every float32
// bit pattern (20 minutes on two busy cores; worst 3.15 ulp, at
// x = 33.308167); otherwise every 4099th.
func derivExhaustive() bool { return os.Getenv("ADQUAIF_EXHAUSTIVE") == "1" }

// deriv32Ref is exprel'(x) for a float32 x, in float64, accurate to far
// better than a float32 ulp (TestDeriv32Ref checks it against math/big):
// below 2^-5 in magnitude the differentiated series (terms fall by 2^-5 or
// more, no cancellation to speak of); above, (e^x (x - 1) + 1)/x^2, whose
// cancellation costs at most 12 of float64's 53 bits there. Beyond
// float64's exp range the value is +Inf (x > 0, where exprel' overflows
// float32 from x ~ 93) or 1/x^2 (x < 0). The limits: +Inf at +Inf, 0 at
// -Inf, NaN at NaN.
func deriv32Ref(x float32) float64 {
	switch {
	case x != x:
		return math.NaN()
	case math.IsInf(float64(x), 1):
		return math.Inf(1)
	case math.IsInf(float64(x), -1):
		return 0
	}
	z := float64(x)
	if math.Abs(z) < 0x1p-5 {
		// sum (n+1) z^n/(n+2)! by Horner, 21 terms: the last is below 2^-120.
		sum := 0.0
		for n := len(derivSeries) - 1; n >= 0; n-- {
			sum = float64(sum*z) + derivSeries[n]
		}
		return sum
	}
	return (float64(math.Exp(z)*(z-1)) + 1) / (z * z)
}

// derivSeries holds (n+1)/(n+2)! for n = 0..20.
var derivSeries = func() (c [21]float64) {
	f := 1.0
	for n := range c {
		f *= float64(n + 2)
		c[n] = float64(n+1) / f
	}
	return c
}()

// TestDeriv32Ref checks the float64 reference against math/big on inputs
// across every region of the float32 domain: within 2^-40 relative.
func TestDeriv32Ref(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 2))
	for i := range 20000 {
		var x float32
		switch i % 3 {
		case 0:
			x = math.Float32frombits(rng.Uint32())
		case 1:
			x = float32((rng.Float64()*2 - 1) * 100)
		default:
			x = float32((rng.Float64()*2 - 1) * math.Ldexp(1, -rng.IntN(30)))
		}
		if x != x || math.IsInf(float64(x), 0) || x > 700 {
			continue
		}
		ref := deriv32Ref(x)
		ex := reference.ExprelDeriv(big.NewFloat(float64(x)), 128)
		d := new(big.Float).Sub(new(big.Float).SetFloat64(ref), ex)
		rel, _ := d.Quo(d, ex).Float64()
		if math.Abs(rel) > 0x1p-40 {
			t.Fatalf("deriv32Ref(%v) = %v, exact %s: relative error %g", x, ref, ex.Text('g', 20), rel)
		}
	}
}

// TestExprelDerivF32 checks ExprelDerivF32 against deriv32Ref on every
// 4099th float32 bit pattern and the edges of its branches, or on all of
// them with ADQUAIF_EXHAUSTIVE=1, on GOMAXPROCS workers.
func TestExprelDerivF32(t *testing.T) {
	stride := uint64(4099)
	if derivExhaustive() {
		stride = 1
	}
	start := time.Now()
	var w worstCase[float32]
	sweep32(&w, stride, generic.ExprelDerivF32, deriv32Ref)
	var specials []float32
	for _, e := range []float32{0.125, 1, 3, 87, 88.7, 93, 93.5, 95, 1e-4, 1e-20, 1e20, math.MaxFloat32, math.SmallestNonzeroFloat32} {
		for _, s := range []float32{1, -1} {
			x := s * e
			specials = append(specials, x, math.Nextafter32(x, 0), math.Nextafter32(x, 2*x))
		}
	}
	specials = append(specials, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	got := append([]float32(nil), specials...)
	generic.ExprelDerivF32(&generic.Frame32{V: got, N: len(got)})
	for j, x := range specials {
		w.add(ulpErr32(got[j], deriv32Ref(x)), x, got[j])
	}
	t.Logf("float32: %d inputs in %v: max error %.4f ulp at x = %v (%#08x) -> %v",
		w.n.Load()+int64(len(specials)), time.Since(start).Round(time.Millisecond), w.ulp, w.x, math.Float32bits(w.x), w.got)
	if !(w.ulp <= maxDerivULP) {
		t.Errorf("ExprelDerivF32(%v) = %v: %.4f ulp from exact %v", w.x, w.got, w.ulp, deriv32Ref(w.x))
	}
	n := len(specials)
	if got[n-5] != 0.5 || got[n-4] != 0.5 || !math.IsInf(float64(got[n-3]), 1) || got[n-2] != 0 || got[n-1] == got[n-1] {
		t.Errorf("ExprelDerivF32 of 0, -0, +Inf, -Inf, NaN = %v, want 0.5 0.5 +Inf 0 NaN", got[n-5:])
	}
}

// ulpErrDeriv64 is |got - exprel'(x)| in float64 ulps of the exact value,
// values beyond the range compared as 2^1024 (where +Inf is 0 ulp).
func ulpErrDeriv64(x, got float64) float64 {
	switch {
	case x != x:
		if got != got {
			return 0
		}
		return infinite
	case math.IsInf(x, 1):
		if math.IsInf(got, 1) {
			return 0
		}
		return infinite
	case math.IsInf(x, -1):
		if got == 0 {
			return 0
		}
		return infinite
	case got != got || math.IsInf(got, -1):
		return infinite
	}
	ex := reference.ExprelDeriv(big.NewFloat(x), exprel64Prec)
	if ex.Cmp(two1024) > 0 {
		ex = two1024
	}
	g := new(big.Float).SetPrec(exprel64Prec + 64)
	if math.IsInf(got, 1) {
		g.Set(two1024)
	} else {
		g.SetFloat64(got)
	}
	d := g.Sub(g, ex)
	e := ex.MantExp(nil)
	ulp := new(big.Float).SetMantExp(bigOne, max(e-53, -1074))
	r, _ := d.Abs(d).Quo(d, ulp).Float64()
	return r
}

// TestExprelDerivF64 checks ExprelDerivF64 against the big.Float
// reference on 10^6 edge and random inputs (10^5 with -short), the same
// distributions as exprel's plus the edges of the branches of exprel'.
func TestExprelDerivF64(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	xs := []float64{3, -3, 1, -1}
	for _, x := range []float64{3, -3, 1, -1, 0x1p-4, -0x1p-4} {
		xs = append(xs, math.Nextafter(x, 0), math.Nextafter(x, 2*x))
	}
	xs = append(xs, exprel64Inputs(n)...)
	got := append([]float64(nil), xs...)
	generic.ExprelDerivF64(&generic.Frame64{V: got, N: len(got)})
	var w worstCase[float64]
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local, lx, lg := 0.0, 0.0, 0.0
			for j := k; j < len(xs); j += workers {
				if e := ulpErrDeriv64(xs[j], got[j]); e > local || (math.IsInf(e, 0) && !math.IsInf(local, 0)) {
					local, lx, lg = e, xs[j], got[j]
				}
			}
			w.add(local, lx, lg)
		}()
	}
	wg.Wait()
	t.Logf("float64: %d inputs: max error %.4f ulp at x = %v -> %v", len(xs), w.ulp, w.x, w.got)
	if !(w.ulp <= maxDerivULP) {
		t.Errorf("ExprelDerivF64(%v) = %v: %.4f ulp from exact", w.x, w.got, w.ulp)
	}
}
