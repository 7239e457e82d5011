package main

import (
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/kernel"
)

// netSpikes reads "total spikes N" from a network report.
func netSpikes(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^total spikes (\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no spike total in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestNetworkPaths runs the network for 100 ms on every path this CPU has,
// in both dtypes and with several workers: the kernel's paths are
// bit-identical and the synapses add in a fixed order, so the spike totals
// are equal.
func TestNetworkPaths(t *testing.T) {
	workerCounts := []string{"0", "2"}
	if testing.Short() {
		workerCounts = workerCounts[:1] // the kernel's tests cover Workers; emulated runs are slow
	}
	for _, dtype := range []string{"float32", "float64"} {
		want, wantFrom := -1, ""
		for _, path := range kernel.Available() {
			for _, workers := range workerCounts {
				code, out, errOut := runCmd(t, "network", "-duration", "100", "-isa", path, "-dtype", dtype, "-workers", workers)
				if code != 0 {
					t.Fatalf("%s %s: exit %d: %s", path, dtype, code, errOut)
				}
				if !strings.Contains(out, "path         "+path+" ") {
					t.Errorf("%s: the report does not name the path:\n%s", path, out)
				}
				n := netSpikes(t, out)
				if n == 0 {
					t.Errorf("%s %s: no spikes in 100 ms", path, dtype)
				}
				if want >= 0 && n != want {
					t.Errorf("%s %s -workers %s: %d spikes; %s had %d", path, dtype, workers, n, wantFrom, want)
				}
				want, wantFrom = n, path+" -workers "+workers
			}
		}
	}
	if got, want := kernel.ISA(), kernel.Available()[0]; got != want {
		t.Errorf("after -isa runs the path is %s, want %s restored", got, want)
	}
}

// TestNetworkReport checks that the default network prints every fact of
// its report and settles into asynchronous irregular firing: moderate
// rates, a population rate that stays flat after the first 50 ms, and
// interspike intervals about as variable as a Poisson process's.
func TestNetworkReport(t *testing.T) {
	if testing.Short() {
		t.Skip("a second of model time; TestNetworkPaths covers the paths in short mode")
	}
	o, err := parseNetwork(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runNet[float32](o)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	netReport(&out, r)
	for _, want := range []string{
		"4000 AdQuaIFRef neurons, 3200 excitatory and 800 inhibitory",
		"connection probability 0.02", "tau_e = 5 ms, tau_i = 10 ms, E_e = 0 mV, E_i = -80 mV",
		"delay 1 ms (10 steps)", "1000 ms at dt = 0.1 ms, float32, one Run per delay window of 10 steps",
		"\nrates        excitatory ", "\nISI CV       ", "\nmodel time   1000 ms\n", "\nwall time    ",
		"x faster than real time\n", "\ntime spent   kernel ", "scatter",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if _, ok := cpuTime(); ok && !strings.Contains(out.String(), "\ncpu time     ") {
		t.Errorf("report lacks the processor time:\n%s", out.String())
	}
	if n := netSpikes(t, out.String()); n < 4000*5 || n > 4000*30 {
		t.Errorf("%d spikes in 1 s: a mean rate outside 5 to 30 Hz", n)
	}
	if cv, _ := r.isiCV(); cv < 0.8 || cv > 1.5 {
		t.Errorf("ISI CV %v: not irregular firing", cv)
	}
	// Asynchronous: after the start, no 1-ms bin holds more than 3 times
	// the mean (a synchronous volley would hold most of the network).
	bins := r.rateBins[50:]
	var sum int64
	for _, b := range bins {
		sum += int64(b)
	}
	mean := float64(sum) / float64(len(bins))
	if most := slices.Max(bins); float64(most) > 3*mean {
		t.Errorf("a 1-ms bin holds %d spikes, the mean is %.1f: synchronous firing", most, mean)
	}
}

// TestNetworkStepIsRun checks that a Step per step and a Run per window
// give the same spikes, the same V and the same conductances: the window
// is exact, not an approximation, and the traced neurons' two-neuron copy
// follows them to the bit.
func TestNetworkStepIsRun(t *testing.T) {
	// 1.5 ms: one block of the conductances' frame per window; 5 ms: two
	// blocks, the second shorter.
	for _, delay := range []string{"1.5", "5"} {
		var runs [2]*netResult
		for k, step := range []bool{false, true} {
			o, err := parseNetwork([]string{"-duration", "300", "-delay", delay, "-n", "1500"}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			o.step, o.trace = step, true
			if runs[k], err = runNet[float32](o); err != nil {
				t.Fatal(err)
			}
		}
		a, b := runs[0], runs[1]
		if !slices.Equal(a.counts, b.counts) {
			t.Fatalf("-delay %s: a Step per step and a Run per window give different spikes", delay)
		}
		for k := range a.traces {
			for _, pair := range [][2][]float64{{a.traces[k].v, b.traces[k].v}, {a.traces[k].ge, b.traces[k].ge}, {a.traces[k].gi, b.traces[k].gi}} {
				if len(pair[0]) != a.o.steps-a.traceStart || len(pair[0]) < 2000 || !slices.Equal(pair[0], pair[1]) {
					t.Errorf("-delay %s, trace %d: %d and %d values, or different ones", delay, k, len(pair[0]), len(pair[1]))
				}
			}
		}
		if slices.Max(a.counts) == 0 {
			t.Errorf("-delay %s: no spikes: the comparison shows nothing", delay)
		}
	}
}

// TestNetworkSeed checks that the seed decides the network: the same seed
// gives the same spikes, another seed others.
func TestNetworkSeed(t *testing.T) {
	total := func(seed string) int {
		code, out, errOut := runCmd(t, "network", "-duration", "100", "-n", "1000", "-seed", seed)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return netSpikes(t, out)
	}
	a, b, c := total("7"), total("7"), total("8")
	if a != b || a == c {
		t.Errorf("seed 7: %d and %d spikes, seed 8: %d; want the same, then different", a, b, c)
	}
}

func TestConnect(t *testing.T) {
	const n, p = 3000, 0.02
	c := connect(n, p, rand.New(rand.NewPCG(1, 2)))
	if len(c.start) != n+1 || c.start[0] != 0 || c.start[n] != len(c.target) {
		t.Fatalf("rows: %d starts, first %d, last %d of %d targets", len(c.start), c.start[0], c.start[n], len(c.target))
	}
	pairs := float64(n) * (n - 1)
	if got, sd := float64(len(c.target)), math.Sqrt(pairs*p*(1-p)); math.Abs(got-pairs*p) > 5*sd {
		t.Errorf("%v synapses, want %v ± %v", got, pairs*p, 5*sd)
	}
	in := make([]int, n)
	for j := range n {
		row := c.target[c.start[j]:c.start[j+1]]
		if !slices.IsSorted(row) || slices.Contains(row, int32(j)) {
			t.Fatalf("neuron %d: targets %v not ascending, or an autapse", j, row)
		}
		for k := 1; k < len(row); k++ {
			if row[k] == row[k-1] {
				t.Fatalf("neuron %d: target %d twice", j, row[k])
			}
		}
		for _, i := range row {
			if i < 0 || int(i) >= n {
				t.Fatalf("neuron %d: target %d out of range", j, i)
			}
			in[i]++
		}
	}
	// The in-degrees are binomial too: every neuron is reached, by the
	// first as by the last candidate of each row.
	if lo, hi := slices.Min(in), slices.Max(in); lo < 30 || hi > 95 {
		t.Errorf("in-degrees from %d to %d, want about %v ± 30", lo, hi, p*n)
	}
}

func TestNetworkFigure(t *testing.T) {
	dir := t.TempDir()
	svgFile, pngFile := filepath.Join(dir, "n.svg"), filepath.Join(dir, "n.png")
	code, out, errOut := runCmd(t, "network", "-duration", "300", "-svg", svgFile, "-png", pngFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "figure      "+svgFile) || !strings.Contains(out, "figure      "+pngFile) {
		t.Errorf("the report does not name the figures:\n%s", out)
	}
	f, err := os.Open(svgFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	elements := map[string]int{}
	var texts strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			elements[tok.Name.Local]++
		case xml.CharData:
			texts.Write(tok)
			texts.WriteByte('\n')
		}
	}
	if elements["svg"] != 1 || elements["path"] < 500 || elements["text"] < 30 {
		t.Errorf("SVG: %d <svg>, %d <path>, %d <text>; want one <svg> with many of the others", elements["svg"], elements["path"], elements["text"])
	}
	for _, want := range []string{"Spike raster", "Population rate", "Membrane potential V(t)", "Synaptic conductances",
		"Firing rates of the neurons", "Interspike intervals", "neuron 0 (excitatory)", "neuron 3200 (inhibitory)", "rate (Hz)", "g (S)"} {
		if !strings.Contains(texts.String(), want) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
	pf, err := os.Open(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 1000 {
		t.Errorf("PNG is %dx%d, want 1200x1000", b.Dx(), b.Dy())
	}
	// Both colours are drawn: the excitatory blue and the inhibitory red.
	var blue, red int
	for y := 0; y < 1000; y += 2 {
		for x := 0; x < 1200; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			switch {
			case b > 0x9000 && r < 0x5000 && g < 0x9000:
				blue++
			case r > 0xb000 && g < 0x5000 && b < 0x5000:
				red++
			}
		}
	}
	if blue < 200 || red < 200 {
		t.Errorf("%d blue and %d red pixels in a sample of the PNG: are the panels drawn?", blue, red)
	}
}

func TestNetworkBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"-n", "1"}, "-n"},
		{[]string{"-n", "x"}, "-n"},
		{[]string{"-n", "2000000000"}, "-n"},
		{[]string{"-n", "3000000"}, "-n"}, // 1.8e11 synapses: more memory than any machine here
		{[]string{"-duration", "0"}, "-duration"},
		{[]string{"-duration", "0.01"}, "-duration"},
		{[]string{"-duration", "inf"}, "-duration"},
		{[]string{"-delay", "0"}, "-delay"},
		{[]string{"-delay", "0.04"}, "-delay"},
		{[]string{"-delay", "0.15"}, "-delay"},
		{[]string{"-delay", "nan"}, "-delay"},
		{[]string{"-delay", "1e9"}, "-delay"},
		{[]string{"-seed", "-1"}, "-seed"},
		{[]string{"-dtype", "float16"}, "-dtype"},
		{[]string{"-isa", "sse9"}, "-isa"},
		{[]string{"-workers", "-1"}, "-workers"},
		{[]string{"-frobnicate"}, "-frobnicate"},
		{[]string{"extra"}, "extra"},
		{[]string{"-png", "/nonexistent/dir/f.png"}, "-png"},
		{[]string{"-svg", "/nonexistent/dir/f.svg"}, "-svg"},
	} {
		args := append([]string{"network"}, c.args...)
		code, out, errOut := runCmd(t, args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code == 0 || out != "" || len(lines) != 1 || !strings.Contains(errOut, c.flag) || !strings.HasPrefix(errOut, "adquaif network: ") {
			t.Errorf("adquaif %s: exit %d, stdout %q, stderr %q; want a non-zero exit and one line naming %s",
				strings.Join(args, " "), code, out, errOut, c.flag)
		}
	}
}

func TestNetworkHelp(t *testing.T) {
	code, out, errOut := runCmd(t, "network", "-h")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"Usage: adquaif network", "-n ", "-duration", "-delay", "-seed", "-dtype", "-workers", "-isa", "-step", "-png", "-svg"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
}

// TestNetworkProgress checks that a terminal gets a progress bar once a
// run takes long enough, cleared at the end.
func TestNetworkProgress(t *testing.T) {
	o, err := parseNetwork([]string{"-n", "500", "-duration", "200"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var bar strings.Builder
	o.progress, o.progressAfter = &bar, 0
	if _, err := runNet[float32](o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "network") || !strings.HasSuffix(bar.String(), "\r") {
		t.Errorf("no progress bar, or one not cleared: %q", bar.String())
	}
}
