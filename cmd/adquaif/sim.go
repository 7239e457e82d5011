package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"github.com/schollz/progressbar/v3"

	"github.com/adquaif/adquaif/internal/memlimit"
	"github.com/adquaif/adquaif/kernel"
	"github.com/adquaif/adquaif/neuron"
)

// Sizes of what a run keeps for the report and the figure, independent of
// the population's size so that a large run does not pay for them.
const (
	isiSample   = 4096    // neurons whose interspike intervals are tracked
	rasterRows  = 60      // neurons drawn in the raster
	rasterMax   = 200_000 // spikes drawn in the raster at most
	traceMs     = 100     // V and w are traced over the first traceMs of model time
	traceCount  = 3       // neurons traced
	fICurveMax  = 2000    // points of the f-I curve
	maxSteps    = 1 << 40 // a -duration/-dt beyond this is surely a typing slip
	updateCheck = 256     // steps between looks at the clock for the progress bar
)

// result is what a simulation produced, in float64 whatever the dtype.
type result struct {
	isa      string
	dtype    string
	reset    string
	params   kernel.Params[float64]
	changed  []string // flag=value of the parameters that differ from BrainPy's defaults
	n, batch int
	m        int // n*batch, neurons stepped
	steps    int
	dt       float64 // ms, as the dtype holds it
	lo, hi   float64 // mA, the input range

	counts []int32 // spikes per neuron

	// firstISI and lastISI are, for sampled neurons with at least three
	// spikes, the first and the last interspike interval (ms): their ratio
	// shows the adaptation.
	firstISI, lastISI []float64

	stepping, wall time.Duration

	traces    []trace
	traceStep int // steps traced
	raster    []spikePoint
	rasterBy  string // what the raster's y axis shows
}

type trace struct {
	neuron int
	input  float64
	v, w   []float64
}

type spikePoint struct{ t, y float64 }

// gatedWriter drops what is written to it until it is opened.
type gatedWriter struct {
	w    io.Writer
	open bool
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	if !g.open {
		return len(p), nil
	}
	return g.w.Write(p)
}

// input is the current of neuron i of m: lo to hi, evenly spread.
func (r *result) input(i int) float64 {
	if r.m == 1 {
		return r.lo
	}
	return r.lo + (r.hi-r.lo)*float64(i)/float64(r.m-1)
}

// durationMs is the model time simulated.
func (r *result) durationMs() float64 { return float64(r.steps) * r.dt }

// rate is neuron i's mean firing rate in Hz.
func (r *result) rate(i int) float64 { return float64(r.counts[i]) / r.durationMs() * 1000 }

func simulate(o *options, stdout io.Writer) error {
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
	var r *result
	if o.dtype == "float64" {
		r, err = simulateAs[float64](o)
	} else {
		r, err = simulateAs[float32](o)
	}
	if err != nil {
		return err
	}
	report(stdout, r)
	return writeFigures(figures, stdout, func(w io.Writer, format string) error { return writeFigure(r, w, format) })
}

// figureFile is a figure to write: the file the user named, and the
// temporary file beside it that receives the figure first.
type figureFile struct {
	name, format string
	tmp          *os.File
}

// openFigures checks the figure files' directories before a run, so that
// a path that cannot be written fails before a long run rather than after
// it; each figure goes to a temporary file renamed over the target at the
// end, so that a failed run leaves an existing file as it was.
func openFigures(svg, png string) ([]figureFile, error) {
	var figures []figureFile
	for _, ff := range []struct{ name, format string }{{svg, "svg"}, {png, "png"}} {
		if ff.name == "" {
			continue
		}
		tmp, err := os.CreateTemp(filepath.Dir(ff.name), "."+filepath.Base(ff.name)+".*")
		if pe, ok := err.(*os.PathError); ok {
			// The temporary name means nothing to the user.
			err = fmt.Errorf("-%s %s: cannot write there: %v", ff.format, ff.name, pe.Err)
		} else if err != nil {
			err = fmt.Errorf("-%s %s: %v", ff.format, ff.name, err)
		}
		if err != nil {
			closeFigures(figures)
			return nil, err
		}
		figures = append(figures, figureFile{ff.name, ff.format, tmp})
	}
	return figures, nil
}

// closeFigures removes the temporary files that were not renamed.
func closeFigures(figures []figureFile) {
	for _, ff := range figures {
		ff.tmp.Close()
		os.Remove(ff.tmp.Name()) // fails harmlessly once renamed
	}
}

