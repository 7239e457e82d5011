package main

import (
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/adquaif/adquaif/kernel"
)

// What a network run keeps for the report and the figure.
const (
	rasterExc   = 240     // excitatory neurons drawn in the raster
	rasterInh   = 60      // inhibitory neurons drawn in the raster
	netTraceMs  = 200     // ms of V and conductance traces, at the end of the run
	isiBinMs    = 2.0     // ms, width of the ISI histogram's bins
	isiBins     = 150     // bins of the ISI histogram; longer ISIs are counted apart
	minCVSpikes = 3       // spikes a neuron needs for its ISI CV to count
	netUpdate   = 64      // windows between looks at the clock for the progress bar
	netRasterAt = 200_000 // spikes drawn in the raster at most
)

// synapses is the connectivity in compressed sparse rows: the targets of
// neuron j are target[start[j]:start[j+1]], ascending.
type synapses struct {
	start  []int
	target []int32
}

// maxSynapses bounds the binomial number of synapses of n neurons
// connected with probability p: the mean plus six standard deviations.
func maxSynapses(n int, p float64) float64 {
	pairs := float64(n) * float64(n-1)
	return pairs*p + 6*math.Sqrt(pairs*p*(1-p)) + 1
}

// connect draws every ordered pair (j, i), i != j, with probability p, by
// skipping ahead geometrically distributed gaps: the work is the number of
// synapses, not of pairs.
func connect(n int, p float64, rng *rand.Rand) synapses {
	c := synapses{start: make([]int, n+1), target: make([]int32, 0, int(maxSynapses(n, p)))}
	logq := math.Log1p(-p)
	for j := range n {
		c.start[j] = len(c.target)
		// Candidates are the n-1 neurons other than j, numbered 0..n-2.
		for k := -1; ; {
			k += 1 + int(math.Floor(math.Log1p(-rng.Float64())/logq))
			if k >= n-1 || k < 0 { // k < 0: the gap overflowed int
				break
			}
			i := k
			if i >= j {
				i++
			}
			c.target = append(c.target, int32(i))
		}
	}
	c.start[n] = len(c.target)
	return c
}

// net is the network's state in the kernel's element type.
type net[F kernel.Float] struct {
	o     *netOptions
	n, nE int
	d     int // steps per delay window
	k     *kernel.Kernel[F]
	syn   synapses

	v, w, last []F
	// ge and gi are the conductances relative to the start of a block of
	// blk steps: at step q of a block they are ge*decE[q] and gi*decI[q].
	// Within a block they change only where spikes arrive, so the rows of
	// a step are written without writing the state back.
	ge, gi []F
	drive  []F // background current
	blk    int
	// iRows and gRows are the kernel's inputs, a row per step of a window.
	iRows, gRows []F
	// sent[s] lists the neurons that spiked at step s of the last window:
	// their spikes arrive at step s of the next.
	sent   [][]int32
	spikes []int32 // the kernel's SpikeIndex

	decE, decI []F // exp(-q*dt/tau) for q = 0..blk
	wE, wI     []F // the conductance jumps per spike, over decE[q] and decI[q]
	eE, eI     F   // the reversal potentials
	dt, shift  F   // shift: a window's length, by which the clock restarts
}

// netBlockMax bounds a block of the conductances' time frame, so that
// exp(-blk*dt/tau) and its inverse stay far inside the normal range of
// float32 however long the delay.
const netBlockMax = 32

func newNet[F kernel.Float](o *netOptions) (*net[F], error) {
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: netDT, Workers: o.workers})
	if err != nil {
		return nil, err
	}
	n, d := o.n, o.delaySteps
	nE := int(float64(n) * netExcShare)
	nE = max(1, min(nE, n-1))
	rng := rand.New(rand.NewPCG(o.seed, 0x636f6261)) // "coba"
	c := &net[F]{
		o: o, n: n, nE: nE, d: d, k: k,
		syn: connect(n, netP, rng),
		v:   make([]F, n), w: make([]F, n), last: make([]F, n),
		ge: make([]F, n), gi: make([]F, n), drive: make([]F, n),
		iRows: make([]F, d*n), gRows: make([]F, d*n),
		sent: make([][]int32, d), spikes: make([]int32, 0, n),
		blk: min(d, netBlockMax), eE: netEE, eI: netEI, dt: netDT,
	}
	for q := range c.blk + 1 {
		pe, pi := math.Exp(-float64(q)*netDT/netTauE), math.Exp(-float64(q)*netDT/netTauI)
		c.decE, c.decI = append(c.decE, F(pe)), append(c.decI, F(pi))
		c.wE, c.wI = append(c.wE, F(netWE/pe)), append(c.wI, F(netWI/pi))
	}
	c.shift = F(d) * c.dt
	for i := range n {
		c.drive[i] = F(netDriveLo + (netDriveHi-netDriveLo)*rng.Float64())
		c.v[i] = F(netV0Lo + (netV0Hi-netV0Lo)*rng.Float64())
		c.last[i] = -1e7
	}
	return c, nil
}

