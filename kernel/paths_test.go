package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// The tests in this file compare every execution path this CPU can run
// (Available) with the generic path, bit for bit: the paths are one
// algorithm, so any difference is a bug. A NaN may differ in payload only.

// sameBits reports whether x and y have the same bits, or are both NaN.
func sameBits[F Float](x, y F) bool {
	if x != x && y != y {
		return true
	}
	if unsafe.Sizeof(x) == 4 {
		return math.Float32bits(float32(x)) == math.Float32bits(float32(y))
	}
	return math.Float64bits(float64(x)) == math.Float64bits(float64(y))
}

// A placement is where a buffer sits in its guarded region.
type placement int

const (
	flushEnd   placement = iota // ends where the trailing guard page starts; sentinels before it
	flushStart                  // starts right after the leading guard page; sentinels after it
	offset                      // a few elements after the leading guard page; sentinels on both sides
	numPlacements
)

func (p placement) String() string { return [...]string{"flush-end", "flush-start", "offset"}[p] }

// sentinelBytes is more than a vector of the widest path.
const (
	sentinelBytes = 96
	sentinel      = 0xa5
)

// buffer is a slice of n elements of the given size inside a guarded
// region, with the sentinel byte everywhere else in the region.
type buffer struct {
	mem    []byte
	lo, hi int
}

func newBuffer(t testing.TB, n, size int, p placement) buffer {
	nb := n * size
	var b buffer
	switch p {
	case flushEnd:
		b.mem = guardedRegion(t, nb+sentinelBytes)
		b.lo = sentinelBytes
	case flushStart:
		b.mem = guardedRegion(t, nb+sentinelBytes)
	case offset:
		off := size * (1 + n%7)
		b.mem = guardedRegion(t, off+nb+sentinelBytes)
		b.lo = off
	}
	b.hi = b.lo + nb
	for i := range b.mem {
		b.mem[i] = sentinel
	}
	return b
}

func (b buffer) ptr() unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(b.mem)), b.lo)
}

func floats[F Float](b buffer) []F {
	return unsafe.Slice((*F)(b.ptr()), (b.hi-b.lo)/int(unsafe.Sizeof(F(0))))
}

func bools(b buffer) []bool { return unsafe.Slice((*bool)(b.ptr()), b.hi-b.lo) }

// intact reports the first sentinel byte that changed, if any.
func (b buffer) intact() error {
	for i, x := range b.mem {
		if (i < b.lo || i >= b.hi) && x != sentinel {
			return fmt.Errorf("byte %d of the region (slice at [%d, %d)) changed to %#x", i, b.lo, b.hi, x)
		}
	}
	return nil
}

// specials are the values that exercise IEEE edge cases.
func specials[F Float]() []F {
	if unsafe.Sizeof(F(0)) == 4 {
		return []F{F(math.NaN()), F(math.Inf(1)), F(math.Inf(-1)), 0, F(math.Copysign(0, -1)),
			F(math.Float32frombits(1)), F(math.Float32frombits(0x007fffff)), F(math.Float32frombits(0x80000001)),
			F(math.SmallestNonzeroFloat32 * 0x1p23), math.MaxFloat32, -math.MaxFloat32, 1e30, -1e30, 1e-30}
	}
	var big, huge, tiny float64 = math.MaxFloat64, 1e300, 1e-300
	return []F{F(math.NaN()), F(math.Inf(1)), F(math.Inf(-1)), 0, F(math.Copysign(0, -1)),
		F(math.Float64frombits(1)), F(math.Float64frombits(0x000fffffffffffff)), F(math.Float64frombits(0x8000000000000001)),
		0x1p-1022, F(big), F(-big), F(huge), F(-huge), F(tiny)}
}

type gen[F Float] struct {
	r   *rand.Rand
	sp  []F
	par Params[F]
	t   F
}

func (g *gen[F]) uniform(lo, hi float64) F { return F(lo + (hi-lo)*g.r.Float64()) }

