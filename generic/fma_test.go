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

// checkFMA32 checks fma32, fma32Try and fma32Exact on one triple against
// math/big, bit for bit (any NaN for a NaN), and reports whether
// fma32Try asked for the slow path.
func checkFMA32(t *testing.T, a, b, c float32) (slow bool) {
	t.Helper()
	same := func(x, y float32) bool {
		return math.Float32bits(x) == math.Float32bits(y) || math.IsNaN(float64(x)) && math.IsNaN(float64(y))
	}
	want := float32(math.NaN()) // big.Float has no NaN; float64 finds them all
	if !math.IsNaN(float64(a)*float64(b) + float64(c)) {
		want = exactFMA32(a, b, c)
	}
	if got := fma32(a, b, c); !same(got, want) {
		t.Errorf("fma32(%#x, %#x, %#x) = %#x, want %#x", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(got), math.Float32bits(want))
	}
	if got := fma32Exact(a, b, c); !same(got, want) {
		t.Errorf("fma32Exact(%#x, %#x, %#x) = %#x, want %#x", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(got), math.Float32bits(want))
	}
	got := fma32Try(a, b, c, &slow)
	if !slow && !same(got, want) {
		t.Errorf("fma32Try(%#x, %#x, %#x) = %#x without asking for the slow path, want %#x", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(got), math.Float32bits(want))
	}
	return slow
}

// TestFMA32Adversarial drives the fast path where it is most likely to be
// wrong: exact results on or next to a float32 midpoint (in the normal and
// the subnormal range), results near the overflow threshold and the
// smallest normal, exact cancellation to a signed zero, and random bit
// patterns of every kind.
func TestFMA32Adversarial(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 100000
	if testing.Short() {
		n = 10000
	}
	sign := func() float64 { return float64(1 - 2*rng.IntN(2)) }
	// tiny is a perturbation far below float64's precision at x, or zero.
	tiny := func(x float64) float32 {
		switch rng.IntN(4) {
		case 0:
			return 0
		default:
			e := math.Ilogb(x) - 54 - rng.IntN(40)
			if e < -149 {
				e = -149
			}
			return float32(sign() * math.Ldexp(1+float64(rng.IntN(1<<23))/(1<<23), e))
		}
	}
	// The product (1 + 2^-i)(1 + 2^-(24-i)) = 1 + 2^-i + 2^-(24-i) + 2^-24 is
	// a float32 midpoint; a tiny c moves it off by less than a float64 ulp,
	// so float32(math.FMA(a, b, c)) rounds twice and ties the wrong way.
	midSlow := 0
	for range n {
		i := 1 + rng.IntN(23)
		ea, eb := rng.IntN(120)-60, rng.IntN(120)-60
		a := float32(sign() * math.Ldexp(1+math.Ldexp(1, -i), ea))
		b := float32(sign() * math.Ldexp(1+math.Ldexp(1, i-24), eb))
		p := float64(a) * float64(b)
		c := tiny(p)
		if checkFMA32(t, a, b, c) {
			midSlow++
		}
		if t.Failed() {
			return
		}
	}
	if midSlow < n*9/10 {
		t.Errorf("only %d of %d midpoint cases took the slow path: the generator lost its point", midSlow, n)
	}
	// The same midpoints scaled into float32's subnormal range, where the
	// rounding boundaries are coarser (multiples of 2^-150), with an
	// addend that is zero, subnormal or the smallest normal.
	for range n {
		k := 1 + 2*rng.IntN(1<<22)                                    // odd: (k/2)*2^-149 is a midpoint
		a := float32(float64(k) * math.Ldexp(1, -75))                 // exact: k < 2^23
		b := float32(math.Ldexp(1+float64(rng.IntN(3))*0x1p-23, -75)) // 1, 1+2^-23 or 1+2^-22
		c := [...]float32{0, float32(math.Copysign(0, -1)), math.Float32frombits(uint32(rng.IntN(1 << 23))), -math.Float32frombits(uint32(rng.IntN(1 << 23))), 0x1p-126, -0x1p-126}[rng.IntN(6)]
		checkFMA32(t, a, b, c)
		checkFMA32(t, -a, b, c)
		// (1 + 2^-j)(1 - 2^-j) 2^-150 = 2^-150 - 2^-(150+2j): added to a
		// subnormal c of 21 to 23 bits, it rounds in float64 to the
		// midpoint c + 2^-150, which float32 then ties to even, while the
		// exact sum lies below it. The midpoint test cannot see this one
		// (the boundary is not at bit 28): only the subnormal test can.
		j := 16 + rng.IntN(8)
		a = float32(math.Ldexp(1+math.Ldexp(1, -j), -75))
		b = float32(sign() * math.Ldexp(1-math.Ldexp(1, -j), -75))
		c = float32(math.Copysign(math.Ldexp(float64(1<<20+rng.IntN(7<<20)), -149), float64(b)))
		if !checkFMA32(t, a, b, c) {
			t.Errorf("fma32Try(%#x, %#x, %#x) did not ask for the slow path", math.Float32bits(a), math.Float32bits(b), math.Float32bits(c))
		}
		if t.Failed() {
			return
		}
	}
	// Near the overflow threshold (the midpoint between MaxFloat32 and 2^128)
	// and the smallest normal.
	for range n {
		m := 1 + float64(rng.IntN(1<<23))/(1<<23)
		a := float32(sign() * math.Ldexp(m, 64))
		b := float32(math.Ldexp((2-0x1p-23)/m, 63))
		checkFMA32(t, a, b, tiny(math.Ldexp(1, 127)))
		checkFMA32(t, a, b, float32(sign()*math.Ldexp(1+float64(rng.IntN(1<<23))/(1<<23), 103+rng.IntN(25))))
		checkFMA32(t, a, float32(math.Ldexp(1/m, -126)), tiny(0x1p-126))
		if t.Failed() {
			return
		}
	}
	// Exact cancellation gives +0; products and addends of zero keep their
	// signs as IEEE says.
	for range n {
		a := math.Float32frombits(rng.Uint32())
		b := math.Float32frombits(rng.Uint32())
		if s := float32(sign() * math.Ldexp(1, rng.IntN(60)-30)); !math.IsNaN(float64(a)) {
			checkFMA32(t, a, s, -float32(float64(a)*float64(s))) // +0 unless a*s rounds
		}
		z := [...]float32{0, float32(math.Copysign(0, -1))}
		checkFMA32(t, z[rng.IntN(2)], b, z[rng.IntN(2)])
		checkFMA32(t, a, z[rng.IntN(2)], z[rng.IntN(2)])
		checkFMA32(t, a, b, math.Float32frombits(rng.Uint32()))
		if t.Failed() {
			return
		}
	}
}

