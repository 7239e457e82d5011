package neuron_test

import (
	"fmt"

	"github.com/adquaif/adquaif/kernel"
	"github.com/adquaif/adquaif/neuron"
)

// BrainPy's own AdQuaIFRef example,
//
//	adquaif_ref = brainpy.state.AdQuaIFRef(10, tau=10*u.ms, tau_w=100*u.ms,
//	                                       tau_ref=2.0*u.ms, ref_var=True)
//	adquaif_ref.init_state(batch_size=1)
//	with brainstate.environ.context(dt=0.1*u.ms, t=0.0*u.ms):
//	    spikes = adquaif_ref.update(x=3.0*u.mA)
//
// and then 100 ms with the ten neurons driven at 5, 10, ..., 50 mA, hard
// enough that most of them spike and adapt.
func Example() {
	params := kernel.Defaults[float32]()
	params.Tau, params.TauW, params.TauRef = 10, 100, 2
	pop, err := neuron.New(neuron.Config[float32]{Size: 10, BatchSize: 1, Params: params, DT: 0.1, RefVar: true})
	if err != nil {
		panic(err)
	}
	spikes, err := pop.Update([]float32{3.0}) // one value for every neuron
	if err != nil {
		panic(err)
	}
	fmt.Printf("t = 0 ms, I = 3 mA: spikes %v, V[0] = %.4f mV\n", spikes, pop.V()[0])

	current := make([]float32, 10)
	for i := range current {
		current[i] = 5 * float32(i+1)
	}
	count := make([]int, 10)
	first := make([]float32, 10)
	for pop.Time() < 100 {
		spikes, err := pop.Update(current)
		if err != nil {
			panic(err)
		}
		for i, s := range spikes {
			if s == 1 && count[i] == 0 {
				first[i] = pop.Time() - pop.DT() // the time of this Update
			}
			count[i] += int(s)
		}
	}
	for i := range current {
		fmt.Printf("I = %2.0f mA: %2d spikes", current[i], count[i])
		if count[i] > 0 {
			fmt.Printf(", the first at %4.1f ms", first[i])
		}
		fmt.Printf("; now w = %.2f mA, refractory %v\n", pop.W()[i], pop.Refractory()[i])
	}
	// Output:
	// t = 0 ms, I = 3 mA: spikes [0 0 0 0 0 0 0 0 0 0], V[0] = -64.9702 mV
	// I =  5 mA:  0 spikes; now w = 2.66 mA, refractory false
	// I = 10 mA:  1 spikes, the first at 32.6 ms; now w = 7.26 mA, refractory false
	// I = 15 mA:  3 spikes, the first at 19.9 ms; now w = 6.40 mA, refractory false
	// I = 20 mA:  4 spikes, the first at 14.8 ms; now w = 7.27 mA, refractory false
	// I = 25 mA:  6 spikes, the first at 11.9 ms; now w = 8.26 mA, refractory true
	// I = 30 mA:  7 spikes, the first at 10.0 ms; now w = 8.33 mA, refractory false
	// I = 35 mA:  8 spikes, the first at  8.7 ms; now w = 8.43 mA, refractory false
	// I = 40 mA:  9 spikes, the first at  7.6 ms; now w = 8.57 mA, refractory false
	// I = 45 mA: 10 spikes, the first at  6.9 ms; now w = 8.80 mA, refractory true
	// I = 50 mA: 11 spikes, the first at  6.2 ms; now w = 8.90 mA, refractory true
}

// A population with BrainPy's defaults and a constant input.
func ExampleAdQuaIFRef_Update() {
	pop, err := neuron.New(neuron.Config[float64]{Size: 1000})
	if err != nil {
		panic(err)
	}
	input := []float64{20} // mA, broadcast to every neuron
	total := 0
	for range 10_000 { // 1 s at dt = 0.1 ms
		spikes, err := pop.Update(input)
		if err != nil {
			panic(err)
		}
		for _, s := range spikes {
			total += int(s)
		}
	}
	seconds := pop.Time() / 1000
	fmt.Printf("%d spikes in %.0f s: %.1f Hz per neuron\n", total, seconds, float64(total)/float64(pop.Size())/seconds)
	// Output:
	// 30000 spikes in 1 s: 30.0 Hz per neuron
}

// A heterogeneous population (one refractory period per neuron) with two
// batch rows that receive different inputs; the per-neuron values are shared
// by both rows.
func ExampleConfig_perNeuron() {
	pop, err := neuron.New(neuron.Config[float32]{
		Size:      3,
		BatchSize: 2,
		PerNeuron: &kernel.PerNeuron[float32]{TauRef: []float32{1, 5, 20}},
		Reset:     kernel.HardReset,
		V0:        neuron.Values([]float32{-65, -60, -55}),
	})
	if err != nil {
		panic(err)
	}
	input := []float32{
		30, 30, 30, // row 0
		60, 60, 60, // row 1
	}
	count := make([]int, 6)
	for range 5000 { // 500 ms
		spikes, err := pop.Update(input)
		if err != nil {
			panic(err)
		}
		for i, s := range spikes {
			count[i] += int(s)
		}
	}
	for row := range 2 {
		fmt.Printf("row %d (I = %.0f mA): spikes per neuron %v\n", row, input[3*row], count[3*row:3*row+3])
	}
	// Output:
	// row 0 (I = 30 mA): spikes per neuron [27 23 14]
	// row 1 (I = 60 mA): spikes per neuron [61 41 19]
}

// Conductance-based synapses, as a BrainPy network adds them with COBA
// outputs: an excitatory conductance (reversal potential 0 mV) and an
// inhibitory one (-80 mV), each decaying exponentially (5 and 10 ms) and
// kicked by incoming spikes. Neuron j receives excitatory spikes every
// j+1 ms and inhibitory ones every 2 ms; AddConductanceInput registers the
// conductances once, and every Update reads them.
func ExampleAdQuaIFRef_AddConductanceInput() {
	const n = 4
	pop, err := neuron.New(neuron.Config[float64]{Size: n})
	if err != nil {
		panic(err)
	}
	ge, gi := make([]float64, n), make([]float64, n) // S, the synapses' state
	if err := pop.AddConductanceInput("E", ge, 0); err != nil {
		panic(err)
	}
	if err := pop.AddConductanceInput("I", gi, -80); err != nil {
		panic(err)
	}
	const decayE, decayI = 1 - 0.1/5, 1 - 0.1/10 // per step of 0.1 ms
	count := make([]int, n)
	for step := range 5000 { // 500 ms at dt = 0.1 ms
		for j := range n {
			ge[j] *= decayE
			gi[j] *= decayI
			if step%(10*(j+1)) == 0 {
				ge[j] += 0.2
			}
			if step%20 == 0 {
				gi[j] += 0.05
			}
		}
		spikes, err := pop.Update(nil)
		if err != nil {
			panic(err)
		}
		for j, s := range spikes {
			count[j] += int(s)
		}
	}
	for j := range n {
		fmt.Printf("excitation every %d ms: %3d spikes in 500 ms, V = %6.2f mV\n", j+1, count[j], pop.V()[j])
	}
	// Output:
	// excitation every 1 ms:  38 spikes in 500 ms, V = -60.16 mV
	// excitation every 2 ms:  11 spikes in 500 ms, V = -67.39 mV
	// excitation every 3 ms:   0 spikes in 500 ms, V = -55.98 mV
	// excitation every 4 ms:   0 spikes in 500 ms, V = -59.54 mV
}
