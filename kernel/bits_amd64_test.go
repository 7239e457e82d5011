//go:build !purego

package kernel

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// vectorBytes is the vector width of each amd64 path: StoreBits writes a
// vector's bits together.
var vectorBytes = map[isa]int{isaAVX512: 64, isaAVX2: 32}

// TestPathsBitsSpan calls the amd64 paths directly and checks the part of
// StoreBits' contract (asm/step/ir.go) that the kernel hides, since it
// clears the bits past len(V) and its calls end there or on a word: in the
// last, partial vector the bits of the lanes past N are written as zero,
// and bits past that vector are not touched. The lanes below N must match
// generic, at every step's row.
func TestPathsBitsSpan(t *testing.T) {
	testBitsSpan[float32](t)
	testBitsSpan[float64](t)
}

func testBitsSpan[F Float](t *testing.T) {
	// A reset just below the threshold: the masked-off lanes past n read
	// zeros, so their V starts above the threshold, is reset to -1 (soft)
	// and rises: they spike at every step unless their bits are cleared.
	p := Defaults[F]()
	p.VReset = p.VTh - 1
	k, err := New(Config[F]{Params: p, DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	// One step and several: the paths have a section for each.
	for _, steps := range []int{1, 3} {
		for _, id := range available() {
			lanes := vectorBytes[id] / int(unsafe.Sizeof(F(0)))
			if lanes == 0 {
				continue
			}
			spikes, lanesRun := 0, 0
			for n := 1; n <= 140; n++ {
				words := (n + 63) / 64
				// Around the threshold (-30), where many spike; nothing is
				// refractory at t0 = 100.
				v, w, last := make([]F, n), make([]F, n), make([]F, n)
				for j := range v {
					v[j] = F(-32 + 4*r.Float64())
					last[j] = F(50 * r.Float64())
				}
				pattern := make([]uint64, steps*words)
				for i := range pattern {
					pattern[i] = r.Uint64()
				}
				run := func(id isa) []uint64 {
					b := Buffers[F]{V: append([]F(nil), v...), W: append([]F(nil), w...), LastSpike: append([]F(nil), last...)}
					bits := append([]uint64(nil), pattern...)
					k.stepBlock(id, &b, 100, 0, steps, 0, n, 0, bits, words)
					return bits
				}
				want, got := run(isaGeneric), run(id)
				span := (n + lanes - 1) / lanes * lanes
				lanesRun += steps * n
				for s := range steps {
					for j := range 64 * words {
						i := s*words + j/64
						bit := func(x []uint64) uint64 { return x[i] >> (j % 64) & 1 }
						exp := bit(want)
						if j >= n && j < span {
							exp = 0
						}
						if g := bit(got); g != exp {
							t.Fatalf("%v %T n=%d steps=%d: step %d bit %d = %d, want %d (generic %d, before %d; vector span %d lanes)",
								id, F(0), n, steps, s, j, g, exp, bit(want), bit(pattern), span)
						}
						if j < n {
							spikes += int(exp)
						}
					}
				}
			}
			if spikes < lanesRun/10 || spikes > lanesRun/2 {
				t.Fatalf("%v %T steps=%d: %d spikes in %d lane steps: the test needs many of both", id, F(0), steps, spikes, lanesRun)
			}
		}
	}
}