// rows writes the kernel's inputs for step s of a window of steps steps
// from the conductances of that step, its arrivals added (kernel.Expon: a
// conductance g towards E enters as I += g*E, G += g; every path computes
// the same bits). At the
// end of a block (or of the window) the same pass moves the conductances
// to the next block's frame, decayed to its first step.
func (c *net[F]) rows(s, steps int) error {
	n := c.n
	b := kernel.Conductances[F]{GE: c.ge, GI: c.gi, Drive: c.drive, I: c.iRows[s*n : s*n+n], G: c.gRows[s*n : s*n+n]}
	q := s % c.blk
	if q+1 == c.blk || s == steps-1 {
		return kernel.ExponNext(b, c.decE[q], c.decI[q], c.eE, c.eI, c.decE[q+1], c.decI[q+1])
	}
	return kernel.Expon(b, c.decE[q], c.decI[q], c.eE, c.eI)
}

// arrive adds the conductances of the spikes that arrive at step s of a
// window, those of sent[s], to their targets, in the block's frame.
// Spikes in ascending order and targets in CSR order: every run adds them
// in the same order.
func (c *net[F]) arrive(s int) {
	start, target := c.syn.start, c.syn.target
	q := s % c.blk
	js, nE := c.sent[s], int32(c.nE)
	// The excitatory spikes come first: js is ascending.
	k := 0
	for k < len(js) && js[k] < nE {
		k++
	}
	for _, j := range js[:k] {
		addAt(c.ge, target[start[j]:start[j+1]], c.wE[q])
	}
	for _, j := range js[k:] {
		addAt(c.gi, target[start[j]:start[j+1]], c.wI[q])
	}
}

// addAt adds w to g at every index of ts, in order, four at a time. It
// stays out of line: inlined into arrive, its loop reloads spilled
// registers at every index.
//
//go:noinline
func addAt[F kernel.Float](g []F, ts []int32, w F) {
	m := len(ts)
	k := 0
	for ; k < m-3; k += 4 {
		t0, t1, t2, t3 := ts[k], ts[k+1], ts[k+2], ts[k+3]
		g[t0] += w
		g[t1] += w
		g[t2] += w
		g[t3] += w
	}
	for ; k < m; k++ {
		g[ts[k]] += w
	}
}

// send keeps the neurons that spiked at step s (js, ascending) for step s
// of the next window.
func (c *net[F]) send(s int, js []int32) {
	c.sent[s] = append(c.sent[s][:0], js...)
}

// restartClock moves the spike times back by one window, so that every
// window runs its steps at the kernel's times 0, dt, 2*dt, ... : the times
// stay small, and float32 keeps their precision however long the run.
func (c *net[F]) restartClock() {
	last, shift := c.last, c.shift
	for j := range last {
		last[j] -= shift
	}
}

// netResult is what a network run produced, in float64 whatever the dtype.
type netResult struct {
	o          *netOptions
	isa        string
	n, nE      int
	synapses   int
	counts     []int32 // spikes per neuron
	isiSum     []float64
	isiSq      []float64 // sums of the intervals and of their squares, in steps
	lastSpike  []int64   // step of each neuron's last spike, -1 before the first
	isiHist    []int64   // pooled intervals in bins of isiBinMs
	isiLong    int64     // intervals beyond the last bin
	rateBins   []int32   // spikes of the network per netBinSteps
	raster     []netSpike
	traceStart int // first traced step
	traces     [2]netTrace
	kernel     time.Duration // in Run or Step
	decay      time.Duration // conductance decay and the kernel's input rows
	scatter    time.Duration // spikes to their targets
	wall       time.Duration
	cpu        time.Duration // processor time during the run; 0 where unknown
}

