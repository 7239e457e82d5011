package generic_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adquaif/adquaif/generic"
	"github.com/adquaif/adquaif/internal/reference"
)

// The contract: exprel is within 2 ulp of the exact value over its whole domain.
const maxULP = 2

// exhaustive is set by ADQUAIF_EXHAUSTIVE=1 in the environment, as .ci/run
// does for one run: TestExprelF32 then checks every float32 input and
// TestExprelF64 10^7 float64 inputs, which takes minutes. Without it they
// check samples (sparser with -short), so that go test ./... stays short.
var exhaustive = os.Getenv("ADQUAIF_EXHAUSTIVE") == "1"

// exprel32Ref is exprel(x) for a float32 x, computed in float64 as
// math.Expm1(x)/x, which is provably enough to measure float32 ulps:
//
//   - float64(x) is exact. Go's math.Expm1 is within 1 ulp (its documented
//     error analysis), and the division adds half an ulp, so the result is
//     within 2^-51 relative of the exact value. A float32 ulp is at least
//     2^-24 of the value (normal range), so the reference is off by less
//     than 2^-27 float32 ulp; in the float32 subnormal range (value below
//     2^-126, an ulp of 2^-149) it is off by less than 2^-177. The measured
//     errors are therefore exact to 1e-8 ulp.
//   - Near 0: every nonzero float32 has |x| >= 2^-149, a normal float64, so
//     Expm1 does not underflow; for |x| < 2^-54 it returns x and the ratio is
//     1, within 2^-55 of the exact 1 + x/2. ±0 give 1 (the contract: exprel(0) = 1).
//   - Large negative x: Expm1(x) = -1 + e^x rounds to -1 once e^x < 2^-54,
//     within 1 ulp as claimed, and -1/x stays a normal float64 down to
//     x = -MaxFloat32 (2.9e-39, a float32 subnormal, measured in float32
//     subnormal ulps).
//   - Large positive x: exprel(x) > MaxFloat32 from x ~ 95 on; float64 holds
//     the value up to x ~ 709.7, and beyond Expm1 overflows to +Inf, which
//     is also the correctly rounded float32 answer. Values beyond the
//     float32 range are compared as 2^128, the value IEEE rounding treats
//     as the first one past MaxFloat32, so +Inf there is 0 ulp.
//   - NaN in gives NaN, +Inf gives +Inf, -Inf gives 0 (the limits).
func exprel32Ref(x float32) float64 {
	switch {
	case x != x:
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(float64(x), 1):
		return math.Inf(1)
	case math.IsInf(float64(x), -1):
		return 0
	}
	return math.Expm1(float64(x)) / float64(x)
}

