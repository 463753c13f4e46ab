package data

import (
	"fmt"
	"iter"
	"math/rand/v2"

	"github.com/acaode/aca/tensor"
)

// Loader cuts a Dataset into mini-batches, one epoch at a time:
//
//	ld, err := data.NewLoader(train, 128, true, tensor.NewRNG(1))
//	for epoch := range 10 {
//		for x, y := range ld.Epoch() { // x: [B, C, H, W], y: B labels
//			...
//		}
//	}
//
// With shuffle, each epoch visits the examples in a fresh random order drawn
// from the Loader's rng, so a given seed gives the same sequence of epochs
// on every run. Without shuffle the order is 0..N-1 every epoch. The last
// batch is smaller when the batch size does not divide N, unless DropLast.
// Every batch is a new tensor and a new slice: keeping one is safe.
//
// A Loader is not safe for concurrent use (it owns its rng).
type Loader struct {
	// DropLast drops the final batch of an epoch when it is smaller than
	// the batch size. Set it before an epoch starts.
	DropLast bool

	ds      *Dataset
	batch   int
	shuffle bool
	rng     *rand.Rand
}

// NewLoader returns a Loader over ds with the given batch size. shuffle
// needs an rng (tensor.NewRNG(seed) makes one); without shuffle rng may be
// nil. ds must pass Validate.
func NewLoader(ds *Dataset, batchSize int, shuffle bool, rng *rand.Rand) (*Loader, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("data: NewLoader: batch size %d, want ≥ 1", batchSize)
	}
	if shuffle && rng == nil {
		return nil, fmt.Errorf("data: NewLoader: shuffle needs an rng (tensor.NewRNG(seed))")
	}
	return &Loader{ds: ds, batch: batchSize, shuffle: shuffle, rng: rng}, nil
}

// Len returns the number of batches in an epoch.
func (l *Loader) Len() int {
	n := l.ds.Len()
	if l.DropLast {
		return n / l.batch
	}
	return (n + l.batch - 1) / l.batch
}

// Epoch returns an iterator over one epoch of batches: images [B, C, H, W]
// (the dataset's dtype) and their B labels. With shuffle, the epoch's order
// is drawn when iteration starts (one rng.Shuffle of the indices 0..N-1,
// starting from the identity each time), so two Loaders whose rngs start in
// the same state yield the same batches.
func (l *Loader) Epoch() iter.Seq2[*tensor.Tensor, []int] {
	return func(yield func(*tensor.Tensor, []int) bool) {
		for _, idx := range l.epochOrder() {
			x, y := l.ds.Batch(idx)
			if !yield(x, y) {
				return
			}
		}
	}
}

// EpochIndices draws the next epoch's order (consuming the rng exactly as
// Epoch does) and returns its batches as index slices into the dataset,
// for callers that gather the examples themselves.
func (l *Loader) EpochIndices() [][]int { return l.epochOrder() }

func (l *Loader) epochOrder() [][]int {
	order := make([]int, l.ds.Len())
	for i := range order {
		order[i] = i
	}
	if l.shuffle {
		l.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	var out [][]int
	for lo := 0; lo < len(order); lo += l.batch {
		hi := min(lo+l.batch, len(order))
		if hi-lo < l.batch && l.DropLast {
			break
		}
		out = append(out, order[lo:hi:hi])
	}
	return out
}
