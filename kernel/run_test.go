package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCase is one Run configuration checked against a loop of Steps.
type runCase struct {
	m, steps, n       int // neurons, steps, per-neuron population (0: homogeneous)
	workers           int
	reset             Reset
	iRows, deltaRows  bool // inputs with one row per step (else held)
	g                 int  // G: 0 absent, 1 held, 2 one row per step
	spikeRows         bool // Spike with one row per step (else the last step's)
	bits, index, refr bool
	lastBits          bool // SpikeBits with the last step's row only (else a row per step)
}

func (c runCase) String() string {
	return fmt.Sprintf("m=%d/steps=%d/n=%d/workers=%d/%v/irows=%v/g=%d/drows=%v/srows=%v/bits=%v/lastbits=%v/index=%v/ref=%v",
		c.m, c.steps, c.n, c.workers, c.reset, c.iRows, c.g, c.deltaRows, c.spikeRows, c.bits, c.lastBits, c.index, c.refr)
}

// checkRun runs c with Run and with a loop of Steps on identical states and
// requires identical bits everywhere.
func checkRun[F Float](t *testing.T, c runCase, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, uint64(c.m)))
	cfg := Config[F]{Params: Defaults[F](), DT: 0.1, Reset: c.reset, Workers: c.workers}
	if c.n > 0 {
		cfg.PerNeuron = &PerNeuron[F]{VTh: make([]F, c.n), TauRef: make([]F, c.n)}
		for j := range c.n {
			cfg.PerNeuron.VTh[j] = F(-35 + 10*rng.Float64())
			cfg.PerNeuron.TauRef[j] = F(2 * rng.Float64())
		}
	}
	k, err := New(cfg)
	require.NoError(t, err)
	cfg.Workers = 0
	k1, err := New(cfg)
	require.NoError(t, err)

	m, steps := c.m, c.steps
	rows := func(on bool) int {
		if on {
			return max(steps, 1) * m
		}
		return m
	}
	V, W, L := make([]F, m), make([]F, m), make([]F, m)
	for j := range m {
		V[j] = F(-75 + 60*rng.Float64())
		W[j] = F(rng.Float64())
		L[j] = F(-1e7)
		if rng.IntN(4) == 0 {
			L[j] = F(-rng.Float64()) // refractory at the start
		}
	}
	I, D := make([]F, rows(c.iRows)), make([]F, rows(c.deltaRows))
	for j := range I {
		I[j] = F(80 * rng.Float64())
	}
	for j := range D {
		D[j] = F(rng.NormFloat64())
	}
	var G []F
	if c.g > 0 {
		G = make([]F, rows(c.g == 2))
		for j := range G {
			G[j] = F(2 * rng.Float64())
		}
	}
	words := (m + 63) / 64
	b := Buffers[F]{V: slices.Clone(V), W: slices.Clone(W), LastSpike: slices.Clone(L), I: I, G: G, Delta: D,
		Spike: make([]F, rows(c.spikeRows))}
	if c.refr {
		b.Refractory = make([]bool, rows(c.spikeRows))
	}
	bitRows := max(steps, 1)
	if c.lastBits {
		bitRows = 1
	}
	if c.bits {
		b.SpikeBits = make([]uint64, bitRows*words)
		for i := range b.SpikeBits {
			b.SpikeBits[i] = ^uint64(0) // every bit must be written
		}
	}
	var index []int32
	if c.index {
		index = []int32{-1, -2} // reset to length 0
		b.SpikeIndex = &index
	}
	t0 := F(12.3)
	require.NoError(t, k.Run(t0, steps, b))

	// The same by single steps.
	V1, W1, L1 := slices.Clone(V), slices.Clone(W), slices.Clone(L)
	spike, ref := make([]F, len(b.Spike)), make([]bool, len(b.Spike))
	wantBits := make([]uint64, max(steps, 1)*words)
	if steps == 0 {
		copy(wantBits, b.SpikeBits) // nothing to write
	}
	var wantIndex []int32
	for s := range steps {
		ts := t0
		if s > 0 {
			ts = t0 + F(F(s)*cfg.DT)
		}
		sb := Buffers[F]{V: V1, W: W1, LastSpike: L1, I: rowOf(I, m, s), G: rowOf(G, m, s), Delta: rowOf(D, m, s),
			Spike: rowOf(spike, m, s), Refractory: rowOf(ref, m, s)}
		require.NoError(t, k1.Step(ts, sb))
		for j, x := range sb.Spike {
			if x == 1 {
				wantIndex = append(wantIndex, int32(s*m+j))
				if c.bits {
					wantBits[s*words+j/64] |= 1 << (j % 64)
				}
			}
		}
	}
	require.True(t, same(V1, b.V), "V")
	require.True(t, same(W1, b.W), "W")
	require.True(t, same(L1, b.LastSpike), "LastSpike")
	require.True(t, same(spike, b.Spike), "Spike")
	if c.refr {
		require.Equal(t, ref, b.Refractory, "Refractory")
	}
	if c.bits {
		if c.lastBits && steps > 0 {
			wantBits = wantBits[(steps-1)*words:]
		}
		require.Equal(t, wantBits, b.SpikeBits, "SpikeBits")
	}
	if c.index {
		require.Equal(t, len(wantIndex), len(index), "SpikeIndex length")
		if len(wantIndex) > 0 {
			require.Equal(t, wantIndex, index, "SpikeIndex")
		}
	}
}