func (g *gen[F]) special() F { return g.sp[g.r.IntN(len(g.sp))] }

// specialTime draws a finite special value (Step refuses the others as t).
func (g *gen[F]) specialTime() F {
	for {
		if x := g.special(); x-x == 0 { // finite
			return x
		}
	}
}

// v draws a membrane potential: mostly near rest and threshold (spikes,
// the fast exprel branch), some far from it (exprel's Rare block, both of
// its branches), some special.
func (g *gen[F]) v() F {
	switch x := g.r.IntN(100); {
	case x < 35:
		return g.uniform(-75, -25)
	case x < 50:
		return g.uniform(float64(g.par.VTh)-0.5, float64(g.par.VTh)+0.5)
	case x < 65:
		return g.uniform(-250, 250)
	case x < 75:
		return g.uniform(-2e4, 2e4)
	case x < 85:
		return g.special()
	}
	return g.uniform(-70, -60)
}

// last draws a last spike time around the refractory boundary t - tau_ref.
func (g *gen[F]) last(tauRef F) F {
	edge := g.t - tauRef
	switch x := g.r.IntN(10); x {
	case 0:
		return edge
	case 1:
		return F(math.Nextafter(float64(edge), math.Inf(1)))
	case 2:
		return F(math.Nextafter(float64(edge), math.Inf(-1)))
	case 3:
		return g.t
	case 4:
		return -1e7
	case 5:
		return g.special()
	}
	return g.t - g.uniform(0, 5)
}

// cond draws a conductance: mostly a synapse's, some so large that dt*J
// takes exprel's slow path, zeros of both signs, some special.
func (g *gen[F]) cond() F {
	switch x := g.r.IntN(10); x {
	case 0:
		return 0
	case 1:
		return F(math.Copysign(0, -1))
	case 2:
		return g.special()
	case 3:
		return g.uniform(0, 1e3)
	}
	return g.uniform(0, 3)
}

func (g *gen[F]) other(scale float64) F {
	if g.r.IntN(20) == 0 {
		return g.special()
	}
	return g.uniform(-scale, scale)
}

// config draws valid parameters: BrainPy's defaults or random ones, large c
// sometimes (large exprel arguments), and for per-neuron kernels values that
// differ per neuron.
func (g *gen[F]) config(reset Reset, perNeuron bool, pop int) Config[F] {
	p := Defaults[F]()
	random := func() Params[F] {
		q := Params[F]{R: g.uniform(0.5, 2), Tau: g.uniform(2, 20), TauW: g.uniform(2, 50), TauRef: g.uniform(0, 3),
			VTh: g.uniform(-35, -25), VReset: g.uniform(-75, -60), VRest: g.uniform(-70, -60), VC: g.uniform(-55, -45),
			C: g.uniform(0.01, 0.1), A: g.uniform(0, 2), B: g.uniform(0, 1)}
		if g.r.IntN(3) == 0 {
			q.C = g.uniform(0.5, 5)
		}
		return q
	}
	if g.r.IntN(2) == 0 {
		p = random()
	}
	cfg := Config[F]{Params: p, DT: []F{0.1, 1, 0.025}[g.r.IntN(3)], Reset: reset}
	g.par = p
	if !perNeuron {
		return cfg
	}
	per := &PerNeuron[F]{}
	fields := per.ptrs()
	for i := range fields {
		if g.r.IntN(2) == 0 {
			*fields[i] = make([]F, pop)
		}
	}
	per.VTh = make([]F, pop) // at least one slice: the population's size
	for j := 0; j < pop; j++ {
		q := random()
		vals := q.list()
		for i, f := range fields {
			if *f != nil {
				(*f)[j] = vals[i]
			}
		}
	}
	cfg.PerNeuron = per
	return cfg
}

func (p *PerNeuron[F]) ptrs() [numParams]*[]F {
	return [numParams]*[]F{&p.R, &p.Tau, &p.TauW, &p.TauRef, &p.VTh, &p.VReset, &p.VRest, &p.VC, &p.C, &p.A, &p.B}
}

