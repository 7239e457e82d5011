// Command adquaif simulates a population of BrainPy AdQuaIFRef neurons with
// the library's fastest execution path on this CPU, and reports what the
// population did and how fast it ran.
//
// Usage:
//
//	adquaif [flags]          simulate (BrainPy's defaults: 2000 neurons, 1 s)
//	adquaif bench [flags]    steps/s of every execution path on this CPU
//	adquaif network [flags]  the COBA benchmark network (Brette et al. 2007)
//
// With no flags it steps 2000 neurons with BrainPy's default parameters for
// one second of model time at dt = 0.1 ms, with input currents spread from
// 0 to 60 mA across the neurons so that some stay silent and the others
// fire and adapt at rates that grow with their input. It prints the
// execution path, the model, the spike count and firing rates, and the
// throughput in neuron-steps per second; -png or -svg also draws V(t),
// w(t), a spike raster and the population's f-I curve. Run adquaif -h for
// every flag.
//
// adquaif network runs 4000 of these neurons as a conductance-based
// excitatory-inhibitory network with synaptic delays, one kernel Run per
// delay window, and reports its rates, irregularity and speed.
package main

import (
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
	"unsafe"

	"golang.org/x/term"

	"github.com/adquaif/adquaif/kernel"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and output streams, so that tests
// run it in-process. It returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bench" {
		return runBench(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "network" {
		return runNetwork(args[1:], stdout, stderr)
	}
	o, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		o.progress = progressWriter(stderr)
		err = simulate(o, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "adquaif: %v\n", err)
		return 2
	}
	return 0
}