// rowOf is step s's row of a buffer that holds one row of m values or a
// row per step.
func rowOf[T any](buf []T, m, s int) []T {
	if len(buf) > m {
		return buf[s*m : (s+1)*m]
	}
	return buf
}

// same compares bit patterns (NaNs included).
func same[F Float](a, b []F) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// smallParts makes calls of any size split across workers, so that the
// tests' small populations exercise parallel runs, into as many parts as
// Workers asks for up to 8 on any machine (a call has at most GOMAXPROCS
// parts).
func smallParts(t *testing.T) {
	saved := minPart
	minPart = 64
	procs := runtime.GOMAXPROCS(max(8, runtime.GOMAXPROCS(0)))
	t.Cleanup(func() { minPart = saved; runtime.GOMAXPROCS(procs) })
}

func TestRunMatchesSteps(t *testing.T) {
	smallParts(t)
	sizes := []int{0, 1, 63, 64, 65, 130, 1000, 4100, 9000}
	if !testing.Short() {
		sizes = append(sizes, 40000)
	}
	seed := uint64(1)
	for _, m := range sizes {
		for _, steps := range []int{0, 1, 2, 7} {
			for _, workers := range []int{0, 2, 3} {
				seed++
				c := runCase{m: m, steps: steps, workers: workers, reset: Reset(seed % 2),
					iRows: seed%3 == 0, g: int(seed/2) % 3, deltaRows: seed%5 < 2, spikeRows: seed%2 == 0,
					bits: seed%4 != 1, index: seed%3 != 1, refr: seed%2 == 1}
				if m%10 == 0 && m > 0 {
					c.n = m / 10 // ten batch rows of per-neuron values
				}
				t.Run(c.String(), func(t *testing.T) {
					checkRun[float32](t, c, seed)
					checkRun[float64](t, c, seed)
				})
			}
		}
	}
}

// The paths make up to chunk steps per call with the state in registers
// (unless spikes are packed from V after each step): every combination of
// held and per-step buffers and of spike outputs, over step counts around
// chunk's multiples and sizes around the vector widths and the interleaved
// groups of vectors.
func TestRunChunks(t *testing.T) {
	smallParts(t)
	seed := uint64(100)
	sizes := []int{1, 7, 16, 47, 48, 49, 100, 640, 1000, 5000}
	steps := []int{2, 3, chunk - 1, chunk, chunk + 1, 2*chunk + 5}
	if testing.Short() {
		// Fewer sizes and step counts, and a quarter of the combinations
		// for each (emulated runs take minutes otherwise); every
		// combination still runs at some size.
		sizes, steps = []int{1, 16, 49, 100, 640, 1000}, []int{3, chunk + 1}
	}
	for si, m := range sizes {
		for _, steps := range steps {
			for combo := range 64 {
				seed++
				if testing.Short() && (combo+si)%4 != 0 {
					continue
				}
				c := runCase{m: m, steps: steps, reset: Reset(seed % 2), workers: int(seed % 3),
					iRows: combo&1 != 0, g: int(seed/2) % 3, deltaRows: combo&2 != 0, spikeRows: combo&4 != 0, refr: combo&8 != 0,
					bits: combo&16 != 0, index: combo&32 != 0, lastBits: seed%2 == 0}
				if m == 100 || m == 640 || m == 5000 {
					// Five batch rows of per-neuron values; rows of 128
					// start on SpikeBits words, so the paths write the bits.
					c.n = m / 5
				}
				t.Run(c.String(), func(t *testing.T) {
					checkRun[float32](t, c, seed)
					checkRun[float64](t, c, seed)
				})
			}
		}
	}
}

