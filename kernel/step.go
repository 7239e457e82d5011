package kernel

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// Buffers for one step. V, W and LastSpike are updated in place.
// With PerNeuron values of length n, the buffers may hold several batch rows:
// their length is a multiple of n and neuron j uses the values of j % n.
//
// For Run over several steps, I, G, Delta, Spike and Refractory hold either
// one value per neuron (inputs held for every step; outputs of the last
// step) or steps rows of them (row s for step s), and SpikeBits one or steps
// rows of words.
//
// The input current of a step is I - G*v, v the potential after the reset
// (the linear form of BrainPy's sum_current_inputs(x, v)); G enters the
// Jacobian of the exponential-Euler step too. A conductance-based input
// g*(E - V), such as BrainPy's COBA output, adds g*E to I and g to G; a
// current-based one adds to I alone. G all zero gives the bits of G == nil
// wherever v is finite; where v is infinite, 0*v is NaN, so the neuron's V'
// and w' are NaN unless it is refractory, as the formula says (nil means
// no conductance term at all).
type Buffers[F Float] struct {
	V, W, LastSpike []F
	I               []F    // input current (mA); nil means zero
	G               []F    // input conductance (S): the input current is I - G*v; nil means zero
	Delta           []F    // delta input added to V after integration; nil means none
	Spike           []F    // out: 1 or 0 per neuron; nil: not written
	Refractory      []bool // out: BrainPy's ref_var; nil: not written

	// SpikeBits, if not nil, receives the spikes as bits: neuron i is bit
	// i%64 of word i/64, in (len(V)+63)/64 words per step; bits past
	// len(V) are zero.
	SpikeBits []uint64
	// SpikeIndex, if not nil, is reset to length 0 and receives the indices
	// of the neurons that spiked, ascending (with Run, s*len(V)+i for
	// neuron i at step s). It allocates only when its capacity does not
	// suffice. Run needs steps*len(V) to fit an int32.
	SpikeIndex *[]int32
}

// Step advances every neuron by one step of DT at time t. It is safe to call
// concurrently on disjoint buffers, and it allocates nothing (with Workers
// > 1, nothing after the first calls).
//
// It refuses, before writing anything, a t that is NaN or infinite,
// buffers of different lengths (a per-neuron kernel also needs a multiple
// of its population size) and buffers that overlap, except I, G and
// Delta, which are only read.
func (k *Kernel[F]) Step(t F, b Buffers[F]) error { return k.run("t", t, 1, b) }

// Run advances every neuron by steps steps: step s at time t0 + F(s)*DT
// (each operation rounded in F, no fused multiply-add; t0 itself for s = 0),
// giving to the bit what steps calls of Step would. I, G and Delta hold one
// value per neuron, used at every step, or steps rows; Spike and Refractory
// receive the last step, or every step as rows. It works through the
// population in blocks small enough to stay in cache, and the paths carry
// each vector of neurons through up to 64 steps in registers, so the state
// crosses memory once per 64 steps instead of once per step. The paths
// write SpikeBits in the same pass, a vector at a time (except with
// per-neuron batch rows that are not a multiple of 64 neurons long, whose
// spikes are packed after each step).
//
// It refuses what Step refuses, a negative steps, and a time of some step
// that is NaN or infinite, before writing anything.
func (k *Kernel[F]) Run(t0 F, steps int, b Buffers[F]) error { return k.run("t0", t0, steps, b) }

// run is Run, with the name of the time argument for its errors.
func (k *Kernel[F]) run(tName string, t0 F, steps int, b Buffers[F]) error {
	if steps < 0 {
		return &ParamError{Name: "steps", Index: -1, Value: float64(steps), Err: ErrRange, Why: "want a number of steps >= 0"}
	}
	if err := k.checkTime(tName, t0, steps); err != nil {
		return err
	}
	if err := k.check(steps, &b); err != nil {
		return err
	}
	if b.SpikeIndex != nil {
		*b.SpikeIndex = (*b.SpikeIndex)[:0]
	}
	if steps == 0 || len(b.V) == 0 {
		return nil
	}
	if parts := k.parts(len(b.V), steps); parts > 1 {
		k.runParallel(t0, steps, &b, parts)
	} else {
		call := runCall[F]{k: k, t0: t0, steps: steps, b: &b, isa: current()}
		call.part(0, len(b.V), b.SpikeIndex)
	}
	if b.SpikeIndex != nil && steps > 1 {
		// Blocks run all their steps before the next block starts, so a
		// block's later steps were listed before the next block's first.
		slices.Sort(*b.SpikeIndex)
	}
	return nil
}

