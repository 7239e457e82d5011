package neuron

import (
	"fmt"

	"github.com/adquaif/adquaif/kernel"
)

// An Initializer fills a state variable at InitState and ResetState, like
// the V_initializer and w_initializer of BrainPy (braintools.init).
type Initializer[F kernel.Float] interface {
	// Init fills dst, which holds len(dst)/size batch rows of size neurons
	// each. It returns an error, and need not fill dst, if it cannot.
	Init(dst []F, size int) error
}

// InitFunc adapts a function to the Initializer interface, for example to
// draw random initial values.
type InitFunc[F kernel.Float] func(dst []F, size int) error

// Init calls f(dst, size).
func (f InitFunc[F]) Init(dst []F, size int) error { return f(dst, size) }

type constant[F kernel.Float] struct{ x F }

// Constant initializes every neuron of every batch row to x
// (braintools.init.Constant).
func Constant[F kernel.Float](x F) Initializer[F] { return constant[F]{x} }

func (c constant[F]) Init(dst []F, size int) error {
	for i := range dst {
		dst[i] = c.x
	}
	return nil
}

type values[F kernel.Float] struct{ xs []F }

// Values initializes neuron j to xs[j]. With len(xs) equal to the
// population size, every batch row gets the same values; with len(xs) equal
// to batch size times population size, xs is the whole state, row after
// row. Values keeps xs (it does not copy it), so later changes to xs show at
// the next ResetState.
func Values[F kernel.Float](xs []F) Initializer[F] { return values[F]{xs} }

func (v values[F]) Init(dst []F, size int) error {
	switch len(v.xs) {
	case len(dst):
		copy(dst, v.xs)
	case size:
		for lo := 0; lo < len(dst); lo += size {
			copy(dst[lo:lo+size], v.xs)
		}
	default:
		return fmt.Errorf("%d values for %d neurons in rows of %d", len(v.xs), len(dst), size)
	}
	return nil
}
