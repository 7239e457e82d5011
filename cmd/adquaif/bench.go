package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/adquaif/adquaif/kernel"
)

// benchOptions are the flags of adquaif bench.
type benchOptions struct {
	sizes   []int
	dtypes  []string
	repeats int
	each    time.Duration
}

func parseBench(args []string, stdout io.Writer) (*benchOptions, error) {
	o := &benchOptions{}
	fs := flag.NewFlagSet("adquaif bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sizes := fs.String("n", "1000,100000,1000000", "comma-separated population sizes")
	dtypes := fs.String("dtype", "float32,float64", "comma-separated element types")
	fs.IntVar(&o.repeats, "repeats", 5, "timed runs per measurement; the median is reported")
	fs.DurationVar(&o.each, "time", 20*time.Millisecond, "least duration of one timed run")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, "Usage: adquaif bench [flags]\n\nMeasures neuron-steps per second of every execution path on this CPU.\n\nFlags:\n")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 || n > maxNeurons {
			return nil, fmt.Errorf("-n %q: want sizes from 1 to %d, separated by commas", *sizes, maxNeurons)
		}
		o.sizes = append(o.sizes, n)
	}
	for _, d := range strings.Split(*dtypes, ",") {
		d = strings.TrimSpace(d)
		if d != "float32" && d != "float64" {
			return nil, fmt.Errorf("-dtype %q: want float32, float64 or both, separated by commas", *dtypes)
		}
		o.dtypes = append(o.dtypes, d)
	}
	if o.repeats <= 0 {
		return nil, fmt.Errorf("-repeats %d: want at least 1", o.repeats)
	}
	if o.each <= 0 {
		return nil, fmt.Errorf("-time %v: want a duration > 0", o.each)
	}
	return o, nil
}

func runBench(args []string, stdout, stderr io.Writer) int {
	o, err := parseBench(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "adquaif bench: %v\n", err)
		return 2
	}
	prev := kernel.ISA()
	defer kernel.SetISA(prev)
	fmt.Fprintf(stdout, "AdQuaIFRef step on this CPU: neuron-steps per second, the median of %d runs of at least %v,\n", o.repeats, o.each)
	fmt.Fprintf(stdout, "the paths taking turns; BrainPy's defaults, dt = 0.1 ms, inputs from 0 to 60 mA, every path from the same state.\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "neurons\tdtype\tpath\tneuron-steps/s\tvs generic\t")
	for _, n := range o.sizes {
		for _, d := range o.dtypes {
			var rates map[string]float64
			if d == "float64" {
				rates, err = benchSize[float64](n, o)
			} else {
				rates, err = benchSize[float32](n, o)
			}
			if err != nil {
				fmt.Fprintf(stderr, "adquaif bench: %v\n", err)
				return 1
			}
			for _, path := range kernel.Available() {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.1fx\t\n", n, d, path, si(rates[path]), rates[path]/rates["generic"])
			}
		}
	}
	tw.Flush()
	return 0
}

// benchSize measures every path on a population of n neurons.
func benchSize[F kernel.Float](n int, o *benchOptions) (map[string]float64, error) {
	k, err := kernel.New(kernel.Config[F]{Params: kernel.Defaults[F](), DT: 0.1})
	if err != nil {
		return nil, err
	}
	v0, w0, last0 := make([]F, n), make([]F, n), make([]F, n)
	for i := range v0 {
		v0[i], last0[i] = -65, -1e7
	}
	input := make([]F, n)
	for i := range input {
		input[i] = F(60 * float64(i) / float64(max(n-1, 1)))
	}
	b := kernel.Buffers[F]{V: make([]F, n), W: make([]F, n), LastSpike: make([]F, n), I: input, Spike: make([]F, n)}
	restore := func() { copy(b.V, v0); copy(b.W, w0); copy(b.LastSpike, last0) }
	// Start every path from a state in which neurons spike, adapt and sit
	// out refractory periods, as in a real run, rather than all at rest:
	// some steps from rest on the default path, bounded in total work.
	restore()
	warm := min(500, max(1, 2_000_000/n))
	for s := range warm {
		if err := k.Step(F(s)*0.1, b); err != nil {
			return nil, err
		}
	}
	copy(v0, b.V)
	copy(w0, b.W)
	copy(last0, b.LastSpike)
	t0 := F(warm) * 0.1

	// Look at the clock every few steps only, so that it costs little
	// beside a small population's step.
	chunk := max(1, 4096/n)
	return alternate(kernel.Available(), o.repeats, func(path string) (float64, error) {
		if err := kernel.SetISA(path); err != nil {
			return 0, err
		}
		restore()
		steps := 0
		start := time.Now()
		for time.Since(start) < o.each {
			for range chunk {
				if err := k.Step(t0+F(steps)*0.1, b); err != nil {
					return 0, err
				}
				steps++
			}
		}
		return float64(steps) * float64(n) / time.Since(start).Seconds(), nil
	})
}

// alternate measures every path repeats times and returns the median of
// each path's rates. The paths take turns, one run each per round, and
// each round starts one path further on: whatever else loads a shared
// machine then weighs on every path alike, where timing one path's runs
// and then the next's compared moments, not paths.
func alternate(paths []string, repeats int, measure func(path string) (float64, error)) (map[string]float64, error) {
	runs := make(map[string][]float64, len(paths))
	for r := range repeats {
		for i := range paths {
			path := paths[(r+i)%len(paths)]
			rate, err := measure(path)
			if err != nil {
				return nil, err
			}
			runs[path] = append(runs[path], rate)
		}
	}
	rates := make(map[string]float64, len(paths))
	for path, rs := range runs {
		slices.Sort(rs)
		rates[path] = rs[len(rs)/2]
	}
	return rates, nil
}
