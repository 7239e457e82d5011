package neuron_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/adquaif/adquaif/neuron"
)

// Training through time: the input weights of 8 neurons, driven by 5
// Poisson spike trains through exponential synapses, are fitted by
// gradient descent (BPTT with BrainPy's ReluGrad surrogate, through a
// Tape) so that neuron j fires 2 + j spikes in 100 ms. The loss is
// sum_j (count_j - target_j)^2 / 2 over the trial; its gradient reaches
// the weights through dL/dI of every step.
func ExampleTape() {
	const (
		size, inputs = 8, 5
		steps        = 1000 // 100 ms at dt = 0.1 ms
		decay        = 0.98 // the synapse's exp(-dt/tau_s), tau_s = 5 ms
	)
	pop, err := neuron.New(neuron.Config[float32]{Size: size})
	if err != nil {
		panic(err)
	}
	tape, err := neuron.NewTape(pop, steps)
	if err != nil {
		panic(err)
	}

	// The synaptic traces of the input trains (20 to 60 Hz), the same in
	// every trial.
	rng := rand.New(rand.NewPCG(1, 2))
	traces := make([][inputs]float32, steps)
	var trace [inputs]float32
	for s := range traces {
		for k := range trace {
			trace[k] = float32(trace[k] * decay)
			if rng.Float64() < float64(20+10*k)*1e-4 {
				trace[k]++
			}
		}
		traces[s] = trace
	}
	weights := make([][inputs]float64, size)
	for j := range weights {
		for k := range weights[j] {
			weights[j][k] = 20 * rng.Float64()
		}
	}

	current := make([]float32, size)
	count := make([]float32, size)
	errs := make([]float32, size) // dL/dcount_j = dL/dspike_j at every step
	grad := make([][inputs]float64, size)
	// Adam, in float64. Every product is converted explicitly, which keeps
	// the compiler from fusing it into a multiply-add on some CPUs and not
	// others: the run is the same on every machine.
	m1, m2 := make([][inputs]float64, size), make([][inputs]float64, size)
	const lr, beta1, beta2 = 0.5, 0.9, 0.999
	pow1, pow2 := 1.0, 1.0

	trial := func() float64 {
		if err := pop.ResetState(); err != nil {
			panic(err)
		}
		tape.Reset()
		clear(count)
		for s := range steps {
			for j := range current {
				var in float64
				for k, x := range traces[s] {
					in += float64(weights[j][k] * float64(x))
				}
				current[j] = float32(in)
			}
			spikes, err := tape.Update(current)
			if err != nil {
				panic(err)
			}
			for j, x := range spikes {
				count[j] += x
			}
		}
		loss := 0.0
		for j := range count {
			e := float64(count[j]) - float64(2+j)
			errs[j] = float32(e)
			loss += float64(e*e) / 2
		}
		return loss
	}

	first := trial()
	fmt.Printf("before training: loss %.1f, spike counts %v\n", first, count)
	loss := first
	for epoch := 1; epoch <= 150; epoch++ {
		clear(grad)
		err := tape.Backward(neuron.Gradients[float32]{
			Spike: func(s int, dst []float32) { copy(dst, errs) },
			Input: func(s int, dI, _ []float32) {
				for j, g := range dI {
					for k, x := range traces[s] {
						grad[j][k] += float64(float64(g) * float64(x))
					}
				}
			},
		})
		if err != nil {
			panic(err)
		}
		pow1, pow2 = float64(pow1*beta1), float64(pow2*beta2)
		for j := range weights {
			for k := range weights[j] {
				g := grad[j][k]
				m1[j][k] = float64(beta1*m1[j][k]) + float64((1-beta1)*g)
				m2[j][k] = float64(beta2*m2[j][k]) + float64(float64((1-beta2)*g)*g)
				mh := m1[j][k] / (1 - pow1)
				vh := m2[j][k] / (1 - pow2)
				weights[j][k] -= float64(lr*mh) / (math.Sqrt(vh) + 1e-8)
			}
		}
		loss = trial()
		if epoch%50 == 0 {
			fmt.Printf("epoch %d: loss %.1f\n", epoch, loss)
		}
	}
	fmt.Printf("after training: spike counts %v (targets 2..9)\n", count)
	fmt.Printf("loss fell %.0fx\n", first/loss)
	// Output:
	// before training: loss 109.0, spike counts [1 2 1 0 2 0 2 0]
	// epoch 50: loss 12.0
	// epoch 100: loss 2.5
	// epoch 150: loss 0.5
	// after training: spike counts [2 3 4 5 6 7 8 8] (targets 2..9)
	// loss fell 218x
}