// writeFigures draws each figure with draw and renames it over its target.
func writeFigures(figures []figureFile, stdout io.Writer, draw func(w io.Writer, format string) error) error {
	for _, ff := range figures {
		err := draw(ff.tmp, ff.format)
		if err == nil {
			err = ff.tmp.Chmod(0o644)
		}
		if err == nil {
			err = ff.tmp.Close()
		}
		if err == nil {
			err = os.Rename(ff.tmp.Name(), ff.name)
		}
		if err != nil {
			return fmt.Errorf("-%s %s: %v", ff.format, ff.name, err)
		}
		fmt.Fprintf(stdout, "%-11s %s\n", "figure", ff.name)
	}
	return nil
}

// config builds the population's configuration from the flags, converting
// every number to F once.
func config[F kernel.Float](o *options) (neuron.Config[F], int, error) {
	cfg := neuron.Config[F]{Size: o.n, BatchSize: o.batch, Workers: o.workers}
	for i, x := range fields(&cfg.Params) {
		v, err := value[F](o.params[i].flag, o.params[i].value.text)
		if err != nil {
			return cfg, 0, err
		}
		*x = v
	}
	dt, err := value[F]("dt", o.dt.text)
	if err != nil {
		return cfg, 0, err
	}
	cfg.DT = dt
	if o.reset == "hard" {
		cfg.Reset = kernel.HardReset
	}
	steps := o.steps
	if steps == 0 && dt > 0 && !math.IsInf(float64(dt), 0) {
		d, _ := value[float64]("duration", o.duration.text)
		s := math.Round(d / float64(dt))
		if s < 1 {
			return cfg, 0, fmt.Errorf("-duration %s: shorter than one step of -dt %s", o.duration.text, o.dt.text)
		}
		if s > maxSteps {
			return cfg, 0, fmt.Errorf("-duration %s: %.3g steps of -dt %s, more than %d", o.duration.text, s, o.dt.text, maxSteps)
		}
		steps = int(s)
	}
	return cfg, steps, nil
}

// traceSteps is how many of steps steps of dt fall in the first traceMs,
// the steps that the figure's traces show.
func traceSteps(steps int, dt float64) int {
	if t := math.Round(traceMs / dt); t < float64(steps) {
		return int(t)
	}
	return steps
}

// fits refuses a run whose buffers would not fit in memory, before any is
// allocated, naming the flag that makes them large: per neuron, the
// population's state (as neuron.New counts it), the input and the spike
// counts; for the figure, the traces of traced steps and the raster.
func fits[F kernel.Float](o *options, steps, traced int) error {
	m := o.n * o.batch // check bounds it
	var need memlimit.Need
	need.Add(m, 7*int(unsafe.Sizeof(F(0)))+4)
	need.Add(isiSample, 4*8)
	if err := need.Check(); err != nil {
		if o.batch > 1 {
			return fmt.Errorf("-n %d x -batch %d: the population %v", o.n, o.batch, err)
		}
		return fmt.Errorf("-n %d: the population %v", o.n, err)
	}
	if traced == 0 {
		return nil
	}
	need.Add(traced, 2*8*traceCount) // V and w of each traced neuron at traced+1 times
	need.Add(1, 2*8*traceCount)
	need.Add(rasterMax, int(unsafe.Sizeof(spikePoint{})))
	if err := need.Check(); err != nil {
		flag := "-png"
		if o.svg != "" {
			flag = "-svg"
		}
		if traced < steps {
			return fmt.Errorf("-dt %s with %s: the figure traces the first %d ms, %d steps, and %v", o.dt.text, flag, traceMs, traced, err)
		}
		return fmt.Errorf("%s: the figure traces all %d steps (-dt %s), and %v", flag, traced, o.dt.text, err)
	}
	return nil
}

// explainFlags turns kernel.New's errors into a line about a flag.
func explainFlags(err error, o *options) error {
	all := append([]*param{{flag: "dt", field: "DT", value: o.dt}, {flag: "reset", field: "Reset", value: number{o.reset}}}, o.params...)
	return explain(err, all)
}