// TestPathsISA checks the path that dispatch picked when the caller says
// which one this CPU (or emulated CPU) must get: CI runs the tests under
// qemu-x86_64 -cpu Haswell with ADQUAIF_WANT_ISA=avx2, and -cpu Nehalem
// with ADQUAIF_WANT_ISA=generic.
func TestPathsISA(t *testing.T) {
	want := os.Getenv("ADQUAIF_WANT_ISA")
	if want == "" {
		t.Skip("ADQUAIF_WANT_ISA not set")
	}
	if got := ISA(); got != want {
		t.Fatalf("ISA() = %q, want %q (Available: %v)", got, want, Available())
	}
}

// TestPaths runs every path on every length 0..300, with each buffer in
// three placements against PROT_NONE guard pages, for every variant and
// every combination of the optional buffers, and compares the results and
// the untouched memory around every buffer with generic's.
func TestPaths(t *testing.T) {
	paths := Available()
	if len(paths) == 1 {
		t.Skipf("only %v runs here: nothing to compare", paths)
	}
	defer SetISA(ISA())
	maxN := 300
	if testing.Short() {
		maxN = 100
	}
	for n := 0; n <= maxN; n++ {
		for p := placement(0); p < numPlacements; p++ {
			comparePaths[float32](t, paths, n, p)
			comparePaths[float64](t, paths, n, p)
		}
	}
}

// The float buffers of a path comparison, in order.
const (
	sV = iota
	sW
	sLast
	sI
	sDelta
	sG
	sSpike
	numFloat
)

var floatNames = [numFloat]string{"V", "W", "LastSpike", "I", "Delta", "G", "Spike"}

