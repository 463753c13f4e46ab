package latentdata

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/acaode/aca/ode"
)

// PendulumConfig holds the generator's parameters. They are all recorded in
// the cache file's header; a cache made with other values is regenerated.
type PendulumConfig struct {
	// Links is N, the number of links (state dimension 2N). Each link has
	// length 1/N and mass 1/N, so the chain is 1 long and weighs 1.
	Links int `json:"links"`
	// Sequences is the number of sequences (80 % train, 20 % test).
	Sequences int `json:"sequences"`
	// Times is the number of equally spaced sample times on [0, Horizon].
	Times int `json:"times"`
	// Horizon is the last sample time.
	Horizon float64 `json:"horizon"`
	// Gravity and Damping are the chain's g and joint damping c.
	Gravity float64 `json:"gravity"`
	Damping float64 `json:"damping"`
	// MaxAngle and MaxRate bound the random initial state. With Modes 0
	// every angle is drawn from U(−MaxAngle, MaxAngle) and every rate from
	// U(−MaxRate, MaxRate), independently.
	MaxAngle float64 `json:"max_angle"`
	MaxRate  float64 `json:"max_rate"`
	// Modes, when not 0, draws the initial state from the chain's Modes
	// slowest normal modes (Chain.NormalModes) instead: angles
	// (MaxAngle/Modes)·Σ a_j v_j and rates (MaxRate/Modes)·Σ b_j v_j with
	// a_j, b_j ~ U(−1, 1) and v_j the shapes, so |angle| ≤ MaxAngle and
	// |rate| ≤ MaxRate still. Independent angles put as much energy into
	// the fastest modes as into the slow ones; those oscillate 29 times in
	// 5 s, 3.4 samples per period, which no model can interpolate from a tenth
	// of the samples.
	Modes int `json:"modes,omitempty"`
	// Tol is Dopri5's rtol and atol.
	Tol float64 `json:"tol"`
	// Seed seeds the initial states: sequence i draws from
	// rand.NewPCG(Seed, i).
	Seed uint64 `json:"seed"`
}

// DefaultPendulum is the configuration of the full experiment: 7 links, 10 000
// sequences of 100 times on [0, 5], g = 9.81, c = 0.02, initial states in
// the 3 slowest normal modes (periods 1.73, 0.75 and 0.47 s) with angles
// within ±0.6 rad and rates within ±1 rad/s, tolerances 1e-10.
//
// Why 3 modes: from independent random angles (Modes 0) the latent ODE
// learned nothing in 100 epochs (it predicted about a constant), since
// most of the signal then oscillates faster than the sampling resolves;
// from the 3 slowest modes it follows the trajectories.
func DefaultPendulum() PendulumConfig {
	return PendulumConfig{
		Links: 7, Sequences: 10000, Times: 100, Horizon: 5,
		Gravity: 9.81, Damping: 0.02, MaxAngle: 0.6, MaxRate: 1, Modes: 3,
		Tol: 1e-10, Seed: 1,
	}
}

// Chain returns the configuration's chain.
func (c PendulumConfig) Chain() *Chain {
	ch := &Chain{Gravity: c.Gravity, Damping: c.Damping}
	for range c.Links {
		ch.Lengths = append(ch.Lengths, 1/float64(c.Links))
		ch.Masses = append(ch.Masses, 1/float64(c.Links))
	}
	return ch
}

// SampleTimes returns the configuration's sample times.
func (c PendulumConfig) SampleTimes() []float64 {
	ts := make([]float64, c.Times)
	for i := range ts {
		ts[i] = c.Horizon * float64(i) / float64(c.Times-1)
	}
	return ts
}

