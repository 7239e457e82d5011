package neuron_test

import (
	"errors"
	"math"
	"testing"

	"github.com/adquaif/adquaif/kernel"
	"github.com/adquaif/adquaif/neuron"
)

// TestTapeFiniteDifferences: Backward through a recorded trajectory is
// the derivative of the whole trajectory, checked by central differences
// in float64 where the surrogate is inactive (a narrow width): the loss
// sum_j gV_j*V_j + gW_j*w_j after 300 steps, against the initial V and
// w, and against a constant input current (the sum of dL/dI over steps).
// The neurons are driven from rest to below threshold, to one spike and
// to several.
func TestTapeFiniteDifferences(t *testing.T) {
	const steps = 300
	inputs := []float64{5, 30, 60}
	gV, gW := []float64{1, -0.5, 0.25}, []float64{0.3, 1, -2}
	run := func(v0, w0, in []float64, tape bool) (*neuron.AdQuaIFRef[float64], *neuron.Tape[float64], float64) {
		pop, err := neuron.New(neuron.Config[float64]{Size: 3, V0: neuron.Values(v0), W0: neuron.Values(w0),
			Surrogate: kernel.Surrogate[float64]{Alpha: 0.3, Width: 1e-9}})
		if err != nil {
			t.Fatal(err)
		}
		var tp *neuron.Tape[float64]
		if tape {
			if tp, err = neuron.NewTape(pop, steps); err != nil {
				t.Fatal(err)
			}
		}
		for range steps {
			if tape {
				_, err = tp.Update(in)
			} else {
				_, err = pop.Update(in)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		loss := 0.0
		for j := range 3 {
			loss += gV[j]*pop.V()[j] + gW[j]*pop.W()[j]
		}
		return pop, tp, loss
	}
	v0, w0 := []float64{-65, -60, -70}, []float64{0, 0.5, -0.2}
	_, tp, _ := run(v0, w0, inputs, true)
	dV, dW, dI := append([]float64(nil), gV...), append([]float64(nil), gW...), make([]float64, 3)
	if err := tp.Backward(neuron.Gradients[float64]{V: dV, W: dW, Input: func(s int, g, _ []float64) {
		for j := range g {
			dI[j] += g[j]
		}
	}}); err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		for _, c := range []struct {
			name string
			x    []float64
			got  float64
		}{{"V0", v0, dV[j]}, {"w0", w0, dW[j]}, {"I", inputs, dI[j]}} {
			h := 1e-6 * max(1, math.Abs(c.x[j]))
			x := c.x[j]
			c.x[j] = x + h
			_, _, hi := run(v0, w0, inputs, false)
			c.x[j] = x - h
			_, _, lo := run(v0, w0, inputs, false)
			c.x[j] = x
			fd := (hi - lo) / (2 * h)
			if math.Abs(fd-c.got) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("neuron %d: dL/d%s = %v, central difference %v", j, c.name, c.got, fd)
			}
		}
	}
}

// TestTapeRefuses: a tape refuses steps that would not continue its
// trajectory, and gradients of the wrong length.
func TestTapeRefuses(t *testing.T) {
	pop, err := neuron.New(neuron.Config[float32]{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := neuron.NewTape(pop, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Update([]float32{20}); err != nil {
		t.Fatal(err)
	}
	if _, err := pop.Update(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Update(nil); !errors.Is(err, neuron.ErrTape) {
		t.Errorf("Update after the population stepped alone = %v, want ErrTape", err)
	}
	tp.Reset()
	for range 2 {
		if _, err := tp.Update(nil); err != nil {
			t.Fatal(err)
		}
	}
	steps := pop.Steps()
	if _, err := tp.Update(nil); !errors.Is(err, neuron.ErrTape) || pop.Steps() != steps {
		t.Errorf("Update on a full tape = %v (population at step %d, was %d), want ErrTape and no step", err, pop.Steps(), steps)
	}
	if err := tp.Backward(neuron.Gradients[float32]{V: make([]float32, 3)}); err == nil {
		t.Error("Backward took 3 gradients for 4 neurons")
	}
	if _, err := neuron.NewTape(pop, 0); err == nil {
		t.Error("NewTape took capacity 0")
	}
}

// TestTapeBackwardAllocs: Backward allocates nothing.
func TestTapeBackwardAllocs(t *testing.T) {
	pop, err := neuron.New(neuron.Config[float32]{Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := neuron.NewTape(pop, 50)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := tp.UpdateDelta([]float32{40}, []float32{0.1}); err != nil {
			t.Fatal(err)
		}
	}
	gv, gw := make([]float32, 64), make([]float32, 64)
	spike := func(s int, dst []float32) { dst[s%64] = 1 }
	input := func(s int, dI, dDelta []float32) {}
	if n := testing.AllocsPerRun(5, func() {
		if err := tp.Backward(neuron.Gradients[float32]{V: gv, W: gw, Spike: spike, Input: input}); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Backward allocates %v times", n)
	}
}
