package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adquaif/adquaif/internal/memlimit"
	"github.com/adquaif/adquaif/kernel"
)

// The COBA benchmark network of Brette et al. (2007), after Vogels & Abbott
// (2005), with AdQuaIFRef neurons at BrainPy's default parameters. The
// weights and the background drive are this command's: with them the
// network settles into asynchronous irregular firing (README, "A network").
const (
	netDT        = 0.1  // ms
	netExcShare  = 0.8  // excitatory share of the neurons
	netP         = 0.02 // connection probability, fixed, no autapses
	netTauE      = 5.0  // ms, excitatory conductance decay
	netTauI      = 10.0 // ms, inhibitory conductance decay
	netEE        = 0.0  // mV, excitatory reversal potential
	netEI        = -80.0
	netWE        = 0.1  // S, excitatory conductance jump per spike
	netWI        = 1.2  // S, inhibitory conductance jump per spike
	netDriveLo   = 36.0 // mA, background current, spread uniformly
	netDriveHi   = 42.0 //     over the neurons (seeded)
	netV0Lo      = -65.0
	netV0Hi      = -45.0 // mV, initial V, uniform (seeded)
	netDefaultN  = 4000
	netMaxN      = math.MaxInt32 // targets are int32
	netBinSteps  = 10            // steps per bin of the population rate (1 ms)
	netDefaultMs = "1000"
)

// netOptions are the parsed flags of adquaif network.
type netOptions struct {
	n          int
	duration   number // ms
	delay      number // ms
	seed       uint64
	dtype, isa string
	workers    int
	step       bool // advance with Step per step instead of Run per window
	svg, png   string
	trace      bool // keep the traces a figure draws

	steps, delaySteps int

	progress      io.Writer
	progressAfter time.Duration
}

func parseNetwork(args []string, stdout io.Writer) (*netOptions, error) {
	o := &netOptions{progressAfter: time.Second}
	fs := flag.NewFlagSet("adquaif network", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.n, "n", netDefaultN, "number of neurons (80% excitatory)")
	o.duration.text = netDefaultMs
	fs.Var(&o.duration, "duration", "model time to simulate, in ms")
	o.delay.text = "1"
	fs.Var(&o.delay, "delay", "synaptic delay in ms, a whole number of steps of dt = 0.1 ms")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the connections, the background drive and the initial V")
	fs.StringVar(&o.dtype, "dtype", "float32", "element type: float32 or float64")
	fs.StringVar(&o.isa, "isa", "", "execution path, one of "+strings.Join(kernel.Available(), ", ")+" (default: the best, "+kernel.ISA()+")")
	fs.IntVar(&o.workers, "workers", 0, "goroutines that share the kernel's calls (0: the default); results are the same for any number")
	fs.BoolVar(&o.step, "step", false, "advance the neurons with one Step per step instead of one Run per delay window (the same spikes, for comparison)")
	fs.StringVar(&o.svg, "svg", "", "write a figure (raster, population rate, V and conductance traces, rate and ISI histograms) to this SVG `file`")
	fs.StringVar(&o.png, "png", "", "write the figure to this PNG `file`")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, `Usage: adquaif network [flags]

Simulates the COBA benchmark network (Brette et al. 2007): AdQuaIFRef neurons,
80% excitatory, connected with probability 0.02, exponential conductances
(tau_e = 5 ms, tau_i = 10 ms, E_e = 0 mV, E_i = -80 mV) with a synaptic delay,
at dt = 0.1 ms. Each delay window is one kernel Run: the spikes of a window
arrive only in later windows, so every step's conductances are known at its
start.

Flags:
`)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	o.trace = o.svg != "" || o.png != ""
	return o, nil
}

func (o *netOptions) check() error {
	switch {
	case o.n < 2:
		return fmt.Errorf("-n %d: want at least 2 neurons (one excitatory, one inhibitory)", o.n)
	case o.n > netMaxN:
		return fmt.Errorf("-n %d: more than %d neurons", o.n, netMaxN)
	case o.dtype != "float32" && o.dtype != "float64":
		return fmt.Errorf("-dtype %q: want float32 or float64", o.dtype)
	case o.isa != "" && !slices.Contains(kernel.Available(), o.isa):
		return fmt.Errorf("-isa %q: not available on this CPU (available: %s)", o.isa, strings.Join(kernel.Available(), ", "))
	case o.workers < 0:
		return fmt.Errorf("-workers %d: want 0 or more goroutines", o.workers)
	}
	d, err := strconv.ParseFloat(o.duration.text, 64)
	if err != nil || !(d > 0) || math.IsInf(d, 0) {
		return fmt.Errorf("-duration %s: want a time in ms > 0", o.duration.text)
	}
	steps := math.Round(d / netDT)
	switch {
	case steps < 1:
		return fmt.Errorf("-duration %s: shorter than one step of dt = %v ms", o.duration.text, netDT)
	case steps > maxSteps:
		return fmt.Errorf("-duration %s: %.3g steps of dt = %v ms, more than %d", o.duration.text, steps, netDT, maxSteps)
	}
	o.steps = int(steps)
	delay, err := strconv.ParseFloat(o.delay.text, 64)
	if err != nil || math.IsNaN(delay) || math.IsInf(delay, 0) {
		return fmt.Errorf("-delay %s: want a time in ms", o.delay.text)
	}
	ds := math.Round(delay / netDT)
	switch {
	case ds < 1:
		return fmt.Errorf("-delay %s: shorter than one step of dt = %v ms (a spike cannot arrive in the step that emits it)", o.delay.text, netDT)
	case math.Abs(delay/netDT-ds) > 1e-6:
		return fmt.Errorf("-delay %s: not a whole number of steps of dt = %v ms", o.delay.text, netDT)
	case ds*float64(o.n) > math.MaxInt32:
		// Run's SpikeIndex numbers a window's spikes s*n+i in an int32.
		return fmt.Errorf("-n %d, -delay %s: %v steps of %d neurons overflow a spike index (int32)", o.n, o.delay.text, ds, o.n)
	}
	o.delaySteps = int(ds)
	return o.checkMemory()
}

// checkMemory refuses a run whose buffers would not fit in memory, before
// any is allocated: the connections (at most maxSynapses), the state and
// the window's rows, the spike indices of a window, the per-neuron records
// and the population rate's bins.
func (o *netOptions) checkMemory() error {
	synapses := maxSynapses(o.n, netP)
	elem := 4
	if o.dtype == "float64" {
		elem = 8
	}
	var need memlimit.Need
	if synapses >= math.MaxInt/4 {
		need.Add(-1, 4) // counts as more than any machine has
	} else {
		need.Add(int(synapses), 4)
	}
	need.Add(o.n+1, 8)
	need.Add(o.n, elem*(6+2*o.delaySteps)) // V, W, last, g_e, g_i, drive; rows of I and G
	need.Add(o.n, 4*o.delaySteps)          // spike indices, at worst every neuron at every step
	need.Add(o.n, 40)                      // spike counts, interval sums, last spikes
	need.Add(o.steps/netBinSteps+1, 4)
	if err := need.Check(); err != nil {
		return fmt.Errorf("-n %d: the network (%s synapses) %v", o.n, si(synapses), err)
	}
	return nil
}

func runNetwork(args []string, stdout, stderr io.Writer) int {
	o, err := parseNetwork(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		o.progress = progressWriter(stderr)
		err = simulateNetwork(o, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "adquaif network: %v\n", err)
		return 2
	}
	return 0
}
