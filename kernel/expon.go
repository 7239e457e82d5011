package kernel

import (
	"fmt"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// Conductances are the buffers of Expon and ExponNext, one value per
// neuron in each: two exponentially decaying conductances (BrainPy's Expon
// synapse), an excitatory one and an inhibitory one, each held relative to
// a decay factor (a simulator keeps them in the frame of a block of steps
// and adds a spike's jump divided by the step's factor), a background
// current, and the inputs of a step that Expon writes.
type Conductances[F Float] struct {
	GE, GI []F // the conductances, relative to their factors; ExponNext rescales them in place
	Drive  []F // background current
	I, G   []F // out: the step's input current and input conductance
}

// Expon writes one step's inputs from the conductances GE*decE (towards
// eE) and GI*decI (towards eI), as docs/CONTRACT.md's "One step" turns
// g*(E - V) into I += g*E, G += g:
//
//	e, i = GE[j]*decE, GI[j]*decI
//	G[j] = e + i
//	I[j] = (Drive[j] + eE*e) + eI*i
//
// every operation rounded on its own, so that every path gives the same
// bits. With eE = 0 (E_e = 0 mV, the usual case) the term is left out,
// I[j] = Drive[j] + eI*i, by a program without its two operations per
// neuron (rows in the L1 cache take measurably longer with them): so an
// infinite e gives no NaN there, and a Drive of -0 stays -0. The factors
// and potentials are not checked: a NaN or an infinity among them
// propagates as the arithmetic does (0*Inf is NaN), the same on every
// path. It runs on the calling goroutine, allocates nothing, and refuses
// buffers of other lengths than GE's, and I or G sharing memory with
// another buffer, with a *BufferError, writing nothing.
func Expon[F Float](c Conductances[F], decE, decI, eE, eI F) error {
	return expon(c, [generic.ExponNumConsts]F{decE, decI, eE, eI}, false)
}

// ExponNext is Expon that then moves the conductances to the next frame,
// GE[j] *= nextE and GI[j] *= nextI, from the values Expon read; GE and GI
// must then not share memory with any other buffer either.
func ExponNext[F Float](c Conductances[F], decE, decI, eE, eI, nextE, nextI F) error {
	return expon(c, [generic.ExponNumConsts]F{decE, decI, eE, eI, nextE, nextI}, true)
}

func expon[F Float](c Conductances[F], consts [generic.ExponNumConsts]F, next bool) error {
	if err := c.check(next); err != nil {
		return err
	}
	n := len(c.GE)
	if n == 0 {
		return nil
	}
	id, ee := current(), consts[generic.ExponCEE] != 0
	if unsafe.Sizeof(F(0)) == 4 {
		f := generic.Expon32{
			GE: as[float32](c.GE), GI: as[float32](c.GI), Drive: as[float32](c.Drive),
			I: as[float32](c.I), G: as[float32](c.G), C: as[float32](consts[:]), N: n, Steps: 1,
		}
		switch {
		case next && ee:
			exponEENextPath32(id, &f)
		case next:
			exponNextPath32(id, &f)
		case ee:
			exponEEPath32(id, &f)
		default:
			exponPath32(id, &f)
		}
		return nil
	}
	f := generic.Expon64{
		GE: as[float64](c.GE), GI: as[float64](c.GI), Drive: as[float64](c.Drive),
		I: as[float64](c.I), G: as[float64](c.G), C: as[float64](consts[:]), N: n, Steps: 1,
	}
	switch {
	case next && ee:
		exponEENextPath64(id, &f)
	case next:
		exponNextPath64(id, &f)
	case ee:
		exponEEPath64(id, &f)
	default:
		exponPath64(id, &f)
	}
	return nil
}

// check validates the buffers of Expon (ExponNext if next).
func (c *Conductances[F]) check(next bool) error {
	bufs := [...][]F{c.GE, c.GI, c.Drive, c.I, c.G}
	names := [...]string{"GE", "GI", "Drive", "I", "G"}
	n := len(c.GE)
	for i, b := range bufs {
		if len(b) != n {
			return &BufferError{Name: "Conductances." + names[i], Err: ErrLength, Why: fmt.Sprintf("length %d, want %d (GE has %d)", len(b), n, n)}
		}
	}
	spans := [...]span{
		spanOf("GE", c.GE, !next), spanOf("GI", c.GI, !next), spanOf("Drive", c.Drive, true),
		spanOf("I", c.I, false), spanOf("G", c.G, false),
	}
	return overlap(spans[:], "Conductances.", "Expon")
}