// Check returns an error naming the first invalid field.
func (c PendulumConfig) Check() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("latentdata: pendulum %s is %v, want %s", field, v, want)
	}
	switch {
	case c.Links < 1:
		return bad("links", c.Links, "≥ 1")
	case c.Sequences < 2:
		return bad("sequences", c.Sequences, "≥ 2 (training and test)")
	case c.Times < 2:
		return bad("times", c.Times, "≥ 2")
	case !(c.Horizon > 0) || math.IsInf(c.Horizon, 0):
		return bad("horizon", c.Horizon, "> 0")
	case !(c.MaxAngle >= 0) || math.IsInf(c.MaxAngle, 0):
		return bad("max angle", c.MaxAngle, "≥ 0")
	case !(c.MaxRate >= 0) || math.IsInf(c.MaxRate, 0):
		return bad("max rate", c.MaxRate, "≥ 0")
	case !(c.Tol > 0):
		return bad("tol", c.Tol, "> 0")
	case c.Modes < 0 || c.Modes > c.Links:
		return bad("modes", c.Modes, fmt.Sprintf("0 (independent angles) to %d (the links)", c.Links))
	case c.Modes > 0 && !(c.Gravity > 0):
		return bad("modes", c.Modes, "0 without gravity (the chain has no normal modes to draw from)")
	}
	return c.Chain().Check()
}

// Initial returns sequence i's initial state (q, q̇), or the error of
// Check or of Chain.NormalModes.
func (c PendulumConfig) Initial(i int) ([]float64, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, uint64(i)))
	y := make([]float64, 2*c.Links)
	if c.Modes > 0 {
		_, shapes, err := c.Chain().NormalModes()
		if err != nil {
			return nil, err
		}
		for part, scale := range []float64{c.MaxAngle, c.MaxRate} {
			for _, v := range shapes[:c.Modes] {
				a := scale / float64(c.Modes) * (2*rng.Float64() - 1)
				for k := range c.Links {
					y[part*c.Links+k] += a * v[k]
				}
			}
		}
		return y, nil
	}
	for k := range c.Links {
		y[k] = c.MaxAngle * (2*rng.Float64() - 1)
	}
	for k := range c.Links {
		y[c.Links+k] = c.MaxRate * (2*rng.Float64() - 1)
	}
	return y, nil
}

// Trajectory solves sequence i and returns its states at the sample times,
// [Times·2N] flattened, with the solver's statistics.
func (c PendulumConfig) Trajectory(i int) ([]float64, ode.Stats, error) {
	return c.solve(c.Chain().Deriv(), i)
}

func (c PendulumConfig) solve(f func(t float64, y, dydt []float64), i int) ([]float64, ode.Stats, error) {
	y0, err := c.Initial(i)
	if err != nil {
		return nil, ode.Stats{}, err
	}
	sol, err := ode.SolveFunc(f, y0, c.SampleTimes(),
		ode.Options{Method: ode.Dopri5, RTol: c.Tol, ATol: c.Tol, MaxSteps: 10_000_000})
	if err != nil {
		return nil, ode.Stats{}, fmt.Errorf("latentdata: pendulum sequence %d: %w", i, err)
	}
	out := make([]float64, 0, c.Times*2*c.Links)
	for _, y := range sol.Y {
		out = append(out, y...)
	}
	return out, sol.Stats, nil
}

// GenerateRaw solves every sequence, in parallel over GOMAXPROCS
// goroutines, and returns the raw (unscaled) values [N, T, 2N] flattened.
// The result does not depend on the number of goroutines. progress, if not
// nil, is called after each sequence with the number done (from any
// goroutine, one call at a time). A cancelled ctx stops the work with its
// error.
func (c PendulumConfig) GenerateRaw(ctx context.Context, progress func(done int)) ([]float64, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	per := c.Times * 2 * c.Links
	raw := make([]float64, c.Sequences*per)
	workers := max(1, min(runtime.GOMAXPROCS(0), c.Sequences))
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range c.Sequences {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := c.Chain().Deriv()
			for i := range next {
				mu.Lock()
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					continue
				}
				y, _, err := c.solve(f, i)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
				} else {
					copy(raw[i*per:], y)
					done++
					if progress != nil {
						progress(done)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return raw, nil
}

// Pendulum generates the data set (no cache; see LoadOrGenerate).
func Pendulum(ctx context.Context, c PendulumConfig, progress func(done int)) (*Set, error) {
	raw, err := c.GenerateRaw(ctx, progress)
	if err != nil {
		return nil, err
	}
	return c.set(raw)
}

func (c PendulumConfig) set(raw []float64) (*Set, error) {
	return split("pendulum", c.SampleTimes(), 2*c.Links, raw, trainCount(c.Sequences))
}
