package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/adquaif/adquaif/kernel"
)

// runCmd runs the command in-process and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// spikeTotal reads the spike count from a run's report.
func spikeTotal(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^spikes +(\d+) in total`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no spike count in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestDefaultRun(t *testing.T) {
	code, out, errOut := runCmd(t)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"path        " + kernel.ISA() + " ",
		"AdQuaIFRef, BrainPy's default parameters, spk_reset=soft",
		"R=1 ohm, tau=10 ms, tau_w=10 ms, tau_ref=1.7 ms,\n",
		"V_th=-30 mV, V_reset=-68 mV, V_rest=-65 mV, V_c=-50 mV, c=0.07 /mV, a=1 S, b=0.1 mA\n",
		"2000 neurons x 10000 steps",
		"1000 ms at dt = 0.1 ms), float32",
		"0 to 60 mA, spread evenly",
		"silent",
		"adaptation  median interspike interval",
		" neuron-steps/s (stepping took",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Neurons below the rheobase (about 15 mA with these defaults) stay
	// silent, the others fire up to about 110 Hz: the mean lies between.
	if n := spikeTotal(t, out); n < 2000*20 || n > 2000*80 {
		t.Errorf("%d spikes: a mean rate outside 20 to 80 Hz", n)
	}
}

// TestPathsAgree runs the same small simulation on every path this CPU has,
// in both dtypes: the paths are bit-identical, so the spike counts are
// equal.
func TestPathsAgree(t *testing.T) {
	for _, dtype := range []string{"float32", "float64"} {
		want := -1
		for _, path := range kernel.Available() {
			code, out, errOut := runCmd(t, "-n", "300", "-duration", "200", "-isa", path, "-dtype", dtype, "-reset", "hard", "-batch", "2")
			if code != 0 {
				t.Fatalf("%s %s: exit %d: %s", path, dtype, code, errOut)
			}
			if !strings.Contains(out, "path        "+path+" ") || !strings.Contains(out, "600 neurons x 2000 steps") {
				t.Errorf("%s %s: output does not show the path and size:\n%s", path, dtype, out)
			}
			n := spikeTotal(t, out)
			if want >= 0 && n != want {
				t.Errorf("%s %s: %d spikes; %s had %d", path, dtype, n, kernel.Available()[0], want)
			}
			want = n
		}
	}
	if got, want := kernel.ISA(), kernel.Available()[0]; got != want {
		t.Errorf("after -isa runs the path is %s, want %s restored", got, want)
	}
}

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	svgFile, pngFile := filepath.Join(dir, "f.svg"), filepath.Join(dir, "f.png")
	code, out, errOut := runCmd(t, "-n", "200", "-duration", "300", "-svg", svgFile, "-png", pngFile)
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
	root := ""
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
			if root == "" {
				root = tok.Name.Local
			}
			elements[tok.Name.Local]++
		case xml.CharData:
			texts.Write(tok)
			texts.WriteByte('\n')
		}
	}
	if root != "svg" || elements["path"] < 100 || elements["text"] < 20 {
		t.Errorf("SVG root <%s>, %d <path>, %d <text>; want <svg> with many of both", root, elements["path"], elements["text"])
	}
	for _, want := range []string{"Membrane potential V(t)", "Adaptation current w(t)", "Spike raster", "f-I curve",
		"time (ms)", "V (mV)", "w (mA)", "input current (mA)", "firing rate (Hz)", "I = ", "V_th"} {
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
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 800 {
		t.Errorf("PNG is %dx%d, want 1200x800", b.Dx(), b.Dy())
	}
	// A drawn figure has dark pixels (text, traces) on white; a blank or
	// transparent one has not.
	dark := 0
	for y := 0; y < 800; y += 4 {
		for x := 0; x < 1200; x += 4 {
			if r, g, b, a := img.At(x, y).RGBA(); a > 0xf000 && r+g+b < 3*0x8000 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("only %d dark pixels in a sample of the PNG: is anything drawn?", dark)
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string // the flag the message must name
	}{
		{[]string{"-n", "-5"}, "-n"},
		{[]string{"-n", "many"}, "-n"},
		{[]string{"-n", "100000", "-batch", "100000"}, "-batch"},
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-steps", "0"}, "-steps"},
		{[]string{"-steps", "10", "-duration", "5"}, "-duration"},
		{[]string{"-duration", "-1"}, "-duration"},
		{[]string{"-duration", "0.01"}, "-duration"},
		{[]string{"-dt", "0"}, "-dt"},
		{[]string{"-dt", "-0.1"}, "-dt"},
		{[]string{"-dt", "nan"}, "-dt"},
		{[]string{"-dt", "1e-50"}, "-dt"},
		{[]string{"-isa", "sse9"}, "-isa"},
		{[]string{"-tau", "0"}, "-tau"},
		{[]string{"-tau", "1e39"}, "-tau"},
		{[]string{"-tau_w", "-3"}, "-tau_w"},
		{[]string{"-tau_ref", "-1"}, "-tau_ref"},
		{[]string{"-V_th", "-70"}, "-V_th"},
		{[]string{"-V_reset", "-20"}, "-V_reset"},
		{[]string{"-c", "inf"}, "-c"},
		{[]string{"-b", "x"}, "-b"},
		{[]string{"-dtype", "float16"}, "-dtype"},
		{[]string{"-reset", "medium"}, "-reset"},
		{[]string{"-input", "1:x"}, "-input"},
		{[]string{"-input", "inf"}, "-input"},
		{[]string{"-workers", "-2"}, "-workers"},
		{[]string{"-frobnicate"}, "-frobnicate"},
		{[]string{"extra"}, "extra"},
		{[]string{"-png", "/nonexistent/dir/f.png"}, "-png"},
		{[]string{"-svg", "/nonexistent/dir/f.svg"}, "-svg"},
		{[]string{"bench", "-n", "0"}, "-n"},
		{[]string{"bench", "-dtype", "int8"}, "-dtype"},
		{[]string{"bench", "-repeats", "0"}, "-repeats"},
	} {
		code, out, errOut := runCmd(t, c.args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code == 0 || out != "" || len(lines) != 1 || !strings.Contains(errOut, c.flag) || !strings.HasPrefix(errOut, "adquaif") {
			t.Errorf("adquaif %s: exit %d, stdout %q, stderr %q; want a non-zero exit and one line naming %s",
				strings.Join(c.args, " "), code, out, errOut, c.flag)
		}
	}
}

// TestParamMessages checks that an overflowing step constant is blamed on
// the flag that makes it overflow, with the values as the dtype holds them.
func TestParamMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-tau", "1e-45"}, "adquaif: -tau 1e-45: dt*c/tau = 0.1*0.07/1e-45 is not finite in float32\n"},
		{[]string{"-c", "1e38", "-tau", "1e-3"}, "adquaif: -c 1e38: dt*c/tau = 0.1*1e+38/0.001 is not finite in float32\n"},
		{[]string{"-steps", "1", "-dt", "3e38", "-R", "100"}, "adquaif: -dt 3e38: dt*R/tau = 3e+38*100/10 is not finite in float32\n"},
	} {
		code, out, errOut := runCmd(t, c.args...)
		if code == 0 || out != "" || errOut != c.want {
			t.Errorf("adquaif %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
}

// TestRunsBeyondMemory checks that a run whose buffers would not fit in
// memory is refused before it allocates them, with one line naming the
// flag, and that a figure of fewer steps than its 100 ms trace is drawn.
func TestRunsBeyondMemory(t *testing.T) {
	dir := t.TempDir()
	fig := filepath.Join(dir, "f.png")
	prev := debug.SetMemoryLimit(256 << 20)
	defer debug.SetMemoryLimit(prev)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-dt", "1e-9", "-png", fig}, "adquaif: -dt 1e-9 with -png: the figure traces the first 100 ms, 100000002828 steps, and needs 4.4 TiB of memory, more than the 256.0 MiB this process can use\n"},
		{[]string{"-dt", "1e-6", "-steps", "100000000", "-dtype", "float64", "-svg", fig}, "adquaif: -svg: the figure traces all 100000000 steps (-dt 1e-6), and needs 4.5 GiB of memory, more than the 256.0 MiB this process can use\n"},
		{[]string{"-n", "10000000"}, "adquaif: -n 10000000: the population needs 305.3 MiB of memory, more than the 256.0 MiB this process can use\n"},
		{[]string{"-n", "100000", "-batch", "100", "-dtype", "float64"}, "adquaif: -n 100000 x -batch 100: the population needs 572.3 MiB of memory, more than the 256.0 MiB this process can use\n"},
	} {
		code, out, errOut := runCmd(t, c.args...)
		if code == 0 || out != "" || errOut != c.want {
			t.Errorf("adquaif %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	if _, err := os.Stat(fig); err == nil {
		t.Error("a refused run wrote a figure")
	}
	// dt so small that 100 ms is more steps than an int holds: the figure
	// traces the run's 10 steps.
	if code, _, errOut := runCmd(t, "-steps", "10", "-dt", "1e-30", "-n", "20", "-png", fig); code != 0 {
		t.Fatalf("-steps 10 -dt 1e-30 -png: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(fig); err != nil {
		t.Error(err)
	}
}

// TestNoFigureAfterError checks that a refused run leaves no figure
// behind and an existing one as it was.
func TestNoFigureAfterError(t *testing.T) {
	dir := t.TempDir()
	file, old := filepath.Join(dir, "new.png"), filepath.Join(dir, "old.png")
	if err := os.WriteFile(old, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCmd(t, "-tau", "0", "-png", file, "-svg", old); code == 0 {
		t.Fatal("-tau 0 accepted")
	}
	entries, _ := os.ReadDir(dir)
	if b, err := os.ReadFile(old); err != nil || string(b) != "old" || len(entries) != 1 {
		t.Errorf("after a refused run: %v, %s holds %q (%v)", entries, old, b, err)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"bench", "-h"}} {
		code, out, errOut := runCmd(t, args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "Usage") || !strings.Contains(out, "-n") {
			t.Errorf("adquaif %v: exit %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
	}
	_, out, _ := runCmd(t, "-h")
	for _, flag := range []string{"-R ", "-tau ", "-tau_w", "-tau_ref", "-V_th", "-V_reset", "-V_rest", "-V_c", "-c ", "-a ", "-b ", "-svg", "-png", "-isa", "-workers"} {
		if !strings.Contains(out, flag) {
			t.Errorf("usage lacks %s", flag)
		}
	}
}

func TestBench(t *testing.T) {
	code, out, errOut := runCmd(t, "bench", "-n", "64,1000", "-time", "1ms", "-repeats", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, n := range []string{"64", "1000"} {
		for _, dtype := range []string{"float32", "float64"} {
			for _, path := range kernel.Available() {
				row := regexp.MustCompile(`(?m)^ *` + n + ` +` + dtype + ` +` + path + ` +[0-9.]+ [kMGT]? *[0-9.]+x *$`)
				if !row.MatchString(out) {
					t.Errorf("no row for n=%s %s %s in:\n%s", n, dtype, path, out)
				}
			}
			generic := regexp.MustCompile(`(?m)^ *` + n + ` +` + dtype + ` +generic .* 1\.0x *$`)
			if !generic.MatchString(out) {
				t.Errorf("the generic row of n=%s %s is not 1.0x:\n%s", n, dtype, out)
			}
		}
	}
	if got, want := kernel.ISA(), kernel.Available()[0]; got != want {
		t.Errorf("after bench the path is %s, want %s restored", got, want)
	}
}

// TestBenchAlternates checks that bench times the paths in turn, each
// round starting one path further on, and reports each path's median.
func TestBenchAlternates(t *testing.T) {
	var order []string
	runs := map[string][]float64{"a": {5, 1, 3}, "b": {20, 40, 30}, "c": {7, 7, 9}}
	rates, err := alternate([]string{"a", "b", "c"}, 3, func(path string) (float64, error) {
		order = append(order, path)
		r := runs[path][0]
		runs[path] = runs[path][1:]
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, " "), "a b c b c a c a b"; got != want {
		t.Errorf("measured in the order %s, want %s", got, want)
	}
	if want := map[string]float64{"a": 3, "b": 30, "c": 7}; !maps.Equal(rates, want) {
		t.Errorf("medians %v, want %v", rates, want)
	}
	if _, err := alternate([]string{"a"}, 2, func(string) (float64, error) { return 0, errors.New("no") }); err == nil {
		t.Error("a failed measurement is not reported")
	}
}

// TestProgress checks that a terminal gets a progress bar once a run takes
// long enough, and that the bar is gone at the end.
func TestProgress(t *testing.T) {
	o, err := parse([]string{"-n", "100", "-steps", "3000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var bar bytes.Buffer
	o.progress, o.progressAfter = &bar, 0
	if _, err := simulateAs[float32](o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "stepping") || !strings.Contains(bar.String(), "steps/") {
		t.Errorf("no progress bar in %q", bar.String())
	}
	if !strings.HasSuffix(bar.String(), "\r") {
		t.Errorf("the bar is not cleared at the end: %q", bar.String())
	}

	bar.Reset()
	o.progressAfter = time.Hour
	if _, err := simulateAs[float32](o); err != nil {
		t.Fatal(err)
	}
	if bar.Len() != 0 {
		t.Errorf("a short run drew a progress bar: %q", bar.String())
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{0, 10, 20, 30, 40}
	for _, c := range []struct{ p, want float64 }{{0, 0}, {0.25, 10}, {0.5, 20}, {0.625, 25}, {1, 40}} {
		if got := quantile(xs, c.p); got != c.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", xs, c.p, got, c.want)
		}
	}
	for _, c := range []struct{ x, want float64 }{{0.3, 0.5}, {1, 1}, {1.1, 2}, {13, 20}, {51, 100}} {
		if got := niceStep(c.x); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestSIAndSeconds checks the printed magnitudes at the edges where
// rounding to three digits carries into the next prefix: bench's rows and
// the network's times are parsed by people and by TestBench.
func TestSIAndSeconds(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{{0, "0"}, {999, "999"}, {999.6, "1 k"}, {1234, "1.23 k"}, {999.6e6, "1 G"}, {1e6, "1 M"}, {143.4e6, "143 M"}, {2.5e13, "25 T"}} {
		if got := si(c.x); got != c.want {
			t.Errorf("si(%g) = %q, want %q", c.x, got, c.want)
		}
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{43900 * time.Microsecond, "43.9 ms"}, {999400 * time.Microsecond, "999 ms"}, {999700 * time.Microsecond, "1.00 s"}, {2500 * time.Millisecond, "2.50 s"}} {
		if got := seconds(c.d); got != c.want {
			t.Errorf("seconds(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