// geBits and geBitsPer agree with one comparison per value, at spike rates
// from none to all, with NaNs, for every length up to a word.
func TestGeBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	nan := float32(math.NaN())
	for _, rate := range []float64{0, 0.01, 0.2, 0.5, 1} {
		for n := 0; n <= 64; n++ {
			v, th := make([]float32, n), make([]float32, n)
			for i := range v {
				th[i] = -50 + float32(rng.IntN(3))
				v[i] = th[i] - 1 - float32(rng.IntN(20))
				switch r := rng.Float64(); {
				case r < rate:
					v[i] = th[i] + float32(rng.IntN(2)) // at or above
				case r < rate+0.02:
					v[i] = nan
				}
			}
			var want, wantPer uint64
			for i := range v {
				if v[i] >= -50 {
					want |= 1 << i
				}
				if v[i] >= th[i] {
					wantPer |= 1 << i
				}
			}
			assert.Equal(t, want, geBits(v, -50), "rate %v n %d", rate, n)
			assert.Equal(t, wantPer, geBitsPer(v, th), "rate %v n %d", rate, n)
		}
	}
}

// Workers changes nothing but the speed, for any split.
func TestWorkersSplits(t *testing.T) {
	smallParts(t)
	for _, m := range []int{64 * 1000, 64*1000 + 17} {
		for _, w := range []int{2, 3, 5, 8} {
			c := runCase{m: m, steps: 3, workers: w, n: 0, g: 1 + w%2, bits: true, index: true, refr: true, spikeRows: true}
			t.Run(c.String(), func(t *testing.T) { checkRun[float32](t, c, uint64(w)) })
		}
	}
	c := runCase{m: 5 * 20000, steps: 2, workers: 4, n: 20000, g: 2, bits: true, index: true}
	t.Run(c.String(), func(t *testing.T) { checkRun[float64](t, c, 9) })
}

func TestRunAllocatesNothing(t *testing.T) {
	smallParts(t)
	for _, workers := range []int{0, 2} {
		if workers > 1 && raceDetector {
			continue // the pooled state of parallel runs is dropped at random
		}
		k, err := New(Config[float32]{Params: Defaults[float32](), DT: 0.1, Workers: workers})
		require.NoError(t, err)
		const m, steps = 1 << 16, 4
		V, W, L := make([]float32, m), make([]float32, m), make([]float32, m)
		for j := range V {
			V[j] = float32(-70 + j%50)
		}
		index := make([]int32, 0, steps*m)
		b := Buffers[float32]{V: V, W: W, LastSpike: L, SpikeBits: make([]uint64, steps*m/64), SpikeIndex: &index}
		require.NoError(t, k.Run(0, steps, b)) // warm the worker pool
		if a := testing.AllocsPerRun(10, func() { _ = k.Run(0, steps, b) }); a != 0 {
			t.Errorf("Run with Workers=%d allocates %v times per call", workers, a)
		}
	}
}

func TestRunRefuses(t *testing.T) {
	k, err := New(defaultConfig())
	require.NoError(t, err)
	const m, steps = 100, 3
	mk := func() Buffers[float64] {
		return Buffers[float64]{V: make([]float64, m), W: make([]float64, m), LastSpike: make([]float64, m)}
	}
	cases := []struct {
		name   string
		steps  int
		mutate func(*Buffers[float64])
		err    error
		msg    string
	}{
		{"negative steps", -1, func(*Buffers[float64]) {}, ErrRange, "kernel: steps = -1: out of range"},
		{"I neither n nor rows", steps, func(b *Buffers[float64]) { b.I = make([]float64, 2*m) }, ErrLength, "Buffers.I"},
		{"rows of Spike for one step", 1, func(b *Buffers[float64]) { b.Spike = make([]float64, 2*m) }, ErrLength, "Spike"},
		{"SpikeBits too short", steps, func(b *Buffers[float64]) { b.SpikeBits = make([]uint64, 1) }, ErrLength, "SpikeBits"},
		{"G neither n nor rows", steps, func(b *Buffers[float64]) { b.G = make([]float64, m+1) }, ErrLength, "Buffers.G"},
		{"rows of W", steps, func(b *Buffers[float64]) { b.W = make([]float64, steps*m) }, ErrLength, "Buffers.W"},
		{"index overflows int32", math.MaxInt32/m + 1, func(b *Buffers[float64]) { b.SpikeIndex = new([]int32) }, ErrLength, "int32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mk()
			tc.mutate(&b)
			err := k.Run(0, tc.steps, b)
			assert.ErrorIs(t, err, tc.err)
			assert.ErrorContains(t, err, tc.msg)
			assert.Equal(t, make([]float64, m), b.V, "a refused Run wrote V")
		})
	}
	// A SpikeIndex whose spare capacity is another buffer would overwrite it.
	b := mk()
	store := make([]int32, 10)
	idx := store[:0]
	b.SpikeIndex = &idx
	b.SpikeBits = unsafeAlias(store)
	assert.ErrorIs(t, k.Run(0, 1, b), ErrOverlap)

	_, err = New(Config[float64]{Params: Defaults[float64](), DT: 0.1, Workers: -1})
	assert.ErrorIs(t, err, ErrRange)
}

