package latentdata

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// PeriodicConfig describes Rubanova's 1-D periodic toy set as made here:
// y(t) = sin(2π f t + φ) + ε at Times equally spaced times on [0, Horizon],
// f ~ U(MinFreq, MaxFreq), φ ~ U(0, 2π), ε ~ N(0, Noise²) independently at
// every time; sequence i draws from rand.NewPCG(Seed, i). Split 80/20 and
// scaled to [0, 1] like the pendulum set.
type PeriodicConfig struct {
	Sequences        int
	Times            int
	Horizon          float64
	MinFreq, MaxFreq float64
	Noise            float64
	Seed             uint64
}

// DefaultPeriodic is 1000 sequences of 100 times on [0, 5], frequencies in
// [0.2, 0.6] (one to three periods), noise 0.01.
func DefaultPeriodic() PeriodicConfig {
	return PeriodicConfig{Sequences: 1000, Times: 100, Horizon: 5, MinFreq: 0.2, MaxFreq: 0.6, Noise: 0.01, Seed: 1}
}

// Periodic makes the set.
func Periodic(c PeriodicConfig) (*Set, error) {
	switch {
	case c.Sequences < 2:
		return nil, fmt.Errorf("latentdata: periodic sequences is %d, want ≥ 2", c.Sequences)
	case c.Times < 2:
		return nil, fmt.Errorf("latentdata: periodic times is %d, want ≥ 2", c.Times)
	case !(c.Horizon > 0) || math.IsInf(c.Horizon, 0):
		return nil, fmt.Errorf("latentdata: periodic horizon is %g, want > 0", c.Horizon)
	case !(c.MinFreq >= 0 && c.MaxFreq >= c.MinFreq) || math.IsInf(c.MaxFreq, 0):
		return nil, fmt.Errorf("latentdata: periodic frequencies [%g, %g] are not an interval of non-negative numbers", c.MinFreq, c.MaxFreq)
	case !(c.Noise >= 0) || math.IsInf(c.Noise, 0):
		return nil, fmt.Errorf("latentdata: periodic noise is %g, want ≥ 0", c.Noise)
	}
	ts := make([]float64, c.Times)
	for i := range ts {
		ts[i] = c.Horizon * float64(i) / float64(c.Times-1)
	}
	raw := make([]float64, 0, c.Sequences*c.Times)
	for i := range c.Sequences {
		rng := rand.New(rand.NewPCG(c.Seed, uint64(i)))
		f := c.MinFreq + (c.MaxFreq-c.MinFreq)*rng.Float64()
		phi := 2 * math.Pi * rng.Float64()
		for _, t := range ts {
			raw = append(raw, math.Sin(2*math.Pi*f*t+phi)+c.Noise*rng.NormFloat64())
		}
	}
	return split("periodic", ts, 1, raw, trainCount(c.Sequences))
}