// block is the number of neurons that Run advances through all its steps
// before it moves on: the buffers of one block (about 5 arrays of it) stay
// in the L1 and L2 caches. A multiple of 64, so that blocks start on
// SpikeBits word and cache-line boundaries.
func (k *Kernel[F]) block() int {
	return 16384 / int(unsafe.Sizeof(F(0)))
}

// runCall is one Run. part advances a range of neurons through every step;
// the call's parts run on the calling goroutine or on workers.
type runCall[F Float] struct {
	k     *Kernel[F]
	t0    F
	steps int
	b     *Buffers[F]
	isa   isa
	// For parallel runs: the buffers, the parts' neuron ranges and spike
	// indices.
	buf       Buffers[F]
	bounds    []int
	partIndex [][]int32
	wg        sync.WaitGroup
}

// chunk is the most steps one call of a path makes: the times of its steps
// are a table on the stack. The paths hold a vector of neurons in registers
// through all the steps of a call, so its state crosses memory once per
// chunk of steps.
const chunk = 64

// part advances neurons [lo, hi) through every step, block by block,
// appending spike indices to index if it is not nil.
//
// The paths write SpikeBits themselves, a vector's bits at a time, when
// every block starts on a word: always, unless per-neuron batch rows are
// not a multiple of 64 neurons long. SpikeIndex is then read off the bits,
// from a table on the stack if SpikeBits does not keep every step. In the
// other case the spikes are packed here: from the Spike rows of the steps
// a path call made, when Spike holds a row per step, or else from V after
// each step, one step per path call.
func (c *runCall[F]) part(lo, hi int, index *[]int32) {
	k, b := c.k, c.b
	m := len(b.V)
	n := m
	if k.n > 0 {
		n = k.n
	}
	blk := k.block()
	packs := b.SpikeBits != nil || index != nil
	if c.steps == 1 && !packs {
		blk = hi // one step and nothing to pack: no reason to cut the range
	}
	words := (m + 63) / 64
	inPath := packs && k.n%64 == 0 // homogeneous (k.n = 0), or batch rows of whole words
	// The paths write SpikeBits, or the table when SpikeIndex needs bits
	// that SpikeBits does not keep (every step's, or any).
	rowBits := len(b.SpikeBits) > words || c.steps == 1
	useTable := inPath && (b.SpikeBits == nil || index != nil && !rowBits)
	fromRows := len(b.Spike) > m
	most := chunk
	if packs && !inPath && !fromRows {
		most = 1
	}
	// Made (on the stack: it does not escape) only when used, since
	// zeroing it costs a one-step call without SpikeIndex several percent.
	var table []uint64
	if useTable {
		table = make([]uint64, tableWords)
	}
	for a := lo; a < hi; {
		row := a / n
		// Blocks start on multiples of blk (so on SpikeBits words), and
		// never cross a batch row: per-neuron constants are addressed from
		// the row's start.
		end := min(hi, (row+1)*n, (a/blk+1)*blk)
		j0 := 0
		if k.n > 0 {
			j0 = a - row*n
		}
		w0, w1 := a/64, (end+63)/64 // the block's words
		for s := 0; s < c.steps; {
			cnt := min(most, c.steps-s)
			var bits []uint64 // the rows the path writes, bitRows words apart
			bitRows := 0
			switch {
			case !inPath:
			case useTable:
				cnt = min(cnt, tableWords/(w1-w0))
				bits, bitRows = table[:cnt*(w1-w0)], w1-w0
			case rowBits && c.steps > 1:
				bits, bitRows = b.SpikeBits[s*words+w0:(s+cnt-1)*words+w1], words
			default:
				bits = b.SpikeBits[w0:w1]
			}
			k.stepBlock(c.isa, b, c.t0, s, cnt, a, end, j0, bits, bitRows)
			for i := range cnt {
				switch {
				case inPath:
					r := bits[i*bitRows:][:w1-w0]
					if end == m && m%64 != 0 {
						r[len(r)-1] &= 1<<(m%64) - 1 // bits past len(V) are zero
					}
					if index != nil {
						appendIndex(index, r, (s+i)*m+w0*64)
					}
					if useTable && b.SpikeBits != nil && s+i == c.steps-1 {
						copy(b.SpikeBits[w0:w1], r)
					}
				case !packs:
				case fromRows:
					// A spike is 1 in Spike, any other value 0.
					k.spikes(b, s+i, a, b.Spike[(s+i)*m+a:][:end-a], 1, nil, index)
				case k.n > 0:
					k.spikes(b, s+i, a, b.V[a:end], 0, k.consts[generic.CVTh*k.n+j0:][:end-a], index)
				default:
					k.spikes(b, s+i, a, b.V[a:end], k.consts[generic.CVTh], nil, index)
				}
			}
			s += cnt
		}
		a = end
	}
}

