package kernel_test

import (
	"fmt"
	"log"

	"github.com/adquaif/adquaif/kernel"
)

// One second of 1000 neurons with BrainPy's defaults and input currents
// spread from 0 to 60 mA. The output is the same on every path.
func ExampleKernel_Step() {
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	const n = 1000
	b := kernel.Buffers[float32]{
		V: make([]float32, n), W: make([]float32, n), LastSpike: make([]float32, n),
		I: make([]float32, n), Spike: make([]float32, n),
	}
	for j := range n {
		b.V[j], b.LastSpike[j], b.I[j] = -65, -1e7, 60*float32(j)/n
	}
	spikes := 0
	for s := range 10_000 {
		if err := k.Step(float32(s)*0.1, b); err != nil {
			log.Fatal(err)
		}
		for _, x := range b.Spike {
			spikes += int(x)
		}
	}
	fmt.Printf("%d spikes, %.1f Hz per neuron\n", spikes, float64(spikes)/n)
	// Output: 50823 spikes, 50.8 Hz per neuron
}

// Run advances many steps in one call, here with the spikes of every step
// as indices s*n + i.
func ExampleKernel_Run() {
	k, err := kernel.New(kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	const n, steps = 4, 250
	b := kernel.Buffers[float64]{
		V: []float64{-65, -65, -65, -65}, W: make([]float64, n), LastSpike: []float64{-1e7, -1e7, -1e7, -1e7},
		I:          []float64{0, 20, 40, 60}, // held for every step
		SpikeIndex: new([]int32),
	}
	if err := k.Run(0, steps, b); err != nil {
		log.Fatal(err)
	}
	for _, ix := range *b.SpikeIndex {
		fmt.Printf("neuron %d spiked at t = %.1f ms\n", ix%n, float64(ix/n)*0.1)
	}
	// Output:
	// neuron 3 spiked at t = 5.3 ms
	// neuron 2 spiked at t = 8.0 ms
	// neuron 3 spiked at t = 13.5 ms
	// neuron 1 spiked at t = 18.1 ms
	// neuron 2 spiked at t = 20.1 ms
	// neuron 3 spiked at t = 21.9 ms
}

// Errors name the parameter and wrap a sentinel for errors.Is.
func ExampleNew_error() {
	p := kernel.Defaults[float64]()
	p.TauW = 0
	_, err := kernel.New(kernel.Config[float64]{Params: p, DT: 0.1})
	fmt.Println(err)
	// Output: kernel: Params.TauW = 0: out of range: want a value > 0
}

// Conductance-based inputs, BrainPy's COBA outputs g*(E - V): each enters
// as I += g*E and G += g, and the step evaluates the current at the reset
// V and includes g in the Jacobian. Here every neuron has a constant
// excitatory conductance (E = 0 mV) and half of them an inhibitory one
// (E = -80 mV) as well.
func ExampleBuffers_conductance() {
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	const n = 1000
	const Ee, Ei = 0, -80 // mV
	b := kernel.Buffers[float32]{
		V: make([]float32, n), W: make([]float32, n), LastSpike: make([]float32, n),
		I: make([]float32, n), G: make([]float32, n), SpikeBits: make([]uint64, (n+63)/64),
	}
	for j := range n {
		ge, gi := float32(0.5), float32(0)
		if j%2 == 1 {
			gi = 0.25
		}
		b.V[j], b.LastSpike[j] = -65, -1e7
		b.I[j] = float32(ge*Ee) + float32(gi*Ei) // mA; the conversions keep Go from fusing them
		b.G[j] = ge + gi                         // S
	}
	spikes := [2]int{}
	for s := range 10_000 { // one second
		if err := k.Step(float32(s)*0.1, b); err != nil {
			log.Fatal(err)
		}
		for j := range n {
			spikes[j%2] += int(b.SpikeBits[j/64] >> (j % 64) & 1)
		}
	}
	fmt.Printf("excitation only: %.1f Hz; with inhibition: %.1f Hz\n", float64(spikes[0])/(n/2), float64(spikes[1])/(n/2))
	// Output: excitation only: 42.0 Hz; with inhibition: 21.0 Hz
}
