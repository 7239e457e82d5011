//go:build !purego

package kernel

import (
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// The NEON kernels are called here directly on frames, against the generic
// kernels on copies of the same frames: every variant, every combination of
// optional buffers, every length through two unrolled iterations, the
// one-vector loop and the lane-by-lane remainder, with canaries on both
// sides of every buffer (a kernel that reads or writes past a slice changes
// a canary or its result).

const canaries = 5

// neonSteps32/64 are the NEON kernels in the order of generic.StepF32's v.
var (
	neonSteps32 = []func(*generic.Frame32){stepNEONF32Soft, stepNEONF32SoftPN, stepNEONF32Hard, stepNEONF32HardPN}
	neonSteps64 = []func(*generic.Frame64){stepNEONF64Soft, stepNEONF64SoftPN, stepNEONF64Hard, stepNEONF64HardPN}
)

// frameBufs holds a frame's buffers with canaries around each.
type frameBufs[F Float] struct {
	floats [6][]F // V, W, Last, I, Delta, Spike, each with canaries
	ref    []bool
}

func (b *frameBufs[F]) clone() *frameBufs[F] {
	c := &frameBufs[F]{ref: append([]bool(nil), b.ref...)}
	for i, s := range b.floats {
		c.floats[i] = append([]F(nil), s...)
	}
	return c
}

// inner is the part of s that the kernel sees, or nil if s is absent.
func inner[T any](s []T, n int) []T {
	if s == nil {
		return nil
	}
	return s[canaries : canaries+n : canaries+n]
}

func newFrameBufs[F Float](rng *splitmix64, n, opt int, vth F) *frameBufs[F] {
	b := &frameBufs[F]{}
	for i := range b.floats {
		if i >= 3 && opt&(1<<(i-3)) == 0 {
			continue
		}
		s := make([]F, n+2*canaries)
		for j := range s {
			s[j] = F(math.Float32frombits(0x7fc0dead)) // a NaN that no kernel produces
		}
		for j := canaries; j < canaries+n; j++ {
			s[j] = diffValue(rng, i, vth)
		}
		b.floats[i] = s
	}
	if opt&8 != 0 {
		b.ref = make([]bool, n+2*canaries)
		for j := range b.ref {
			b.ref[j] = j%2 == 0
		}
	}
	return b
}

// diffValue draws stream i's value: mostly typical, often near the
// threshold or the refractory boundary, sometimes special.
func diffValue[F Float](rng *splitmix64, i int, vth F) F {
	switch rng.next() % 12 {
	case 0:
		return F(math.NaN())
	case 1:
		return F(math.Inf(int(rng.next()%2)*2 - 1))
	case 2:
		return F(rng.between(-1e5, 1e5)) // exprel's slow path and overflow
	case 3:
		return F(math.Float32frombits(uint32(rng.next() % 0x800000)))
	case 4:
		return vth
	}
	switch i {
	case 0:
		return F(rng.between(-75, -25))
	case 2: // last spike time, t = 10: around the refractory boundary
		return F(rng.between(7, 10))
	case 5: // Spike is output only
		return 7
	}
	return F(rng.between(-10, 10))
}

func TestNEONMatchesGeneric(t *testing.T) {
	if !useNEON {
		t.Skip("no ASIMD")
	}
	lengths := 70
	if testing.Short() {
		lengths = 40
	}
	t.Run("F32", func(t *testing.T) { neonVsGeneric[float32](t, lengths) })
	t.Run("F64", func(t *testing.T) { neonVsGeneric[float64](t, lengths) })
}

func neonVsGeneric[F Float](t *testing.T, lengths int) {
	rng := splitmix64(42)
	p := Defaults[F]()
	for v := 0; v < 4; v++ {
		perNeuron := v%2 == 1
		for n := 0; n <= lengths; n++ {
			var consts []F
			if perNeuron {
				pn := &PerNeuron[F]{VTh: make([]F, max(n, 1)), TauRef: make([]F, max(n, 1))}
				for j := range pn.VTh {
					pn.VTh[j] = F(rng.between(-40, -20))
					pn.TauRef[j] = F(rng.between(0, 3))
				}
				k, err := New(Config[F]{Params: p, PerNeuron: pn, DT: 0.1, Reset: Reset(v / 2)})
				if err != nil {
					t.Fatal(err)
				}
				consts = k.consts
			} else {
				k, err := New(Config[F]{Params: p, DT: 0.1, Reset: Reset(v / 2)})
				if err != nil {
					t.Fatal(err)
				}
				consts = k.consts
			}
			for opt := 0; opt < 16; opt++ {
				want := newFrameBufs(&rng, n, opt, p.VTh)
				got := want.clone()
				runFrame(v, n, consts, want, false)
				runFrame(v, n, consts, got, true)
				name := fmt.Sprintf("v=%d/n=%d/opt=%d", v, n, opt)
				for i := range want.floats {
					for j := range want.floats[i] {
						if !neonSameBits(got.floats[i][j], want.floats[i][j]) {
							t.Fatalf("%s: stream %d [%d] (canaries %d): neon %v (%#x), generic %v (%#x)", name, i, j, canaries,
								got.floats[i][j], neonBits(got.floats[i][j]), want.floats[i][j], neonBits(want.floats[i][j]))
						}
					}
				}
				for j := range want.ref {
					if got.ref[j] != want.ref[j] {
						t.Fatalf("%s: Ref[%d] (canaries %d): neon %v, generic %v", name, j, canaries, got.ref[j], want.ref[j])
					}
				}
			}
		}
	}
}

func runFrame[F Float](v, n int, consts []F, b *frameBufs[F], neon bool) {
	stride := max(n, 1)
	if v%2 == 0 {
		stride = 0
	}
	if unsafe.Sizeof(F(0)) == 4 {
		f := generic.Frame32{
			V: as[float32](inner(b.floats[0], n)), W: as[float32](inner(b.floats[1], n)), Last: as[float32](inner(b.floats[2], n)),
			I: as[float32](inner(b.floats[3], n)), Delta: as[float32](inner(b.floats[4], n)), Spike: as[float32](inner(b.floats[5], n)),
			Ref: inner(b.ref, n), C: as[float32](consts), Stride: stride, N: n, T: 10,
		}
		if neon {
			neonSteps32[v](&f)
		} else {
			generic.StepF32(v, &f)
		}
		return
	}
	f := generic.Frame64{
		V: as[float64](inner(b.floats[0], n)), W: as[float64](inner(b.floats[1], n)), Last: as[float64](inner(b.floats[2], n)),
		I: as[float64](inner(b.floats[3], n)), Delta: as[float64](inner(b.floats[4], n)), Spike: as[float64](inner(b.floats[5], n)),
		Ref: inner(b.ref, n), C: as[float64](consts), Stride: stride, N: n, T: 10,
	}
	if neon {
		neonSteps64[v](&f)
	} else {
		generic.StepF64(v, &f)
	}
}

// neonSameBits is bit equality, except that any two NaNs are equal (SPEC lets
// paths differ in NaN payloads).
func neonSameBits[F Float](a, b F) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return neonBits(a) == neonBits(b)
}