// tableWords is the size of the table of spike bits on the stack that
// SpikeIndex is read from when SpikeBits does not keep every step: 16
// steps of a float32 block.
const tableWords = 1024

// appendIndex appends to index the neurons whose bits are set in words,
// numbered from base.
func appendIndex(index *[]int32, words []uint64, base int) {
	for w, x := range words {
		for ; x != 0; x &= x - 1 {
			*index = append(*index, int32(base+w*64+bits.TrailingZeros64(x)))
		}
	}
}

// stepBlock advances neurons [a, e) by steps s..s+cnt-1 (cnt <= chunk)
// through the selected path, writing their spike bits to rows of bits
// (bitRows words apart) if bits is not nil; j0 is the first neuron's column
// in the constant table.
func (k *Kernel[F]) stepBlock(id isa, b *Buffers[F], t0 F, s, cnt, a, e, j0 int, bits []uint64, bitRows int) {
	var ts [chunk]F
	for i := range cnt {
		ts[i] = t0
		if s+i > 0 {
			ts[i] = t0 + F(F(s+i)*k.cfg.DT)
		}
	}
	m := len(b.V)
	var rows [generic.NumStreams]int
	in, ri := stepRows(b.I, m, s, cnt, a, e)
	g, rg := stepRows(b.G, m, s, cnt, a, e)
	delta, rd := stepRows(b.Delta, m, s, cnt, a, e)
	spike, rs := stepRows(b.Spike, m, s, cnt, a, e)
	ref, rr := stepRows(b.Refractory, m, s, cnt, a, e)
	rows[generic.StreamI], rows[generic.StreamG], rows[generic.StreamDelta], rows[generic.StreamSpike], rows[generic.StreamRef] = ri, rg, rd, rs, rr
	rows[generic.StreamBits] = bitRows
	if unsafe.Sizeof(F(0)) == 4 {
		f := generic.Frame32{
			V: as[float32](b.V[a:e]), W: as[float32](b.W[a:e]), Last: as[float32](b.LastSpike[a:e]),
			I: as[float32](in), G: as[float32](g), Delta: as[float32](delta), Spike: as[float32](spike), Ref: ref, Bits: bits,
			C: as[float32](k.consts[j0:]), Stride: k.n, N: e - a, Steps: cnt, Rows: rows, T: as[float32](ts[:cnt]),
		}
		stepPath32(id, k.variant, &f)
		return
	}
	f := generic.Frame64{
		V: as[float64](b.V[a:e]), W: as[float64](b.W[a:e]), Last: as[float64](b.LastSpike[a:e]),
		I: as[float64](in), G: as[float64](g), Delta: as[float64](delta), Spike: as[float64](spike), Ref: ref, Bits: bits,
		C: as[float64](k.consts[j0:]), Stride: k.n, N: e - a, Steps: cnt, Rows: rows, T: as[float64](ts[:cnt]),
	}
	stepPath64(id, k.variant, &f)
}

