package reference

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// e to 70 digits, from the literature.
const eDigits = "2.718281828459045235360287471352662497757247093699959574966967627724077"

func relErr(a, b *big.Float) float64 {
	d := new(big.Float).SetPrec(Prec).Sub(a, b)
	if d.Sign() == 0 {
		return 0
	}
	d.Quo(d, b)
	r, _ := d.Abs(d).Float64()
	return r
}

func TestExpKnownValues(t *testing.T) {
	e, _, err := big.ParseFloat(eDigits, 10, 240, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	if r := relErr(Exp(big.NewFloat(1), Prec), e); r > 1e-68 {
		t.Errorf("Exp(1) relative error %g", r)
	}
	// exp(-1) * e = 1, exp(ln 2 * 10) = 1024.
	inv := Exp(big.NewFloat(-1), Prec)
	if r := relErr(inv.Mul(inv, e), big.NewFloat(1)); r > 1e-68 {
		t.Errorf("Exp(-1)*e relative error %g", r)
	}
	x := new(big.Float).SetPrec(Prec).Mul(ln2(), big.NewFloat(10))
	if r := relErr(Exp(x, Prec), big.NewFloat(1024)); r > 0x1p-240 {
		t.Errorf("Exp(10 ln 2) relative error %g", r)
	}
	if Exp(new(big.Float), Prec).Cmp(big.NewFloat(1)) != 0 {
		t.Error("Exp(0) != 1")
	}
}

// TestExpIdentity checks e^(a+b) = e^a e^b far beyond float precision,
// across the whole argument range.
func TestExpIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		a := big.NewFloat((rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(40)-19))
		b := big.NewFloat((rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(40)-19))
		s := new(big.Float).SetPrec(Prec).Add(a, b)
		lhs := Exp(s, Prec)
		rhs := new(big.Float).SetPrec(Prec).Mul(Exp(a, Prec), Exp(b, Prec))
		if r := relErr(lhs, rhs); r > 0x1p-240 {
			t.Fatalf("exp(%v+%v): relative mismatch %g", a, b, r)
		}
	}
}

// TestExpMatchesMath compares with math.Exp, which is documented to be
// within 1 ulp.
func TestExpMatchesMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		x := (rng.Float64()*2 - 1) * 740
		if i%3 == 0 {
			x = (rng.Float64()*2 - 1) * math.Ldexp(1, -rng.IntN(60))
		}
		want := math.Exp(x)
		got, _ := Exp(big.NewFloat(x), 64).Float64()
		ulp := math.Nextafter(math.Abs(got), math.Inf(1)) - math.Abs(got)
		if math.Abs(got-want) > ulp {
			t.Fatalf("Exp(%v) = %v, math.Exp %v", x, got, want)
		}
	}
}

// TestExprel checks the series branch, the exp branch, their boundary and
// the clamps against math.Expm1(x)/x (within 2^-51 relative where float64
// holds it) and against each other at high precision.
func TestExprel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 3000; i++ {
		x := (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(70)-60)
		if x == 0 || x > 700 {
			continue
		}
		want := math.Expm1(x) / x
		got, _ := Exprel(big.NewFloat(x), Prec).Float64()
		if math.Abs(got-want) > 0x1p-50*math.Abs(want) {
			t.Fatalf("Exprel(%v) = %v, Expm1(x)/x = %v", x, got, want)
		}
	}
	// Across the switch at |z| = 2^-5 the two methods agree to ~Prec bits.
	for _, x := range []float64{0x1p-5, -0x1p-5, math.Nextafter(0x1p-5, 0), math.Nextafter(-0x1p-5, 0)} {
		z := big.NewFloat(x)
		series := Exprel(z, Prec)
		e := Exp(z, Prec+20)
		e.Sub(e, big.NewFloat(1))
		e.Quo(e, z)
		if r := relErr(series, e); r > 0x1p-230 {
			t.Errorf("Exprel(%v): series and exp differ by %g", x, r)
		}
	}
	if Exprel(new(big.Float), Prec).Cmp(big.NewFloat(1)) != 0 {
		t.Error("Exprel(0) != 1")
	}
	// Far negative: -1/z; far positive: clamped, still beyond float64.
	if got, _ := Exprel(big.NewFloat(-1e300), Prec).Float64(); got != 1e-300 {
		t.Errorf("Exprel(-1e300) = %v", got)
	}
	if got, _ := Exprel(big.NewFloat(1e300), Prec).Float64(); !math.IsInf(got, 1) {
		t.Errorf("Exprel(1e300) = %v, want beyond float64", got)
	}
}