func neonBits[F Float](x F) uint64 {
	if unsafe.Sizeof(x) == 4 {
		return uint64(math.Float32bits(float32(x)))
	}
	return math.Float64bits(float64(x))
}

// TestNEONExprel checks the exprel kernels, which run exprel in place over
// V, against generic on arguments from every binade, both signs, and the
// boundaries of its polynomial and reduction ranges.
func TestNEONExprel(t *testing.T) {
	if !useNEON {
		t.Skip("no ASIMD")
	}
	rng := splitmix64(7)
	const n = 4099 // not a multiple of any unroll: the tail runs too
	x32, y32 := make([]float32, n), make([]float32, n)
	x64, y64 := make([]float64, n), make([]float64, n)
	special := []float64{0, math.Copysign(0, -1), 0.125, -0.125, 0.0625, 0.5, -0.5, 87, -87, 95, -95, 708, -708, 720, -720,
		1e-30, math.Inf(1), math.Inf(-1), math.NaN(), 88.7, 89, 1e10, -1e10}
	for j := range n {
		var x float64
		if j < len(special) {
			x = special[j]
		} else {
			e := rng.between(-40, 12) // |x| from 2^-40 to 2^12
			x = math.Exp2(e)
			if rng.next()%2 == 0 {
				x = -x
			}
		}
		x32[j], x64[j] = float32(x), x
	}
	copy(y32, x32)
	copy(y64, x64)
	generic.ExprelF32(&generic.Frame32{V: x32, N: n})
	exprelNEONF32(&generic.Frame32{V: y32, N: n})
	generic.ExprelF64(&generic.Frame64{V: x64, N: n})
	exprelNEONF64(&generic.Frame64{V: y64, N: n})
	for j := range n {
		if !neonSameBits(x32[j], y32[j]) {
			t.Errorf("float32 exprel [%d]: neon %v (%#x), generic %v (%#x)", j, y32[j], neonBits(y32[j]), x32[j], neonBits(x32[j]))
		}
		if !neonSameBits(x64[j], y64[j]) {
			t.Errorf("float64 exprel [%d]: neon %v (%#x), generic %v (%#x)", j, y64[j], neonBits(y64[j]), x64[j], neonBits(x64[j]))
		}
	}
}

// TestNEONDispatch checks that arm64 picks NEON and can be switched off.
func TestNEONDispatch(t *testing.T) {
	if got, want := Available(), []string{"neon", "generic"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Available() = %v, want %v", got, want)
	}
	defer SetISA(ISA())
	for _, name := range []string{"generic", "neon"} {
		if err := SetISA(name); err != nil {
			t.Fatal(err)
		}
		if ISA() != name {
			t.Fatalf("after SetISA(%q), ISA() = %q", name, ISA())
		}
	}
	if err := SetISA("avx2"); err == nil {
		t.Fatal(`SetISA("avx2") succeeded on arm64`)
	}
}
