package generic

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 rounds a*b + c once to float32 through math/big.
func exactFMA32(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

func TestFMA32(t *testing.T) {
	// The case FACTS.md records: float32(math.FMA) rounds twice here.
	a := math.Float32frombits(0x3f800800)
	c := math.Float32frombits(0x17800000)
	for _, f := range []func(a, b, c float32) float32{fma32, fma32Exact} {
		if got := math.Float32bits(f(a, a, c)); got != 0x3f801001 {
			t.Errorf("fma32(0x3f800800, 0x3f800800, 0x17800000) = %#x, want 0x3f801001", got)
		}
	}
	if double := math.Float32bits(float32(math.FMA(float64(a), float64(a), float64(c)))); double == 0x3f801001 {
		t.Error("the double-rounding case no longer rounds twice: the test lost its point")
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(1), math.Float32frombits(0x807fffff), math.MaxFloat32, -math.MaxFloat32, 0x1p-126}
	for _, a := range special {
		for _, b := range special {
			for _, c := range special {
				want := float64(a)*float64(b) + float64(c) // exact enough to decide Inf/NaN/zero sign
				got, gotExact := fma32(a, b, c), fma32Exact(a, b, c)
				if math.Float32bits(got) != math.Float32bits(gotExact) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(gotExact))) {
					t.Errorf("fma32(%g, %g, %g) = %g, fma32Exact = %g", a, b, c, got, gotExact)
				}
				if math.IsNaN(want) {
					if !math.IsNaN(float64(got)) {
						t.Errorf("fma32(%g, %g, %g) = %g, want NaN", a, b, c, got)
					}
					continue
				}
				if e := exactFMA32(a, b, c); math.Float32bits(got) != math.Float32bits(e) && !(got == 0 && e == 0 && math.Signbit(float64(got)) == math.Signbit(want)) {
					t.Errorf("fma32(%g, %g, %g) = %g, want %g", a, b, c, got, e)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for range n {
		// Operands near each other's scale make the halfway cases likely.
		a := math.Float32frombits(0x3f800000 | rng.Uint32()&0x7fffff)
		b := math.Float32frombits(0x3f800000 | rng.Uint32()&0x7fffff)
		c := math.Float32frombits(uint32(rng.IntN(0x50))<<23 | rng.Uint32()&0x807fffff)
		want := exactFMA32(a, b, c)
		if got := fma32Exact(a, b, c); got != want {
			t.Fatalf("fma32Exact(%#x, %#x, %#x) = %#x, want %#x", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(got), math.Float32bits(want))
		}
		if got := fma32(a, b, c); got != want {
			t.Fatalf("fma32(%#x, %#x, %#x) = %#x, want %#x", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(got), math.Float32bits(want))
		}
	}
}