// ulpErr32 is |got - ref| in float32 ulps of ref, ref a float64 reference
// value (see exprel32Ref). A NaN is 0 ulp from NaN and infinitely far from
// anything else.
func ulpErr32(got float32, ref float64) float64 {
	g := float64(got)
	if math.IsNaN(ref) || math.IsNaN(g) {
		if math.IsNaN(ref) && math.IsNaN(g) {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsInf(ref, 0) || math.IsInf(g, -1) {
		if g == ref {
			return 0
		}
		if !math.IsInf(g, 1) || !math.IsInf(ref, 1) {
			return math.Inf(1)
		}
	}
	if math.IsInf(g, 1) {
		g = 0x1p128
	}
	r := math.Min(math.Abs(ref), 0x1p128) * sign(ref)
	_, e := math.Frexp(r) // |r| = frac * 2^e, frac in [0.5, 1)
	ulp := math.Ldexp(1, max(e-24, -149))
	return math.Abs(g-r) / ulp
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// worstCase is the largest error seen and where.
type worstCase[T any] struct {
	mu  sync.Mutex
	ulp float64
	x   T
	got T
	n   atomic.Int64
}

func (w *worstCase[T]) add(ulp float64, x, got T) {
	w.mu.Lock()
	if ulp > w.ulp || (math.IsInf(ulp, 0) && !math.IsInf(w.ulp, 0)) {
		w.ulp, w.x, w.got = ulp, x, got
	}
	w.mu.Unlock()
}

// TestExprelF32 checks ExprelF32 against exprel32Ref on every 61st float32
// bit pattern and the special values (with ADQUAIF_EXHAUSTIVE=1 every
// pattern, with -short every 4099th), through the Frame API in chunks, on
// GOMAXPROCS workers.
func TestExprelF32(t *testing.T) {
	stride := uint64(61)
	switch {
	case exhaustive:
		stride = 1
	case testing.Short():
		stride = 4099
	}
	start := time.Now()
	var w worstCase[float32]
	sweep32(&w, stride, generic.ExprelF32, exprel32Ref)
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32,
		0.125, math.Nextafter32(0.125, 1), -0.125, math.Nextafter32(-0.125, -1), 0.5, math.Nextafter32(0.5, 1), -0.5,
		95, math.Nextafter32(95, 100), -87, math.Nextafter32(-87, -100), 88.72, 89, 93, 94, 96, 1e-4, -1e-4}
	got := append([]float32(nil), specials...)
	generic.ExprelF32(&generic.Frame32{V: got, N: len(got)})
	for j, x := range specials {
		w.add(ulpErr32(got[j], exprel32Ref(x)), x, got[j])
	}
	t.Logf("float32: %d inputs in %v on %d workers: max error %.4f ulp at x = %v (%#08x) -> %v",
		w.n.Load()+int64(len(specials)), time.Since(start).Round(time.Millisecond), runtime.GOMAXPROCS(0), w.ulp, w.x, math.Float32bits(w.x), w.got)
	if !(w.ulp <= maxULP) {
		t.Errorf("ExprelF32(%v) = %v: %.4f ulp from exact %v", w.x, w.got, w.ulp, exprel32Ref(w.x))
	}
	// The limits and NaN exactly.
	want := map[int]float64{0: 1, 1: 1, 2: math.Inf(1), 3: 0}
	for j, v := range want {
		if float64(got[j]) != v {
			t.Errorf("ExprelF32(%v) = %v, want %v", specials[j], got[j], v)
		}
	}
	if got[4] == got[4] {
		t.Errorf("ExprelF32(NaN) = %v", got[4])
	}
}

// exprel64Prec is the reference precision for float64: Exprel's relative
// error is below 2^(10-96) = 2^-86, 2^-33 of a float64 ulp.
const exprel64Prec = 96

var (
	two1024  = new(big.Float).SetMantExp(big.NewFloat(1), 1024)
	bigOne   = big.NewFloat(1)
	infinite = math.Inf(1)
)

// ulpErr64 is |got - exprel(x)| in float64 ulps of the exact value, with
// values beyond the range compared as 2^1024 (where +Inf is 0 ulp).
func ulpErr64(x, got float64) float64 {
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
	ex := reference.Exprel(big.NewFloat(x), exprel64Prec)
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
	e := ex.MantExp(nil) // |ex| in [2^(e-1), 2^e)
	ulp := new(big.Float).SetMantExp(bigOne, max(e-53, -1074))
	r, _ := d.Abs(d).Quo(d, ulp).Float64()
	return r
}

// exprel64Inputs returns n inputs: the edges of every branch of the
// algorithm and of the float64 range, then random ones from several
// distributions (all bit patterns, the working range, near zero, near the
// branch points, near overflow and underflow of exp).
func exprel64Inputs(n int) []float64 {
	xs := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022, math.MaxFloat64, -math.MaxFloat64}
	for _, e := range []float64{0.0625, 0.5, 708, 709, 709.78, 710, 716, 716.2, 720, 745, 1e-7, 1e-4, 1, 2, 30, 60} {
		for _, s := range []float64{1, -1} {
			x := s * e
			xs = append(xs, x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
		}
	}
	rng := rand.New(rand.NewPCG(64, 1))
	for len(xs) < n {
		var x float64
		switch rng.IntN(6) {
		case 0:
			x = math.Float64frombits(rng.Uint64())
		case 1:
			x = (rng.Float64()*2 - 1) * 750
		case 2:
			x = (rng.Float64()*2 - 1) * math.Ldexp(1, -rng.IntN(64))
		case 3:
			x = (rng.Float64()*2 - 1) * 2
		case 4:
			x = math.Ldexp(1+rng.Float64(), -5+rng.IntN(12)) * sign(rng.Float64()-0.5)
		case 5:
			x = []float64{708, 716.2, 745, 0.0625, 0.5}[rng.IntN(5)]*sign(rng.Float64()-0.5) + (rng.Float64()*2-1)*1e-3
		}
		xs = append(xs, x)
	}
	return xs
}

// TestExprelF64 checks ExprelF64 against the big.Float reference on
// 5*10^5 edge and random inputs (10^7 with ADQUAIF_EXHAUSTIVE=1, 10^5 with
// -short).
func TestExprelF64(t *testing.T) {
	n := 500_000
	switch {
	case exhaustive:
		n = 10_000_000
	case testing.Short():
		n = 100_000
	}
	start := time.Now()
	xs := exprel64Inputs(n)
	got := append([]float64(nil), xs...)
	generic.ExprelF64(&generic.Frame64{V: got, N: len(got)})
	var w worstCase[float64]
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local, lx, lg := 0.0, 0.0, 0.0
			for j := k; j < len(xs); j += workers {
				if e := ulpErr64(xs[j], got[j]); e > local || (math.IsInf(e, 0) && !math.IsInf(local, 0)) {
					local, lx, lg = e, xs[j], got[j]
				}
			}
			w.add(local, lx, lg)
		}()
	}
	wg.Wait()
	t.Logf("float64: %d inputs in %v: max error %.4f ulp at x = %v -> %v", len(xs), time.Since(start).Round(time.Millisecond), w.ulp, w.x, w.got)
	if !(w.ulp <= maxULP) {
		t.Errorf("ExprelF64(%v) = %v: %.4f ulp from exact", w.x, w.got, w.ulp)
	}
	for j, v := range map[int]float64{0: 1, 1: 1, 2: math.Inf(1), 3: 0} {
		if got[j] != v {
			t.Errorf("ExprelF64(%v) = %v, want %v", xs[j], got[j], v)
		}
	}
	if got[4] == got[4] {
		t.Errorf("ExprelF64(NaN) = %v", got[4])
	}
}

