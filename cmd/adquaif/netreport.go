package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/adquaif/adquaif/kernel"
)

// netReport prints a network run's summary, one labelled line per fact.
func netReport(w io.Writer, r *netResult) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-12s "+format+"\n", append([]any{label}, args...)...)
	}
	o := r.o
	line("network", "COBA (Brette et al. 2007): %d AdQuaIFRef neurons, %d excitatory and %d inhibitory,", r.n, r.nE, r.n-r.nE)
	line("", "BrainPy's default parameters, spk_reset=soft")
	line("synapses", "%d, connection probability %v (fixed, no autapses, seed %d)", r.synapses, netP, o.seed)
	line("", "exponential conductances: tau_e = %v ms, tau_i = %v ms, E_e = %v mV, E_i = %v mV", netTauE, netTauI, netEE, netEI)
	line("", "w_e = %v S, w_i = %v S per spike, delay %s ms (%s); background current %v to %v mA, uniform",
		netWE, netWI, o.delay.text, plural(o.delaySteps, "step"), netDriveLo, netDriveHi)
	line("path", "%s (available on this CPU: %s)", r.isa, strings.Join(kernel.Available(), ", "))
	how := fmt.Sprintf("one Run per delay window of %s", plural(o.delaySteps, "step"))
	if o.step {
		how = "one Step per step"
	}
	line("run", "%s ms at dt = %v ms, %s, %s, workers %d", num(r.durationMs()), netDT, o.dtype, how, o.workers)

	var total, exc int64
	for j, c := range r.counts {
		total += int64(c)
		if j < r.nE {
			exc += int64(c)
		}
	}
	line("total spikes", "%d", total)
	sec := r.durationMs() / 1000
	line("rates", "excitatory %s Hz, inhibitory %s Hz (mean over the neurons)",
		num(float64(exc)/float64(r.nE)/sec), num(float64(total-exc)/float64(r.n-r.nE)/sec))
	cv, cvn := r.isiCV()
	if cvn > 0 {
		line("ISI CV", "%s (mean over the %s with at least %d spikes)", num(cv), plural(cvn, "neuron"), minCVSpikes)
	} else {
		line("ISI CV", "none: no neuron fired %d spikes", minCVSpikes)
	}
	line("model time", "%s ms", num(r.durationMs()))
	line("wall time", "%s (%s per model second)", seconds(r.wall), seconds(time.Duration(float64(r.wall)/sec)))
	if r.cpu > 0 {
		line("cpu time", "%s (%s per model second), user and system, of the process during the run", seconds(r.cpu), seconds(perSecond(r.cpu, sec)))
	}
	line("real time", "%sx faster than real time", num(round3(sec/r.wall.Seconds())))
	rest := r.wall - r.kernel - r.decay - r.scatter
	share := func(d time.Duration) string { return fmt.Sprintf("%.0f%%", 100*d.Seconds()/r.wall.Seconds()) }
	line("time spent", "kernel %s, synaptic decay and input rows %s, scatter %s, the rest (counting spikes, traces) %s",
		share(r.kernel), share(r.decay), share(r.scatter), share(rest))
	line("", "kernel %s, decay %s, scatter %s per model second", seconds(perSecond(r.kernel, sec)), seconds(perSecond(r.decay, sec)), seconds(perSecond(r.scatter, sec)))
}

func perSecond(d time.Duration, sec float64) time.Duration { return time.Duration(float64(d) / sec) }

// isiCV is the mean over neurons with at least minCVSpikes spikes of the
// coefficient of variation of their interspike intervals.
func (r *netResult) isiCV() (mean float64, neurons int) {
	var sum float64
	for j, c := range r.counts {
		if c < minCVSpikes {
			continue
		}
		k := float64(c - 1)
		m := r.isiSum[j] / k
		v := max(0, r.isiSq[j]/k-m*m)
		sum += math.Sqrt(v) / m
		neurons++
	}
	if neurons == 0 {
		return math.NaN(), 0
	}
	return sum / float64(neurons), neurons
}
