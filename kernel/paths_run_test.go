package kernel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestPathsRun compares every path with generic over Run calls of several
// steps, where the paths carry the state in registers from step to step:
// lengths around the vector widths and interleaved groups, step counts
// below and across a path call's chunk, inputs held or one row per step,
// outputs of the last step or of every step, each buffer in guarded memory.
func TestPathsRun(t *testing.T) {
	paths := Available()
	if len(paths) == 1 {
		t.Skipf("only %v runs here: nothing to compare", paths)
	}
	defer SetISA(ISA())
	sizes := []int{1, 3, 4, 5, 8, 15, 16, 17, 24, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 129, 200}
	steps := []int{2, 5, chunk + 3}
	if testing.Short() {
		sizes, steps = []int{1, 5, 16, 17, 33, 49, 65}, []int{2, chunk + 3}
	}
	seed := uint64(0)
	for _, n := range sizes {
		for _, s := range steps {
			seed++
			compareRun[float32](t, paths, n, s, seed)
			compareRun[float64](t, paths, n, s, seed)
		}
	}
}

// runLayout says which optional buffers a Run comparison passes, and
// whether with one row per step.
type runLayout struct {
	has, rows     [numFloat]bool // for sI, sG, sDelta, sSpike
	ref, refRows  bool
	bits, bitRows bool
	index         bool
}

func (l runLayout) String() string {
	return fmt.Sprintf("I=%v/%v G=%v/%v Delta=%v/%v Spike=%v/%v Ref=%v/%v SpikeBits=%v/%v SpikeIndex=%v", l.has[sI], l.rows[sI],
		l.has[sG], l.rows[sG], l.has[sDelta], l.rows[sDelta], l.has[sSpike], l.rows[sSpike], l.ref, l.refRows, l.bits, l.bitRows, l.index)
}

func compareRun[F Float](t *testing.T, paths []string, n, steps int, seed uint64) {
	size := int(unsafe.Sizeof(F(0)))
	g := &gen[F]{r: rand.New(rand.NewPCG(seed, uint64(size))), sp: specials[F]()}
	for _, reset := range []Reset{SoftReset, HardReset} {
		for _, perNeuron := range []bool{false, true} {
			cfg := g.config(reset, perNeuron, n)
			k, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var l runLayout
			for _, i := range []int{sI, sG, sDelta, sSpike} {
				l.has[i], l.rows[i] = g.r.IntN(4) != 0, g.r.IntN(2) == 0
			}
			l.ref, l.refRows = g.r.IntN(2) == 0, g.r.IntN(2) == 0
			l.bits, l.bitRows, l.index = g.r.IntN(3) != 0, g.r.IntN(2) == 0, g.r.IntN(2) == 0
			words := (n + 63) / 64
			bitsLen := words
			if l.bitRows {
				bitsLen = steps * words
			}
			lens := func(i int) int {
				if i >= sI && l.rows[i] {
					return steps * n
				}
				return n
			}
			pl := placement(g.r.IntN(int(numPlacements)))
			g.t = []F{100, 1.75, 0}[g.r.IntN(3)]
			var in [numFloat][]F
			for i := range in {
				in[i] = make([]F, lens(i))
			}
			for j := range n {
				in[sV][j], in[sW][j], in[sLast][j] = g.v(), g.other(10), g.last(cfg.Params.TauRef)
			}
			for j := range in[sI] {
				in[sI][j], in[sDelta][j%len(in[sDelta])] = g.other(60), g.other(5)
			}
			for j := range in[sG] {
				in[sG][j] = g.cond()
			}
			refLen := n
			if l.refRows {
				refLen = steps * n
			}

			run := func(path string) ([numFloat][]F, []bool, []uint64, []int32) {
				var bufs [numFloat]buffer
				var got [numFloat][]F
				for i := range bufs {
					bufs[i] = newBuffer(t, lens(i), size, pl)
					got[i] = floats[F](bufs[i])
					copy(got[i], in[i])
				}
				for j := range got[sSpike] {
					got[sSpike][j] = 7 // neither 0 nor 1: written by every step, or not at all
				}
				refBuf := newBuffer(t, refLen, 1, pl)
				bitsBuf := newBuffer(t, bitsLen, 8, pl)
				spikeBits := unsafe.Slice((*uint64)(bitsBuf.ptr()), bitsLen)
				for i := range spikeBits {
					spikeBits[i] = ^uint64(0) // every bit must be written
				}
				b := Buffers[F]{V: got[sV], W: got[sW], LastSpike: got[sLast]}
				if l.bits {
					b.SpikeBits = spikeBits
				}
				var index []int32
				if l.index {
					b.SpikeIndex = &index
				}
				if l.has[sI] {
					b.I = got[sI]
				}
				if l.has[sG] {
					b.G = got[sG]
				}
				if l.has[sDelta] {
					b.Delta = got[sDelta]
				}
				if l.has[sSpike] {
					b.Spike = got[sSpike]
				}
				if l.ref {
					b.Refractory = bools(refBuf)
				}
				if err := SetISA(path); err != nil {
					t.Fatal(err)
				}
				if err := k.Run(g.t, steps, b); err != nil {
					t.Fatal(err)
				}
				for i, bf := range append(bufs[:], refBuf, bitsBuf) {
					if err := bf.intact(); err != nil {
						t.Fatalf("%s %T n=%d steps=%d %v: around buffer %d: %v", path, F(0), n, steps, l, i, err)
					}
				}
				return got, bools(refBuf), spikeBits, index
			}
			want, wantRef, wantBits, wantIndex := run("generic")
			for _, path := range paths {
				if path == "generic" {
					continue
				}
				got, gotRef, gotBits, gotIndex := run(path)
				what := func() string {
					return fmt.Sprintf("%s %T n=%d steps=%d reset=%v perNeuron=%v %v t0=%v", path, F(0), n, steps, reset, perNeuron, l, g.t)
				}
				for i := range got {
					for j := range got[i] {
						if !sameBits(got[i][j], want[i][j]) {
							t.Fatalf("%s: %s[%d] = %v, generic %v", what(), floatNames[i], j, got[i][j], want[i][j])
						}
					}
				}
				for j := range gotRef {
					if *(*uint8)(unsafe.Pointer(&gotRef[j])) != *(*uint8)(unsafe.Pointer(&wantRef[j])) {
						t.Fatalf("%s: Refractory[%d] differs from generic", what(), j)
					}
				}
				for j := range gotBits {
					if gotBits[j] != wantBits[j] {
						t.Fatalf("%s: SpikeBits[%d] = %#x, generic %#x", what(), j, gotBits[j], wantBits[j])
					}
				}
				if !slices.Equal(gotIndex, wantIndex) {
					t.Fatalf("%s: SpikeIndex = %v, generic %v", what(), gotIndex, wantIndex)
				}
			}
		}
	}
}
