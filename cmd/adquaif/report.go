package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adquaif/adquaif/kernel"
)

// report prints a run's summary: one labelled line per fact, so that it
// reads as a table and greps well.
func report(w io.Writer, r *result) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-11s "+format+"\n", append([]any{label}, args...)...)
	}
	line("path", "%s (available on this CPU: %s)", r.isa, strings.Join(kernel.Available(), ", "))
	which := "BrainPy's default parameters"
	if len(r.changed) > 0 {
		which = "BrainPy's defaults but " + strings.Join(r.changed, ", ")
	}
	line("model", "AdQuaIFRef, %s, spk_reset=%s", which, r.reset)
	for _, l := range paramText(r.params) {
		line("", "%s", l)
	}
	line("run", "%s x %d steps = %s neuron-steps (%s ms at dt = %s ms), %s",
		plural(r.m, "neuron"), r.steps, si(float64(r.m)*float64(r.steps)), num(r.durationMs()), num(r.dt), r.dtype)
	if r.batch > 1 {
		line("", "batch of %d rows of %d neurons", r.batch, r.n)
	}
	if r.lo == r.hi {
		line("input", "%s mA to every neuron", num(r.lo))
	} else {
		line("input", "%s to %s mA, spread evenly across the neurons", num(r.lo), num(r.hi))
	}

	var total int64
	rates := make([]float64, r.m)
	for i, c := range r.counts {
		total += int64(c)
		rates[i] = r.rate(i)
	}
	mean := float64(total) / float64(r.m) / r.durationMs() * 1000
	line("spikes", "%d in total, a mean rate of %s Hz per neuron", total, num(mean))
	slices.Sort(rates)
	q := func(p float64) string { return num(quantile(rates, p)) }
	silent, _ := slices.BinarySearch(rates, math.SmallestNonzeroFloat64)
	line("rates", "min %s, quartiles %s / %s / %s, max %s Hz; %d silent (%.0f%%)",
		q(0), q(0.25), q(0.5), q(0.75), q(1), silent, 100*float64(silent)/float64(r.m))
	histogram(w, rates[silent:], silent)
	if len(r.firstISI) > 0 {
		line("adaptation", "median interspike interval %s ms at the first spike, %s ms at the last (%s with 3+ spikes)",
			num(median(r.firstISI)), num(median(r.lastISI)), plural(len(r.firstISI), "neuron"))
	}
	steps := float64(r.m) * float64(r.steps)
	line("throughput", "%s neuron-steps/s (stepping took %s; the whole run, with counting spikes, %s)",
		si(steps/r.stepping.Seconds()), seconds(r.stepping), seconds(r.wall))
}

// paramText lists the parameters with BrainPy's names and units, on two
// lines that fit a terminal: the resistance and time constants, then the rest.
func paramText(p kernel.Params[float64]) []string {
	var lines [2][]string
	for i, x := range fields(&p) {
		pp := params()[i]
		k := 0
		if i >= 4 {
			k = 1
		}
		lines[k] = append(lines[k], fmt.Sprintf("%s=%s %s", pp.flag, num(*x), pp.unit))
	}
	return []string{strings.Join(lines[0], ", ") + ",", strings.Join(lines[1], ", ")}
}

// histogram draws the rates of the firing neurons as text, one line per
// bin, after a line for the silent ones.
func histogram(w io.Writer, rates []float64, silent int) {
	const bins, width = 8, 40
	if len(rates) == 0 {
		return
	}
	lo, hi := rates[0], rates[len(rates)-1]
	step := niceStep((hi - lo) / bins)
	start := math.Floor(lo/step) * step
	var counts []int
	for _, x := range rates {
		k := int((x - start) / step)
		for len(counts) <= k {
			counts = append(counts, 0)
		}
		counts[k]++
	}
	most := silent
	for _, c := range counts {
		most = max(most, c)
	}
	bar := func(c int) string { return strings.Repeat("#", (c*width+most-1)/most) }
	labels := make([]string, len(counts))
	lw := len("silent")
	for k := range counts {
		labels[k] = fmt.Sprintf("%s-%s Hz", num(start+float64(k)*step), num(start+float64(k+1)*step))
		lw = max(lw, len(labels[k]))
	}
	if silent > 0 {
		fmt.Fprintf(w, "%-11s %*s %6d %s\n", "", lw, "silent", silent, bar(silent))
	}
	for k, c := range counts {
		fmt.Fprintf(w, "%-11s %*s %6d %s\n", "", lw, labels[k], c, bar(c))
	}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// quantile of sorted xs, interpolating linearly (numpy's default).
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := p * float64(len(xs)-1)
	i := int(h)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// num prints a number briefly: at most 4 significant digits, no exponent
// for everyday magnitudes.
func num(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e7 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// si prints a large count with an SI prefix: 1.23 G. The count is rounded
// to three digits before the prefix is chosen, so 999.7e6 prints as 1 G,
// never as 1e+03 M.
func si(x float64) string {
	x = round3(x)
	for _, u := range []struct {
		scale  float64
		prefix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if x >= u.scale {
			return strconv.FormatFloat(x/u.scale, 'g', 3, 64) + " " + u.prefix
		}
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// seconds prints a duration in s, or in ms below a second (999.7 ms,
// which rounds to 1000 ms, prints as 1.00 s).
func seconds(d time.Duration) string {
	if ms := round3(d.Seconds() * 1000); ms < 1000 {
		return strconv.FormatFloat(ms, 'g', 3, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}

// round3 rounds to 3 significant digits.
func round3(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