type netSpike struct {
	step int
	row  int // raster row: excitatory from 0, inhibitory after them
}

type netTrace struct {
	neuron    int
	v, ge, gi []float64
}

func (r *netResult) durationMs() float64 { return float64(r.o.steps) * netDT }

// record counts the spikes of neurons js (ascending) at step.
func (r *netResult) record(step int, js []int32) {
	r.rateBins[step/netBinSteps] += int32(len(js))
	histSteps := isiBinMs / netDT
	for _, j := range js {
		r.counts[j]++
		if prev := r.lastSpike[j]; prev >= 0 {
			isi := float64(step) - float64(prev)
			r.isiSum[j] += isi
			r.isiSq[j] += isi * isi
			if b := int(isi / histSteps); b < isiBins {
				r.isiHist[b]++
			} else {
				r.isiLong++
			}
		}
		r.lastSpike[j] = int64(step)
		if len(r.raster) < netRasterAt {
			switch {
			case int(j) < min(rasterExc, r.nE):
				r.raster = append(r.raster, netSpike{step, int(j)})
			case int(j) >= r.nE && int(j) < r.nE+rasterInh:
				r.raster = append(r.raster, netSpike{step, int(j) - r.nE + min(rasterExc, r.nE)})
			}
		}
	}
}

func simulateNetwork(o *netOptions, stdout io.Writer) error {
	restore, err := forceISA(o.isa)
	if err != nil {
		return err
	}
	defer restore()
	figures, err := openFigures(o.svg, o.png)
	if err != nil {
		return err
	}
	defer closeFigures(figures)
	var r *netResult
	if o.dtype == "float64" {
		r, err = runNet[float64](o)
	} else {
		r, err = runNet[float32](o)
	}
	if err != nil {
		return err
	}
	netReport(stdout, r)
	return writeFigures(figures, stdout, func(w io.Writer, format string) error { return writeNetFigure(r, w, format) })
}

