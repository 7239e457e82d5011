package kernel

import (
	"runtime"
	"sync"
)

// Config.Workers splits a Step, Run or Backward into parts on several
// goroutines: the calling one and workers from a pool shared by every
// kernel, started on first use and kept (as many as the most parts a call
// has had, less one). A call has at most GOMAXPROCS parts, since more could
// not run at once: a large Workers starts no more goroutines than that.
// Parts are contiguous ranges of neurons that start on multiples of 64
// neurons: cache-line aligned, and on SpikeBits word boundaries, so no two
// parts write the same cache line or word.

// minPart is the fewest neuron-steps worth handing to another goroutine:
// waking a worker costs some ten microseconds, about 25K neuron-steps of
// the AVX-512 path (measured: at 64K neurons two parts were slower than one,
// at 1M they were 1.9x faster).
var minPart = 1 << 18 // a variable so that tests can split small calls

// parts is how many parts a call of m neurons and steps steps runs in.
func (k *Kernel[F]) parts(m, steps int) int {
	w := k.cfg.Workers
	if w <= 1 {
		return 1
	}
	w = min(w, runtime.GOMAXPROCS(0))
	return max(1, min(w, m/64, m*steps/minPart))
}

// runner is a call whose parts the workers run.
type runner interface {
	runPart(i int)
}

type work struct {
	r    runner
	part int
	done *sync.WaitGroup
}

var pool struct {
	mu      sync.Mutex
	started int
	work    chan work
}

// ensureWorkers starts workers until n are running.
func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.work == nil {
		pool.work = make(chan work, runtime.GOMAXPROCS(0))
	}
	for ; pool.started < n; pool.started++ {
		go func() {
			for w := range pool.work {
				w.r.runPart(w.part)
				w.done.Done()
			}
		}()
	}
}

// runParts runs r in parts over m neurons: part 0 on this goroutine, the
// others on workers, part i over neurons bounds[i]..bounds[i+1]-1 (bounds
// is filled here, its array reused). r must be a pointer that outlives the
// call, so that handing it to other goroutines allocates nothing.
func runParts(r runner, m, parts int, bounds *[]int, wg *sync.WaitGroup) {
	ensureWorkers(parts - 1)
	*bounds = (*bounds)[:0]
	for i := range parts + 1 {
		*bounds = append(*bounds, min(m, (m*i/parts+63)/64*64))
	}
	wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		pool.work <- work{r, i, wg}
	}
	// A goroutine readied by a channel send waits in this P's runnext slot,
	// where another P steals it only after a delay: the parts would run one
	// after the other. Yielding lets this P run the worker at once while an
	// idle P takes this goroutine from the global queue (2.4 -> 4.7 G
	// steps/s at n=1M with 2 workers on 2 cores).
	runtime.Gosched()
	r.runPart(0)
	wg.Wait()
}

// runParallel runs a call in parts (runParts). The call's state comes from
// a per-kernel sync.Pool, so that handing it to other goroutines allocates
// nothing once the pool is warm.
func (k *Kernel[F]) runParallel(t0 F, steps int, b *Buffers[F], parts int) {
	c, _ := k.calls.Get().(*runCall[F])
	if c == nil {
		c = new(runCall[F])
	}
	// The buffers are copied into the pooled call: a pointer to the
	// caller's would make them escape, an allocation per call.
	c.buf = *b
	c.k, c.t0, c.steps, c.b, c.isa = k, t0, steps, &c.buf, current()
	for len(c.partIndex) < parts {
		c.partIndex = append(c.partIndex, nil)
	}
	runParts(c, len(b.V), parts, &c.bounds, &c.wg)
	if b.SpikeIndex != nil {
		for _, ix := range c.partIndex[:parts] {
			*b.SpikeIndex = append(*b.SpikeIndex, ix...)
		}
	}
	c.buf = Buffers[F]{} // do not keep the caller's buffers alive from the pool
	k.calls.Put(c)
}

func (c *runCall[F]) runPart(i int) {
	var index *[]int32
	if c.b.SpikeIndex != nil {
		c.partIndex[i] = c.partIndex[i][:0]
		index = &c.partIndex[i]
	}
	c.part(c.bounds[i], c.bounds[i+1], index)
}