// TestCIRunsExhaustive checks that CI runs the exhaustive form of these
// tests, which nothing else does.
func TestCIRunsExhaustive(t *testing.T) {
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.HasPrefix(line, "ADQUAIF_EXHAUSTIVE=1 go test ") && strings.HasSuffix(line, " ./...") {
			return
		}
	}
	t.Error(".ci/run has no line ADQUAIF_EXHAUSTIVE=1 go test ... ./...: the exhaustive checks never run")
}

// TestULPErr is the negative control of the measures: one ulp off is 1,
// and an overflow where the value is finite is infinitely wrong.
func TestULPErr(t *testing.T) {
	x := float32(1.5)
	r := exprel32Ref(x)
	f := float32(r)
	if e := ulpErr32(math.Nextafter32(f, 10), r); e < 0.5 || e > 1.5 {
		t.Errorf("float32: one ulp off measures %v", e)
	}
	if e := ulpErr32(float32(math.Inf(1)), r); !math.IsInf(e, 1) && e < 1e6 {
		t.Errorf("float32: +Inf for a finite value measures %v", e)
	}
	g := math.Expm1(1.5) / 1.5
	if e := ulpErr64(1.5, math.Nextafter(math.Nextafter(math.Nextafter(g, 10), 10), 10)); e < 2 || e > 4 {
		t.Errorf("float64: three ulp off measures %v", e)
	}
	if e := ulpErr64(800, math.MaxFloat64); e < 0.5 {
		t.Errorf("float64: MaxFloat64 for an overflow measures %v", e)
	}
}

// sweep32 runs kernel over every stride-th float32 bit pattern, in chunks
// shared by GOMAXPROCS goroutines, and records in w the worst ulp error
// against ref and how many inputs were checked.
func sweep32(w *worstCase[float32], stride uint64, kernel func(*generic.Frame32), ref func(float32) float64) {
	const chunk = 1 << 16
	var nextChunk atomic.Uint64
	var wg sync.WaitGroup
	total := uint64(1) << 32
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, chunk)
			in := make([]float32, chunk)
			local := 0.0
			var lx, lg float32
			for {
				lo := nextChunk.Add(1) - 1
				first := lo * chunk * stride
				if first >= total {
					break
				}
				n := 0
				for b := first; b < total && n < chunk; b += stride {
					in[n] = math.Float32frombits(uint32(b))
					n++
				}
				copy(buf, in[:n])
				kernel(&generic.Frame32{V: buf[:n], N: n})
				for j := 0; j < n; j++ {
					if e := ulpErr32(buf[j], ref(in[j])); e > local || (math.IsInf(e, 0) && !math.IsInf(local, 0)) {
						local, lx, lg = e, in[j], buf[j]
					}
				}
				w.n.Add(int64(n))
			}
			w.add(local, lx, lg)
		}()
	}
	wg.Wait()
}
