package step

// The frame is the one argument of every generated kernel: a pointer to a
// struct holding the call's buffers (as Go slices; a nil slice is an absent
// optional buffer), the constant table, the lane count, the steps and their
// times. The Go lowering prints the struct; the assembly lowerings address
// its fields at these offsets (64-bit targets: a slice header is 24 bytes,
// an int 8).
const (
	SliceSize   = 24
	FrameC      = int(NumStreams) * SliceSize   // the constant table, []F
	FrameStride = FrameC + SliceSize            // int: per-neuron constants: elements between rows
	FrameN      = FrameStride + 8               // int: lanes to compute
	FrameSteps  = FrameN + 8                    // int: steps to make, at least 1
	FrameRows   = FrameSteps + 8                // [NumStreams]int: per stream, elements between its step rows
	FrameT      = FrameRows + 8*int(NumStreams) // []F: the time of each step, Steps of them
)

// FrameStream is the offset of stream s's slice header in the frame.
func FrameStream(s Stream) int { return int(s) * SliceSize }

// FrameRow is the offset of stream s's row distance: step k of the Loop
// accesses lane j of an optional stream at element k*Rows[s] + j. A distance
// of 0 gives every step the same row: an input held for every step, an
// output that ends holding the last step's values.
func FrameRow(s Stream) int { return FrameRows + 8*int(s) }