// runNet builds the network and runs it window by window: the spikes of a
// window of d steps arrive d steps later, in the next window, so the
// conductances of all its steps are known when it starts and one Run
// advances it (with -step, d calls of Step, which give the same bits).
func runNet[F kernel.Float](o *netOptions) (*netResult, error) {
	c, err := newNet[F](o)
	if err != nil {
		return nil, err
	}
	n, d := c.n, c.d
	r := &netResult{
		o: o, isa: kernel.ISA(), n: n, nE: c.nE, synapses: len(c.syn.target),
		counts: make([]int32, n), isiSum: make([]float64, n), isiSq: make([]float64, n),
		lastSpike: make([]int64, n), isiHist: make([]int64, isiBins),
		rateBins: make([]int32, (o.steps+netBinSteps-1)/netBinSteps),
	}
	for j := range r.lastSpike {
		r.lastSpike[j] = -1
	}
	// Trace an excitatory and an inhibitory neuron over the run's last
	// netTraceMs, from the start of a window. Run gives no V per step, so
	// while tracing, a two-neuron copy of the traced neurons takes the same
	// steps with Step: the same inputs and state give the same bits.
	traced := o.trace
	r.traceStart = o.steps
	var shadow kernel.Buffers[F]
	var shadowI, shadowG [2]F
	if traced {
		r.traceStart = max(0, o.steps-int(math.Round(netTraceMs/netDT))) / d * d
		for k, j := range [2]int{0, c.nE} {
			m := o.steps - r.traceStart
			r.traces[k] = netTrace{neuron: j, v: make([]float64, 0, m), ge: make([]float64, 0, m), gi: make([]float64, 0, m)}
		}
		shadow = kernel.Buffers[F]{V: make([]F, 2), W: make([]F, 2), LastSpike: make([]F, 2), I: shadowI[:], G: shadowG[:]}
	}

	var bar *progressbar.ProgressBar
	var gate gatedWriter
	if o.progress != nil {
		gate.w = o.progress
		bar = progressbar.NewOptions(o.steps,
			progressbar.OptionSetWriter(&gate),
			progressbar.OptionSetDescription("network"),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}

	cpu0, hasCPU := cpuTime()
	start := time.Now()
	for win, step := 0, 0; step < o.steps; win, step = win+1, step+d {
		steps := min(d, o.steps-step)
		tracing := traced && step >= r.traceStart
		if tracing {
			for k := range r.traces {
				j := r.traces[k].neuron
				shadow.V[k], shadow.W[k], shadow.LastSpike[k] = c.v[j], c.w[j], c.last[j]
			}
		}
		if o.step {
			for s := range steps {
				t0 := time.Now()
				c.arrive(s)
				traceConductances(c, r, tracing, s)
				t1 := time.Now()
				err := c.rows(s, steps)
				t2 := time.Now()
				if err != nil {
					return nil, err
				}
				err = c.k.Step(F(s)*c.dt, kernel.Buffers[F]{V: c.v, W: c.w, LastSpike: c.last,
					I: c.iRows[s*n : s*n+n], G: c.gRows[s*n : s*n+n], SpikeIndex: &c.spikes})
				t3 := time.Now()
				if err != nil {
					return nil, err
				}
				c.send(s, c.spikes)
				r.scatter += t1.Sub(t0) + time.Since(t3)
				r.decay += t2.Sub(t1)
				r.kernel += t3.Sub(t2)
				r.record(step+s, c.spikes)
				if tracing {
					for k := range r.traces {
						tr := &r.traces[k]
						tr.v = append(tr.v, float64(c.v[tr.neuron]))
					}
				}
			}
			t0 := time.Now()
			c.restartClock()
			r.decay += time.Since(t0)
		} else {
			// Each phase ends where the next starts: one clock reading
			// apiece (a reading costs tens of ns on some machines).
			t0 := time.Now()
			for s := range steps {
				c.arrive(s)
				traceConductances(c, r, tracing, s)
				t1 := time.Now()
				err := c.rows(s, steps)
				t2 := time.Now()
				if err != nil {
					return nil, err
				}
				r.scatter += t1.Sub(t0)
				r.decay += t2.Sub(t1)
				t0 = t2
			}
			err := c.k.Run(0, steps, kernel.Buffers[F]{V: c.v, W: c.w, LastSpike: c.last,
				I: c.iRows[:steps*n], G: c.gRows[:steps*n], SpikeIndex: &c.spikes})
			t1 := time.Now()
			if err != nil {
				return nil, err
			}
			// The indices are s*n + j, ascending: a run of them per step.
			ix := c.spikes
			for s := range steps {
				end := 0
				for end < len(ix) && int(ix[end]) < (s+1)*n {
					ix[end] -= int32(s * n)
					end++
				}
				c.send(s, ix[:end])
				ix = ix[end:]
			}
			t2 := time.Now()
			c.restartClock()
			r.decay += time.Since(t2)
			r.kernel += t1.Sub(t0)
			r.scatter += t2.Sub(t1)
			for s := range steps {
				r.record(step+s, c.sent[s])
			}
			if tracing {
				if err := traceWindow(c, r, &shadow, steps); err != nil {
					return nil, err
				}
			}
		}
		if bar != nil && win%netUpdate == 0 {
			gate.open = gate.open || time.Since(start) >= o.progressAfter
			bar.Set(step)
		}
	}
	r.wall = time.Since(start)
	if cpu1, _ := cpuTime(); hasCPU {
		r.cpu = cpu1 - cpu0
	}
	if bar != nil {
		bar.Finish()
	}
	return r, nil
}

// traceConductances records the traced neurons' conductances of step s
// of a window, with their arrivals, if tracing.
func traceConductances[F kernel.Float](c *net[F], r *netResult, tracing bool, s int) {
	if !tracing {
		return
	}
	q := s % c.blk
	for k := range r.traces {
		tr := &r.traces[k]
		tr.ge = append(tr.ge, float64(F(c.ge[tr.neuron]*c.decE[q])))
		tr.gi = append(tr.gi, float64(F(c.gi[tr.neuron]*c.decI[q])))
	}
}

// traceWindow steps the traced neurons' copy through the window just run,
// from the state copied at its start, and records their V.
func traceWindow[F kernel.Float](c *net[F], r *netResult, shadow *kernel.Buffers[F], steps int) error {
	n := c.n
	for s := range steps {
		for k := range r.traces {
			j := r.traces[k].neuron
			shadow.I[k], shadow.G[k] = c.iRows[s*n+j], c.gRows[s*n+j]
		}
		if err := c.k.Step(F(s)*c.dt, *shadow); err != nil {
			return err
		}
		for k := range r.traces {
			r.traces[k].v = append(r.traces[k].v, float64(shadow.V[k]))
		}
	}
	return nil
}