// progressWriter returns stderr if it is a terminal, where a progress bar
// helps, and nil otherwise, so that piped or captured output stays clean.
func progressWriter(stderr io.Writer) io.Writer {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// number is a flag holding a decimal number as text, so that it is
// converted once, correctly rounded, to the element type chosen by -dtype
// (as BrainPy's float32 arrays hold the nearest float32 to 0.07, not the
// float32 nearest to the float64 nearest to it).
type number struct{ text string }

func (x *number) String() string { return x.text }

func (x *number) Set(s string) error {
	if _, err := strconv.ParseFloat(s, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
		return errors.New("not a number")
	}
	x.text = s
	return nil
}

// value converts the text to F; an overflow is an error rather than an
// infinity that some later check would blame on the wrong thing.
func value[F kernel.Float](name, text string) (F, error) {
	bits := 8 * int(unsafe.Sizeof(F(0)))
	x, err := strconv.ParseFloat(text, bits)
	if err != nil && math.IsInf(x, 0) {
		return 0, fmt.Errorf("-%s %s: overflows float%d", name, text, bits)
	}
	return F(x), nil
}

// param describes a model-parameter flag, under BrainPy's name.
type param struct {
	flag, unit, usage string
	field             string // the kernel.Params field, as in kernel's error messages
	value             number
}

// params lists the model parameters in BrainPy's order, with the defaults
// of kernel.Defaults as text.
func params() []*param {
	d := kernel.Defaults[float64]()
	ps := []*param{
		{flag: "R", unit: "ohm", usage: "membrane resistance", field: "R"},
		{flag: "tau", unit: "ms", usage: "membrane time constant", field: "Tau"},
		{flag: "tau_w", unit: "ms", usage: "adaptation time constant", field: "TauW"},
		{flag: "tau_ref", unit: "ms", usage: "absolute refractory period", field: "TauRef"},
		{flag: "V_th", unit: "mV", usage: "spike threshold", field: "VTh"},
		{flag: "V_reset", unit: "mV", usage: "reset potential", field: "VReset"},
		{flag: "V_rest", unit: "mV", usage: "resting potential", field: "VRest"},
		{flag: "V_c", unit: "mV", usage: "critical voltage", field: "VC"},
		{flag: "c", unit: "/mV", usage: "quadratic coefficient", field: "C"},
		{flag: "a", unit: "S", usage: "coupling of V to w", field: "A"},
		{flag: "b", unit: "mA", usage: "spike-triggered increment of w", field: "B"},
	}
	for i, x := range fields(&d) {
		ps[i].value.text = strconv.FormatFloat(*x, 'g', -1, 64)
	}
	return ps
}

// fields returns pointers to the fields of p in the order of params.
func fields[F kernel.Float](p *kernel.Params[F]) [11]*F {
	return [...]*F{&p.R, &p.Tau, &p.TauW, &p.TauRef, &p.VTh, &p.VReset, &p.VRest, &p.VC, &p.C, &p.A, &p.B}
}

// options are the parsed flags of a simulation.
type options struct {
	n, batch, steps int
	duration, dt    number // ms
	input           string
	inputLo         float64 // mA; parsed from input
	inputHi         float64
	dtype, reset    string
	isa             string
	workers         int
	params          []*param
	svg, png        string

	// progress receives a progress bar for runs longer than progressAfter;
	// nil: none.
	progress      io.Writer
	progressAfter time.Duration
}

const (
	defaultN     = 2000
	defaultInput = "0:60"
	// maxNeurons bounds n*batch so that a typing slip fails at once with a
	// clear message rather than by exhausting memory.
	maxNeurons = 1 << 28
)

func parse(args []string, stdout io.Writer) (*options, error) {
	o := &options{params: params(), progressAfter: time.Second}
	fs := flag.NewFlagSet("adquaif", flag.ContinueOnError)
	// The flag package would print the usage after every error; one line
	// naming the flag is what a user needs, and -h prints the rest.
	fs.SetOutput(io.Discard)
	fs.IntVar(&o.n, "n", defaultN, "number of neurons in the population")
	fs.IntVar(&o.batch, "batch", 1, "batch rows: independent copies of the population, stepped together")
	fs.IntVar(&o.steps, "steps", 0, "number of steps (instead of -duration)")
	o.duration.text = "1000"
	fs.Var(&o.duration, "duration", "model time to simulate, in ms")
	o.dt.text = "0.1"
	fs.Var(&o.dt, "dt", "time step, in ms")
	fs.StringVar(&o.input, "input", defaultInput, `input current in mA: a constant "x", or "lo:hi" spread evenly across the neurons`)
	fs.StringVar(&o.dtype, "dtype", "float32", "element type: float32 or float64")
	fs.StringVar(&o.reset, "reset", "soft", "spike reset (BrainPy's spk_reset): soft or hard")
	fs.StringVar(&o.isa, "isa", "", "execution path, one of "+strings.Join(kernel.Available(), ", ")+" (default: the best, "+kernel.ISA()+")")
	fs.IntVar(&o.workers, "workers", 0, "goroutines that step the population (0: the default)")
	for _, p := range o.params {
		fs.Var(&p.value, p.flag, fmt.Sprintf("%s, in %s", p.usage, p.unit))
	}
	fs.StringVar(&o.svg, "svg", "", "write a figure (V and w traces, spike raster, f-I curve) to this SVG `file`")
	fs.StringVar(&o.png, "png", "", "write the figure to this PNG `file`")
	// The flag package calls Usage on every error; print it for -h only.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, fs)
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags come before arguments; the subcommands are bench and network)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := o.check(set); err != nil {
		return nil, err
	}
	return o, nil
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage:
  adquaif [flags]          simulate a population of BrainPy AdQuaIFRef neurons
  adquaif bench [flags]    measure every execution path on this CPU (adquaif bench -h)
  adquaif network [flags]  run the COBA benchmark network (adquaif network -h)

Flags (model parameters take BrainPy's names and defaults, in mV, ms, mA, ohm, S):
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// check validates what kernel.New does not see; the model parameters and dt
// are left to kernel.New, whose errors name them.
func (o *options) check(set map[string]bool) error {
	switch {
	case o.n <= 0:
		return fmt.Errorf("-n %d: want a number of neurons > 0", o.n)
	case o.batch <= 0:
		return fmt.Errorf("-batch %d: want a batch size > 0", o.batch)
	case o.n > maxNeurons/o.batch:
		return fmt.Errorf("-n %d x -batch %d: more than %d neurons", o.n, o.batch, maxNeurons)
	case set["steps"] && set["duration"]:
		return errors.New("-steps and -duration: give one or the other")
	case set["steps"] && o.steps <= 0:
		return fmt.Errorf("-steps %d: want a number of steps > 0", o.steps)
	}
	if o.dtype != "float32" && o.dtype != "float64" {
		return fmt.Errorf("-dtype %q: want float32 or float64", o.dtype)
	}
	if o.reset != "soft" && o.reset != "hard" {
		return fmt.Errorf("-reset %q: want soft or hard", o.reset)
	}
	if o.isa != "" && !slices.Contains(kernel.Available(), o.isa) {
		return fmt.Errorf("-isa %q: not available on this CPU (available: %s)", o.isa, strings.Join(kernel.Available(), ", "))
	}
	if o.workers < 0 {
		return fmt.Errorf("-workers %d: want 0 or more goroutines", o.workers)
	}
	if !set["steps"] {
		d, err := strconv.ParseFloat(o.duration.text, 64)
		if err != nil || !(d > 0) || math.IsInf(d, 0) {
			return fmt.Errorf("-duration %s: want a time in ms > 0", o.duration.text)
		}
	}
	lo, hi, err := parseInput(o.input)
	if err != nil {
		return fmt.Errorf("-input %q: %v", o.input, err)
	}
	o.inputLo, o.inputHi = lo, hi
	return nil
}

// parseInput parses "x" or "lo:hi" (mA).
func parseInput(s string) (lo, hi float64, err error) {
	a, b, isRange := strings.Cut(s, ":")
	lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
	if err != nil || math.IsInf(lo, 0) || math.IsNaN(lo) {
		return 0, 0, errors.New(`want a finite current "x" or a range "lo:hi" in mA`)
	}
	hi = lo
	if isRange {
		hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		if err != nil || math.IsInf(hi, 0) || math.IsNaN(hi) {
			return 0, 0, errors.New(`want a finite current "x" or a range "lo:hi" in mA`)
		}
	}
	return lo, hi, nil
}

// flagOf maps a kernel.ParamError's field to the flag that set it.
func flagOf(field string, ps []*param) string {
	switch field {
	case "DT":
		return "dt"
	case "Reset":
		return "reset"
	}
	name := strings.TrimPrefix(field, "Params.")
	for _, p := range ps {
		if p.field == name {
			return p.flag
		}
	}
	return field
}

// explain rewrites kernel.New's errors in terms of flags.
func explain(err error, ps []*param) error {
	var pe *kernel.ParamError
	if !errors.As(err, &pe) {
		return err
	}
	text := func(flag string) string {
		for _, p := range ps {
			if p.flag == flag {
				return p.value.text
			}
		}
		return strconv.FormatFloat(pe.Value, 'g', -1, 64)
	}
	name := flagOf(pe.Name, ps)
	if name == "V_th" && errors.Is(pe.Err, kernel.ErrRange) {
		// Either flag may be the slip; name both.
		return fmt.Errorf("-V_th %s, -V_reset %s: want V_th > V_reset", text("V_th"), text("V_reset"))
	}
	return fmt.Errorf("-%s %s: %s", name, text(name), pe.Why)
}