// unsafeAlias is two SpikeBits words over the memory of s.
func unsafeAlias(s []int32) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(s))), 2)
}

// The parallel path really runs: parts is above 1 for the tests' sizes and
// for large calls by default.
func TestWorkersSplitLargeCalls(t *testing.T) {
	procs := runtime.GOMAXPROCS(4)
	t.Cleanup(func() { runtime.GOMAXPROCS(procs) })
	k, err := New(Config[float32]{Params: Defaults[float32](), DT: 0.1, Workers: 4})
	require.NoError(t, err)
	assert.Equal(t, 1, k.parts(1<<16, 1), "a small call stays on the caller")
	assert.Equal(t, 4, k.parts(1<<22, 1))
	assert.Equal(t, 2, k.parts(1<<18, 2))
	smallParts(t)
	assert.Equal(t, 4, k.parts(64000, 3))
}

// A Workers far above what can run at once splits a call into GOMAXPROCS
// parts at most, and starts no more goroutines than that.
func TestWorkersCapped(t *testing.T) {
	saved := minPart
	minPart = 64
	t.Cleanup(func() { minPart = saved })
	procs := runtime.GOMAXPROCS(0)
	k, err := New(Config[float32]{Params: Defaults[float32](), DT: 0.1, Workers: 1 << 30})
	require.NoError(t, err)
	assert.Equal(t, procs, k.parts(1<<20, 1000))
	pool.mu.Lock()
	started := pool.started // workers from earlier tests stay
	pool.mu.Unlock()
	goroutines := runtime.NumGoroutine()
	const m = 64 * 64 // 64 parts without the cap
	b := Buffers[float32]{V: make([]float32, m), W: make([]float32, m), LastSpike: make([]float32, m)}
	require.NoError(t, k.Run(0, 3, b))
	pool.mu.Lock()
	defer pool.mu.Unlock()
	assert.LessOrEqual(t, pool.started, max(started, procs-1), "workers started")
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines+max(0, procs-1-started), "goroutines alive after the call")
}

// Run refuses lengths that equal steps rows only modulo 2^64, before it
// multiplies: each buffer in guarded memory, its spare capacity filled
// with sentinels (a Run that took it would write there), for steps near
// the bound at which steps*row overflows.
func TestRunRefusesOverflowingLengths(t *testing.T) {
	k, err := New(defaultConfig())
	require.NoError(t, err)
	const spare = 4096 // bytes of capacity past the length, up to the guard page
	for _, m := range []int{4, 256} {
		words := (m + 63) / 64
		for _, name := range []string{"I", "Delta", "Spike", "Refractory", "SpikeBits"} {
			row, size := m, 8
			switch name {
			case "Refractory":
				size = 1
			case "SpikeBits":
				row = words
			}
			// The lengths that steps*row can wrap to, and the steps that
			// wrap to them: 2^64/row + len/row.
			for _, rows := range []int{0, 2, 3} {
				n := rows * row
				if row == 1 {
					continue // steps*1 never overflows
				}
				wrap := int(uint64(1<<63)/uint64(row)*2) + rows
				for _, steps := range []int{wrap, wrap + 1, wrap - 1, math.MaxInt, math.MaxInt/row + 1} {
					t.Run(fmt.Sprintf("m=%d/%s/len=%d/steps=%d", m, name, n, steps), func(t *testing.T) {
						mem := guardedRegion(t, n*size+spare)
						for i := range mem {
							mem[i] = sentinel
						}
						base := unsafe.Pointer(unsafe.SliceData(mem))
						b := Buffers[float64]{V: make([]float64, m), W: make([]float64, m), LastSpike: make([]float64, m)}
						switch name {
						case "I":
							b.I = unsafe.Slice((*float64)(base), len(mem)/8)[:n]
						case "Delta":
							b.Delta = unsafe.Slice((*float64)(base), len(mem)/8)[:n]
						case "Spike":
							b.Spike = unsafe.Slice((*float64)(base), len(mem)/8)[:n]
						case "Refractory":
							b.Refractory = unsafe.Slice((*bool)(base), len(mem))[:n]
						case "SpikeBits":
							b.SpikeBits = unsafe.Slice((*uint64)(base), len(mem)/8)[:n]
						}
						err := k.Run(0, steps, b)
						assert.ErrorIs(t, err, ErrLength)
						assert.ErrorContains(t, err, "Buffers."+name)
						for i, x := range mem {
							if x != sentinel {
								t.Fatalf("a refused Run wrote byte %d of %s's memory", i, name)
							}
						}
						assert.Equal(t, make([]float64, m), b.V, "a refused Run wrote V")
					})
				}
			}
		}
	}
}