func comparePaths[F Float](t *testing.T, paths []string, n int, pl placement) {
	size := int(unsafe.Sizeof(F(0)))
	g := &gen[F]{r: rand.New(rand.NewPCG(uint64(n), uint64(pl)*2+uint64(size))), sp: specials[F]()}
	var bufs [numFloat]buffer
	for i := range bufs {
		bufs[i] = newBuffer(t, n, size, pl)
	}
	refBuf := newBuffer(t, n, 1, pl)
	words := (n + 63) / 64
	bitsBuf := newBuffer(t, words, 8, pl)
	wantBits := make([]uint64, words)
	in := make([][]F, numFloat)
	for i := range in {
		in[i] = make([]F, n)
	}
	want := make([][]F, numFloat)
	for i := range want {
		want[i] = make([]F, n)
	}
	wantRef := make([]bool, n)

	for _, reset := range []Reset{SoftReset, HardReset} {
		for _, perNeuron := range []bool{false, true} {
			rows := 1
			if perNeuron {
				for _, r := range []int{3, 2} {
					if n > 0 && n%r == 0 {
						rows = r
						break
					}
				}
			}
			pop := max(n/rows, 1)
			cfg := g.config(reset, perNeuron, pop)
			k, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The constant table in guarded memory too: per-neuron
			// kernels read it per lane.
			cb := newBuffer(t, len(k.consts), size, pl)
			copy(floats[F](cb), k.consts)
			k.consts = floats[F](cb)
			consts := append([]F(nil), k.consts...)

			for combo := 0; combo < 32; combo++ {
				hasI, hasDelta, hasSpike, hasRef, hasG := combo&1 != 0, combo&2 != 0, combo&4 != 0, combo&8 != 0, combo&16 != 0
				hasBits := (combo+n)%2 == 0 // with and without, for every combination across lengths
				g.t = []F{100, 1.75, 0, g.specialTime()}[g.r.IntN(4)]
				for j := 0; j < n; j++ {
					in[sV][j] = g.v()
					in[sW][j] = g.other(10)
					in[sLast][j] = g.last(cfg.Params.TauRef)
					in[sI][j] = g.other(60)
					in[sDelta][j] = g.other(5)
					in[sG][j] = g.cond()
				}
				if perNeuron && cfg.PerNeuron.TauRef != nil && n > 0 {
					// Hit the refractory boundary of per-neuron tau_ref too.
					j := g.r.IntN(n)
					in[sLast][j] = g.t - cfg.PerNeuron.TauRef[j%pop]
				}
				for i := range want {
					copy(want[i], in[i])
				}
				b := buffersOf(want, wantRef, hasI, hasG, hasDelta, hasSpike, hasRef)
				if hasBits {
					b.SpikeBits = wantBits
				}
				if err := SetISA("generic"); err != nil {
					t.Fatal(err)
				}
				if err := k.Step(g.t, b); err != nil {
					t.Fatal(err)
				}

				for _, path := range paths {
					if path == "generic" {
						continue
					}
					what := func() string {
						return fmt.Sprintf("%s %T n=%d %s reset=%v perNeuron=%v (rows %d) I=%v G=%v Delta=%v Spike=%v Ref=%v SpikeBits=%v t=%v",
							path, F(0), n, pl, reset, perNeuron, rows, hasI, hasG, hasDelta, hasSpike, hasRef, hasBits, g.t)
					}
					got := make([][]F, numFloat)
					for i := range bufs {
						got[i] = floats[F](bufs[i])
						copy(got[i], in[i])
					}
					for j := range got[sSpike] {
						got[sSpike][j] = 7 // neither 0 nor 1: the step must write it
					}
					gotRef := bools(refBuf)
					for j := range gotRef {
						*(*uint8)(unsafe.Pointer(&gotRef[j])) = 2
					}
					b := buffersOf(got, gotRef, hasI, hasG, hasDelta, hasSpike, hasRef)
					gotBits := unsafe.Slice((*uint64)(bitsBuf.ptr()), words)
					for j := range gotBits {
						gotBits[j] = ^uint64(0) // every bit must be written
					}
					if hasBits {
						b.SpikeBits = gotBits
					}
					if err := SetISA(path); err != nil {
						t.Fatal(err)
					}
					if err := k.Step(g.t, b); err != nil {
						t.Fatal(err)
					}
					for i := range got {
						if (i == sSpike && !hasSpike) || (i == sI && !hasI) || (i == sG && !hasG) || (i == sDelta && !hasDelta) {
							continue
						}
						for j := range got[i] {
							if !sameBits(got[i][j], want[i][j]) {
								t.Fatalf("%s: %s[%d] = %v (%#x), generic %v; inputs V=%v W=%v Last=%v I=%v G=%v Delta=%v", what(), floatNames[i], j,
									got[i][j], bitsOf(got[i][j]), want[i][j], in[sV][j], in[sW][j], in[sLast][j], in[sI][j], in[sG][j], in[sDelta][j])
							}
						}
					}
					if !hasSpike {
						for j, x := range got[sSpike] {
							if x != 7 {
								t.Fatalf("%s: Spike[%d] written without a Spike buffer", what(), j)
							}
						}
					}
					for j := range gotRef {
						x := *(*uint8)(unsafe.Pointer(&gotRef[j]))
						w := uint8(2)
						if hasRef {
							w = *(*uint8)(unsafe.Pointer(&wantRef[j]))
						}
						if x != w {
							t.Fatalf("%s: Refractory[%d] byte %d, want %d", what(), j, x, w)
						}
					}
					for j := range gotBits {
						if hasBits && gotBits[j] != wantBits[j] || !hasBits && gotBits[j] != ^uint64(0) {
							t.Fatalf("%s: SpikeBits[%d] = %#x, generic %#x", what(), j, gotBits[j], wantBits[j])
						}
					}
					for i, bf := range append(bufs[:], refBuf, bitsBuf, cb) {
						if err := bf.intact(); err != nil {
							t.Fatalf("%s: around buffer %d: %v", what(), i, err)
						}
					}
					for j, c := range k.consts {
						if !sameBits(c, consts[j]) {
							t.Fatalf("%s: constant %d changed", what(), j)
						}
					}
				}
			}
		}
	}
}