func simulateAs[F kernel.Float](o *options) (*result, error) {
	cfg, steps, err := config[F](o)
	if err != nil {
		return nil, err
	}
	// neuron.New would take a zero DT for its default; the user asked for
	// zero (or a dt that underflows the dtype).
	if cfg.DT == 0 {
		return nil, fmt.Errorf("-dt %s: want a time step in ms > 0", o.dt.text)
	}
	figure := o.svg != "" || o.png != ""
	traced := 0
	if figure {
		traced = traceSteps(steps, float64(cfg.DT))
	}
	if err := fits[F](o, steps, traced); err != nil {
		return nil, err
	}
	pop, err := neuron.New(cfg)
	if err != nil {
		return nil, explainFlags(err, o)
	}
	r := &result{
		isa: kernel.ISA(), dtype: o.dtype, reset: o.reset,
		n: o.n, batch: o.batch, m: o.n * o.batch, steps: steps,
		dt: float64(cfg.DT), lo: o.inputLo, hi: o.inputHi,
	}
	def := kernel.Defaults[F]()
	for i, x := range fields(&cfg.Params) {
		if *x != *fields(&def)[i] {
			r.changed = append(r.changed, fmt.Sprintf("%s=%s", o.params[i].flag, o.params[i].value.text))
		}
	}
	for i, x := range fields(&r.params) {
		*x = float64(*fields(&cfg.Params)[i])
	}
	m := r.m
	input := make([]F, m)
	for i := range input {
		input[i] = F(r.input(i))
	}
	r.counts = make([]int32, m)

	// Interspike intervals of every isiStride-th neuron: the times of the
	// first two and of the last two spikes.
	isiStride := (m + isiSample - 1) / isiSample
	ns := (m + isiStride - 1) / isiStride
	spikeTimes := make([][4]float64, ns) // first, second, previous, last
	rasterStride := (m + rasterRows - 1) / rasterRows
	r.rasterBy = "input current (mA)"
	if o.inputLo == o.inputHi {
		r.rasterBy = "neuron"
	}

	if figure {
		r.traceStep = traced
		for _, f := range []float64{0.3, 0.6, 0.9} {
			i := int(math.Round(f * float64(m-1)))
			if len(r.traces) > 0 && r.traces[len(r.traces)-1].neuron == i {
				continue
			}
			r.traces = append(r.traces, trace{neuron: i, input: r.input(i), v: make([]float64, 0, r.traceStep+1), w: make([]float64, 0, r.traceStep+1)})
		}
		for k := range r.traces {
			tr := &r.traces[k]
			tr.v, tr.w = append(tr.v, float64(pop.V()[tr.neuron])), append(tr.w, float64(pop.W()[tr.neuron]))
		}
	}

	// The bar runs from the start, so that its rate and time left are
	// right, but its output stays behind a gate until the run has taken
	// progressAfter: a short run shows no bar at all.
	var bar *progressbar.ProgressBar
	var gate gatedWriter
	if o.progress != nil {
		gate.w = o.progress
		bar = progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(&gate),
			progressbar.OptionSetDescription("stepping"),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	start := time.Now()
	for s := range steps {
		t0 := time.Now()
		spikes, err := pop.Update(input)
		r.stepping += time.Since(t0)
		if err != nil {
			return nil, err
		}
		t := float64(s) * r.dt
		for i, x := range spikes {
			if x == 0 {
				continue
			}
			r.counts[i]++
			if i%isiStride == 0 {
				st := &spikeTimes[i/isiStride]
				if c := r.counts[i]; c <= 2 {
					st[c-1] = t
				}
				st[2], st[3] = st[3], t
			}
			if figure && i%rasterStride == 0 && len(r.raster) < rasterMax {
				y := float64(i)
				if r.rasterBy != "neuron" {
					y = r.input(i)
				}
				r.raster = append(r.raster, spikePoint{t, y})
			}
		}
		if s < r.traceStep {
			for k := range r.traces {
				tr := &r.traces[k]
				tr.v, tr.w = append(tr.v, float64(pop.V()[tr.neuron])), append(tr.w, float64(pop.W()[tr.neuron]))
			}
		}
		if bar != nil && s%updateCheck == 0 {
			gate.open = gate.open || time.Since(start) >= o.progressAfter
			bar.Set(s)
		}
	}
	r.wall = time.Since(start)
	if bar != nil {
		bar.Finish()
	}
	for j, st := range spikeTimes {
		if r.counts[j*isiStride] >= 3 {
			r.firstISI = append(r.firstISI, st[1]-st[0])
			r.lastISI = append(r.lastISI, st[3]-st[2])
		}
	}
	return r, nil
}

// forceISA selects the path named by -isa (none: keep the best) and
// returns what puts the previous one back.
func forceISA(name string) (restore func(), err error) {
	if name == "" {
		return func() {}, nil
	}
	prev := kernel.ISA()
	if err := kernel.SetISA(name); err != nil {
		return nil, fmt.Errorf("-isa %q: %v", name, err)
	}
	return func() { kernel.SetISA(prev) }, nil
}