// TestStepRetry checks the loops that try fma32's fast path for a whole
// neuron and redo it with the exact function when an FMA cannot decide:
// one neuron whose first FMA, r22 = fma(DtCTau, (v-VRest)*(v-VC),
// DtRTau*(I-w)), is FACTS.md's double-rounding case (0x3f800800 squared
// plus 2^-80), at every position of populations of every size around the
// interleaved lanes, for every float32 variant, against the exact function
// over the whole population.
func TestStepRetry(t *testing.T) {
	a := math.Float32frombits(0x3f800800)
	// r14 = v - VRest = a and r16 = v - VC = 1 with v = 0, so r18 = a; with
	// DtRTau = 1, w = 0 and I = 2^-80, r21 = 2^-80.
	consts := [NumConsts]float32{CVTh: 10, CVThRst: 78, CVReset: -68, CB: 0.1, CVRest: -a, CVC: -1, CDtCTau: a, CDtRTau: 1, CKeep: 0.99, CKa: 0.01, CTauRef: 1.7}
	var double bool
	fma32Try(a, a, 0x1p-80, &double)
	if !double || float32(float64(a)*float64(a)+0x1p-80) == fma32(a, a, 0x1p-80) {
		t.Fatal("the test neuron's FMA no longer needs the slow path: the test lost its point")
	}
	variants := []struct {
		name      string
		fast      func(*Frame32)
		exact     func(f *Frame32, s, lo, hi int)
		perNeuron bool
	}{
		{"Soft", StepF32Soft, stepF32SoftExact, false},
		{"Hard", StepF32Hard, stepF32HardExact, false},
		{"SoftPN", StepF32SoftPN, stepF32SoftPNExact, true},
		{"HardPN", StepF32HardPN, stepF32HardPNExact, true},
	}
	for _, vr := range variants {
		for n := 1; n <= 10; n++ {
			for special := range n {
				frames := [2]*Frame32{}
				for k := range frames {
					f := &Frame32{V: make([]float32, n), W: make([]float32, n), Last: make([]float32, n), I: make([]float32, n),
						Spike: make([]float32, n), Ref: make([]bool, n), N: n, Steps: 1, T: []float32{5}}
					if vr.perNeuron {
						f.Stride = n
						f.C = make([]float32, NumConsts*n)
						for c := range NumConsts {
							for j := range n {
								f.C[c*n+j] = consts[c]
							}
						}
					} else {
						f.C = consts[:]
					}
					for j := range n {
						f.V[j], f.W[j], f.Last[j], f.I[j] = -60+float32(j), float32(j%3), -1e7, float32(j)
					}
					f.V[special], f.W[special], f.I[special] = 0, 0, 0x1p-80
					frames[k] = f
				}
				vr.fast(frames[0])
				vr.exact(frames[1], 0, 0, n)
				for j := range n {
					x, y := frames[0], frames[1]
					if math.Float32bits(x.V[j]) != math.Float32bits(y.V[j]) || math.Float32bits(x.W[j]) != math.Float32bits(y.W[j]) ||
						x.Last[j] != y.Last[j] || x.Spike[j] != y.Spike[j] || x.Ref[j] != y.Ref[j] {
						t.Errorf("%s n=%d special=%d: neuron %d: V %#x W %#x, exact V %#x W %#x", vr.name, n, special, j,
							math.Float32bits(x.V[j]), math.Float32bits(x.W[j]), math.Float32bits(y.V[j]), math.Float32bits(y.W[j]))
					}
				}
			}
		}
	}
}
