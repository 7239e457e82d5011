package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

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
	netEE        = 0.0  // mV, excitatory reversal potential: g_e enters G only
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

// netBytes estimates the memory a run holds: the connections (at most
// maxSynapses), the state and the window's rows, and the run's records.
func (o *netOptions) netBytes() (synapses, total float64) {
	n := float64(o.n)
	synapses = maxSynapses(o.n, netP)
	elem := 4.0
	if o.dtype == "float64" {
		elem = 8
	}
	conn := 4*synapses + 8*(n+1)
	state := elem * n * (6 + 4*float64(o.delaySteps)) // V, W, last, ge, gi, drive; 4 rows per step
	index := 4 * n * float64(o.delaySteps)            // spike indices, at worst every neuron at every step
	records := 40 * n                                 // per-neuron counts and interval sums
	bins := 4 * float64(o.steps) / netBinSteps
	return synapses, conn + state + index + records + bins
}

// checkMemory refuses a run that would not fit in the memory available,
// before anything is allocated.
func (o *netOptions) checkMemory() error {
	avail, ok := availableMemory()
	if !ok {
		return nil
	}
	synapses, total := o.netBytes()
	if total <= float64(avail) {
		return nil
	}
	return fmt.Errorf("-n %d: the network needs about %s of memory (%s synapses), more than the %s available",
		o.n, bytesText(total), si(synapses), bytesText(float64(avail)))
}

// availableMemory reads MemAvailable from /proc/meminfo; ok is false where
// there is no such file.
func availableMemory() (bytes uint64, ok bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, found := strings.CutPrefix(sc.Text(), "MemAvailable:"); found {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

func bytesText(b float64) string {
	return si(b) + "B"
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
