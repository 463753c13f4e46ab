package train

import (
	"fmt"
	"math/rand/v2"
)

// RNG is a seeded random source whose state can be saved and restored: a
// *rand.Rand over a PCG generator. Pass RNG.Rand wherever a *rand.Rand is
// wanted (data shuffling, dropout, augmentation); saving the RNG then saves
// what those will draw next.
type RNG struct {
	*rand.Rand
	pcg *rand.PCG
}

// NewRNG returns a source seeded by seed; it draws the same numbers as
// tensor.NewRNG(seed).
func NewRNG(seed uint64) *RNG {
	pcg := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &RNG{Rand: rand.New(pcg), pcg: pcg}
}

// valid reports whether r was made by NewRNG.
func (r *RNG) valid() bool { return r != nil && r.pcg != nil && r.Rand != nil }

// MarshalBinary returns the generator's state.
func (r *RNG) MarshalBinary() ([]byte, error) { return r.pcg.MarshalBinary() }

// UnmarshalBinary restores a state MarshalBinary returned.
func (r *RNG) UnmarshalBinary(b []byte) error {
	if err := r.pcg.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("train: random source state: %w", err)
	}
	return nil
}
