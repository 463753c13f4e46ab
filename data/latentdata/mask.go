package latentdata

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ObservedCount is the number of times kept out of n at the given fraction:
// round(fraction·n), at least 1 (the first time) and at most n.
func ObservedCount(n int, fraction float64) int {
	return max(1, min(n, int(math.Round(fraction*float64(n)))))
}

// Mask returns, for each of count sequences of n times, which times are
// observed: ObservedCount(n, fraction) of them, the first always, the
// others drawn uniformly without replacement. Sequence i draws from
// rand.NewPCG(seed, i), so a sequence's mask depends only on the seed, its
// index, n and the fraction. The result is [count][n].
func Mask(seed uint64, count, n int, fraction float64) ([][]bool, error) {
	if !(fraction > 0 && fraction <= 1) {
		return nil, fmt.Errorf("latentdata: observed fraction %g is not in (0, 1]", fraction)
	}
	if count < 0 || n < 1 {
		return nil, fmt.Errorf("latentdata: mask of %d sequences of %d times", count, n)
	}
	k := ObservedCount(n, fraction)
	out := make([][]bool, count)
	perm := make([]int, n-1)
	for i := range out {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		m := make([]bool, n)
		m[0] = true
		for j := range perm {
			perm[j] = j + 1
		}
		// A partial Fisher–Yates shuffle picks k−1 of the times 1..n−1.
		for j := 0; j < k-1; j++ {
			r := j + rng.IntN(len(perm)-j)
			perm[j], perm[r] = perm[r], perm[j]
			m[perm[j]] = true
		}
		out[i] = m
	}
	return out, nil
}