// spikes packs step s's spikes of neurons a, a+1, ... (one per value of v)
// into SpikeBits and index while the block is in cache: neuron a+i spiked
// if v[i] >= th (or >= vth[i], if vth is not nil). From V, with V_th as th, that is the very
// comparison the step makes, so the bits agree with Spike and LastSpike.
func (k *Kernel[F]) spikes(b *Buffers[F], s, a int, v []F, th F, vth []F, index *[]int32) {
	m := len(b.V)
	var words []uint64
	if b.SpikeBits != nil {
		per := (m + 63) / 64
		words = b.SpikeBits
		if len(words) > per {
			words = words[s*per : (s+1)*per]
		}
	}
	for i := 0; i < len(v); {
		g := a + i // the first neuron of this word in the block
		lim := min(len(v), i+64-g%64)
		var set uint64
		sh := uint(g % 64)
		if vth == nil {
			set = geBits(v[i:lim], th) << sh
		} else {
			set = geBitsPer(v[i:lim], vth[i:lim]) << sh
		}
		i = lim
		word := g / 64
		if index != nil {
			appendIndex(index, []uint64{set}, s*m+word*64)
		}
		if words != nil {
			// This block owns bits [g%64, hi) of the word (up to the word's
			// end after the last neuron, so that bits past len(V) are zero).
			lo, hi := uint(g%64), uint((a+lim-1)%64)+1
			if a+lim == m {
				hi = 64
			}
			mask := ^uint64(0) >> (64 - (hi - lo)) << lo
			words[word] = words[word]&^mask | set
		}
	}
}

// checkTime refuses a time t0 that is NaN or infinite, or whose last step
// of steps (at t0 + F(steps-1)*DT, as stepBlock computes it) is: the times
// grow with the step, so every step's time is then finite.
func (k *Kernel[F]) checkTime(name string, t0 F, steps int) error {
	bad := func(x F) bool { f := float64(x); return math.IsNaN(f) || math.IsInf(f, 0) }
	if bad(t0) {
		return &ParamError{Name: name, Index: -1, Value: float64(t0), Err: ErrNotFinite, Why: "want a finite time", bits: typeBits[F]()}
	}
	if steps > 1 {
		if last := t0 + F(F(steps-1)*k.cfg.DT); bad(last) {
			return &ParamError{Name: name, Index: -1, Value: float64(t0), Err: ErrNotFinite, bits: typeBits[F](),
				Why: fmt.Sprintf("the time of step %d, %s + %d*DT, is not finite", steps-1, formatValue(float64(t0), typeBits[F]()), steps-1)}
		}
	}
	return nil
}

// check validates the buffers for steps >= 0 steps; nothing is written if
// it fails.
func (k *Kernel[F]) check(steps int, b *Buffers[F]) error {
	m := len(b.V)
	words := (m + 63) / 64
	lengths := [...]struct {
		name     string
		n        int
		absent   bool
		per      int // the length of one step's row
		rowsOnly bool
	}{
		{"W", len(b.W), false, m, true}, {"LastSpike", len(b.LastSpike), false, m, true},
		{"I", len(b.I), b.I == nil, m, false}, {"G", len(b.G), b.G == nil, m, false}, {"Delta", len(b.Delta), b.Delta == nil, m, false},
		{"Spike", len(b.Spike), b.Spike == nil, m, false}, {"Refractory", len(b.Refractory), b.Refractory == nil, m, false},
		{"SpikeBits", len(b.SpikeBits), b.SpikeBits == nil, words, false},
	}
	if m == 0 {
		// Every buffer must be empty too; blame V rather than the others.
		for _, l := range lengths {
			if l.n > 0 {
				return &BufferError{Name: "V", Err: ErrLength, Why: fmt.Sprintf("length 0, but %s has length %d", l.name, l.n)}
			}
		}
	}
	for i := range lengths {
		l := &lengths[i] // not a copy of each row: this loop runs on every call
		switch {
		case l.absent || l.n == l.per:
		// l.n == steps*l.per, without the product, which can overflow.
		case !l.rowsOnly && steps > 1 && l.per > 0 && l.n%l.per == 0 && l.n/l.per == steps:
		case l.rowsOnly || steps <= 1:
			return &BufferError{Name: l.name, Err: ErrLength, Why: fmt.Sprintf("length %d, want %d (V has %d)", l.n, l.per, m)}
		default:
			return &BufferError{Name: l.name, Err: ErrLength, Why: fmt.Sprintf("length %d, want %d or %d rows of it for %d steps (V has %d)", l.n, l.per, steps, steps, m)}
		}
	}
	if k.n > 0 && m%k.n != 0 {
		return &BufferError{Name: "V", Err: ErrLength, Why: fmt.Sprintf("length %d is not a multiple of the %d per-neuron values", m, k.n)}
	}
	if b.SpikeIndex != nil && steps > 0 && m > 0 && steps > math.MaxInt32/m {
		return &BufferError{Name: "SpikeIndex", Err: ErrLength, Why: fmt.Sprintf("%d steps of %d neurons overflow an int32 index", steps, m)}
	}
	spans := [...]span{
		spanOf("V", b.V, false), spanOf("W", b.W, false), spanOf("LastSpike", b.LastSpike, false),
		spanOf("I", b.I, true), spanOf("G", b.G, true), spanOf("Delta", b.Delta, true),
		spanOf("Spike", b.Spike, false), spanOf("Refractory", b.Refractory, false),
		spanOf("SpikeBits", b.SpikeBits, false), spanOf("SpikeIndex", indexSlice(b.SpikeIndex), false),
	}
	return overlap(spans[:], "", "the step")
}