func bitsOf[F Float](x F) uint64 {
	if unsafe.Sizeof(x) == 4 {
		return uint64(math.Float32bits(float32(x)))
	}
	return math.Float64bits(float64(x))
}

// TestPathsExprel compares each path's exprel program with generic's on
// every special value, a dense sweep of the bit patterns, and dense samples
// around the branch points, in blocks of every length up to 70 (tails).
func TestPathsExprel(t *testing.T) {
	if len(available()) == 1 {
		t.Skipf("only %v runs here: nothing to compare", Available())
	}
	var x32 []float32
	x32 = append(x32, specials[float32]()...)
	step := uint32(4093)
	if testing.Short() {
		step = 65521
	}
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		x32 = append(x32, math.Float32frombits(uint32(b)))
	}
	var x64 []float64
	x64 = append(x64, specials[float64]()...)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(x32); i++ {
		x64 = append(x64, math.Float64frombits(r.Uint64()))
	}
	// Around the branch points of exprel (fast 0.125/0.0625, mid 0.5, the
	// clamps) and zero, in both types.
	for _, c := range []float64{0, 0.0625, 0.125, 0.5, 87, 95, 708, 720, 1e-4, 1e-7} {
		for _, s := range []float64{1, -1} {
			for i := -300; i <= 300; i++ {
				f := float32(s * c)
				x32 = append(x32, math.Float32frombits(math.Float32bits(f)+uint32(i)))
				d := s * c
				x64 = append(x64, math.Float64frombits(math.Float64bits(d)+uint64(i)))
				x32 = append(x32, float32(d*(1+float64(i)/300)))
				x64 = append(x64, d*(1+float64(i)/300))
			}
		}
	}
	for i := 0; i < 200000; i++ {
		x32 = append(x32, float32(r.NormFloat64()*0.3))
		x64 = append(x64, r.NormFloat64()*0.3)
	}
	for _, id := range available() {
		if id == isaGeneric {
			continue
		}
		compareExprel(t, id, x32, func(id isa, v []float32) {
			f := generic.Frame32{V: v, N: len(v)}
			if id == isaGeneric {
				generic.ExprelF32(&f)
			} else {
				exprelPath32(id, &f)
			}
		})
		compareExprel(t, id, x64, func(id isa, v []float64) {
			f := generic.Frame64{V: v, N: len(v)}
			if id == isaGeneric {
				generic.ExprelF64(&f)
			} else {
				exprelPath64(id, &f)
			}
		})
	}
}

func compareExprel[F Float](t *testing.T, id isa, xs []F, run func(isa, []F)) {
	want := append([]F(nil), xs...)
	got := append([]F(nil), xs...)
	// Blocks of every length 1..70 cover every tail of every path.
	for lo, n := 0, 1; lo < len(xs); lo, n = lo+n, n%70+1 {
		hi := min(lo+n, len(xs))
		run(isaGeneric, want[lo:hi])
		run(id, got[lo:hi])
	}
	for i := range xs {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("%v %T: exprel(%v) = %v (%#x), generic %v (%#x)", id, F(0), xs[i], got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
		}
	}
}

// buffersOf makes Buffers of the stream arrays, leaving out the optional
// ones not asked for.
func buffersOf[F Float](s [][]F, ref []bool, hasI, hasG, hasDelta, hasSpike, hasRef bool) Buffers[F] {
	b := Buffers[F]{V: s[sV], W: s[sW], LastSpike: s[sLast]}
	if hasI {
		b.I = s[sI]
	}
	if hasG {
		b.G = s[sG]
	}
	if hasDelta {
		b.Delta = s[sDelta]
	}
	if hasSpike {
		b.Spike = s[sSpike]
	}
	if hasRef {
		b.Refractory = ref
	}
	return b
}