// indexSlice is the memory that appending to *p may write without
// reallocating: its whole capacity.
func indexSlice(p *[]int32) []int32 {
	if p == nil {
		return nil
	}
	return (*p)[:cap(*p)]
}

// overlap refuses the first pair of spans that share memory where one of
// them is written, naming them prefix+a/b. Most buffers are absent, so it
// first gathers the non-empty spans and tests only their pairs: the check
// runs on every call, and at a few thousand neurons its cost shows. It
// takes at most 16 spans.
func overlap(spans []span, prefix, who string) error {
	var live [16]*span
	n := 0
	for i := range spans {
		if s := &spans[i]; s.lo != s.hi {
			live[n] = s
			n++
		}
	}
	for i := 0; i < n; i++ {
		a := live[i]
		for _, c := range live[i+1 : n] {
			if a.lo < c.hi && c.lo < a.hi && !(a.readOnly && c.readOnly) {
				return &BufferError{Name: prefix + a.name + "/" + c.name, Err: ErrOverlap, Why: "a buffer " + who + " writes must not share memory with another buffer"}
			}
		}
	}
	return nil
}

// span is a buffer's name and byte range, for the overlap checks.
type span struct {
	name     string
	lo, hi   uintptr
	readOnly bool
}

func spanOf[T any](name string, s []T, readOnly bool) span {
	if len(s) == 0 {
		return span{name: name}
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return span{name, lo, lo + uintptr(len(s))*unsafe.Sizeof(s[0]), readOnly}
}

// stepRows is the part of a per-step buffer that steps s..s+cnt-1 of
// neurons [a, e) use, and the distance between its rows: the buffer holds
// one row of m values (held or last-step; distance 0) or steps rows.
func stepRows[T any](buf []T, m, s, cnt, a, e int) ([]T, int) {
	if buf == nil {
		return nil, 0
	}
	if len(buf) > m {
		return buf[s*m+a : (s+cnt-1)*m+e], m
	}
	return buf[a:e], 0
}

// geBits has bit k set where v[k] >= th, for up to 64 values. Spikes are
// rare: groups of 8 values below th (a test of 8 branches that predict
// well) are skipped, and a group with a spike gets its bits without a
// branch per value, which would mispredict on them. A NaN is not below th,
// so its group takes the exact test, in which it is not a spike either.
func geBits[F Float](v []F, th F) (set uint64) {
	v = v[:min(len(v), 64)]
	k := 0
	for ; k+8 <= len(v); k += 8 {
		w := v[k : k+8 : k+8]
		if w[0] < th && w[1] < th && w[2] < th && w[3] < th && w[4] < th && w[5] < th && w[6] < th && w[7] < th {
			continue
		}
		for i, x := range w {
			set |= ge(x, th) << ((k + i) & 63)
		}
	}
	for ; k < len(v); k++ {
		set |= ge(v[k], th) << (k & 63)
	}
	return set
}

// geBitsPer is geBits with a threshold per value.
func geBitsPer[F Float](v, th []F) (set uint64) {
	v = v[:min(len(v), 64)]
	th = th[:len(v)]
	k := 0
	for ; k+8 <= len(v); k += 8 {
		w, t := v[k:k+8:k+8], th[k:k+8:k+8]
		if w[0] < t[0] && w[1] < t[1] && w[2] < t[2] && w[3] < t[3] && w[4] < t[4] && w[5] < t[5] && w[6] < t[6] && w[7] < t[7] {
			continue
		}
		for i, x := range w {
			set |= ge(x, t[i]) << ((k + i) & 63)
		}
	}
	for ; k < len(v); k++ {
		set |= ge(v[k], th[k]) << (k & 63)
	}
	return set
}

// ge is 1 if x >= th, else 0, without a branch.
func ge[F Float](x, th F) uint64 {
	var b uint64
	if x >= th {
		b = 1
	}
	return b
}
