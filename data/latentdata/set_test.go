package latentdata

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func smallPendulum() PendulumConfig {
	c := DefaultPendulum()
	c.Sequences, c.Times, c.Horizon, c.Links = 10, 12, 1, 3
	c.Tol = 1e-8
	return c
}

// The raw data are the same with one goroutine and with several.
func TestGenerateDeterministic(t *testing.T) {
	c := smallPendulum()
	old := runtime.GOMAXPROCS(1)
	one, err := c.GenerateRaw(context.Background(), nil)
	runtime.GOMAXPROCS(max(2, old))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	two, err := c.GenerateRaw(context.Background(), func(int) { calls++ })
	runtime.GOMAXPROCS(old)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one, two) {
		t.Fatal("one and two goroutines give different data")
	}
	if calls != c.Sequences {
		t.Fatalf("progress called %d times, want %d", calls, c.Sequences)
	}
	// Each sequence starts at its seeded initial state.
	n := c.Times * 2 * c.Links
	for i := range c.Sequences {
		if y0, err := c.Initial(i); err != nil || !slices.Equal(one[i*n:i*n+2*c.Links], y0) {
			t.Fatalf("sequence %d does not start at its initial state", i)
		}
	}
	c.Seed++
	other, err := c.GenerateRaw(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(one, other) {
		t.Fatal("another seed gives the same data")
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := smallPendulum().GenerateRaw(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// The training values span exactly [0, 1] in every dimension, the split is
// 80/20, and Min and Scale undo the scaling.
func TestSplitScaling(t *testing.T) {
	c := smallPendulum()
	raw, err := c.GenerateRaw(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.set(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tr, te := s.Len(); tr != 8 || te != 2 {
		t.Fatalf("split %d/%d, want 8/2", tr, te)
	}
	for d := range s.Dim {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := d; i < len(s.Train); i += s.Dim {
			lo, hi = min(lo, s.Train[i]), max(hi, s.Train[i])
		}
		if math.Abs(lo) > 1e-15 || math.Abs(hi-1) > 1e-15 {
			t.Errorf("dimension %d spans [%v, %v], want [0, 1]", d, lo, hi)
		}
	}
	all := append(append([]float64(nil), s.Train...), s.Test...)
	for i, v := range all {
		d := i % s.Dim
		if back := s.Min[d] + s.Scale[d]*v; math.Abs(back-raw[i]) > 1e-12*(1+math.Abs(raw[i])) {
			t.Fatalf("value %d: unscaled %v, raw %v", i, back, raw[i])
		}
	}
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pendulum.bin")
	c := smallPendulum()
	ctx := context.Background()
	first, gen, err := LoadOrGenerate(ctx, path, c, nil)
	if err != nil || !gen {
		t.Fatalf("first load: generated %v, error %v", gen, err)
	}
	second, gen, err := LoadOrGenerate(ctx, path, c, nil)
	if err != nil || gen {
		t.Fatalf("second load: generated %v, error %v", gen, err)
	}
	if !slices.Equal(first.Train, second.Train) || !slices.Equal(first.Test, second.Test) {
		t.Fatal("the cached set differs from the generated one")
	}
	// Other parameters: regenerated, and the file now records them.
	c2 := c
	c2.Damping = 0.1
	third, gen, err := LoadOrGenerate(ctx, path, c2, nil)
	if err != nil || !gen {
		t.Fatalf("other parameters: generated %v, error %v", gen, err)
	}
	if slices.Equal(third.Train, first.Train) {
		t.Fatal("other damping, same data")
	}
	if _, gen, err := LoadOrGenerate(ctx, path, c2, nil); err != nil || gen {
		t.Fatalf("reload: generated %v, error %v", gen, err)
	}

	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"flipped data byte": func() []byte { b := slices.Clone(good); b[len(b)-20] ^= 1; return b }(),
		"truncated":         good[:len(good)-9],
		"wrong magic":       append([]byte("XX"), good[2:]...),
		"bad header":        func() []byte { b := slices.Clone(good); b[len(cacheMagic)+4] = '!'; return b }(),
		"empty":             nil,
	} {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadOrGenerate(ctx, path, c2, nil)
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want a CorruptError naming %s", name, err, path)
		}
		if after, _ := os.ReadFile(path); !slices.Equal(after, bad) {
			t.Errorf("%s: the corrupt file was overwritten", name)
		}
	}
}

func TestMask(t *testing.T) {
	for _, frac := range []float64{0.1, 0.2, 0.5, 1} {
		m, err := Mask(7, 50, 100, frac)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Mask(7, 50, 100, frac)
		other, _ := Mask(8, 50, 100, frac)
		differ := false
		for i, row := range m {
			n := 0
			for _, ok := range row {
				if ok {
					n++
				}
			}
			if n != int(math.Round(frac*100)) {
				t.Fatalf("fraction %g: sequence %d keeps %d of 100", frac, i, n)
			}
			if !row[0] {
				t.Fatalf("fraction %g: sequence %d drops the first time", frac, i)
			}
			if !slices.Equal(row, again[i]) {
				t.Fatalf("fraction %g: sequence %d differs with the same seed", frac, i)
			}
			differ = differ || !slices.Equal(row, other[i])
		}
		if frac < 1 && !differ {
			t.Fatalf("fraction %g: another seed gives the same masks", frac)
		}
	}
	// The later times are equally likely: over 1000 sequences at 10 % each
	// is kept 1000·9/99 ≈ 91 times (standard deviation 9).
	big, _ := Mask(11, 1000, 100, 0.1)
	for j := 1; j < 100; j++ {
		c := 0
		for _, row := range big {
			if row[j] {
				c++
			}
		}
		if c < 45 || c > 140 {
			t.Errorf("time %d kept by %d of 1000 sequences, want about 91", j, c)
		}
	}
	if m, _ := Mask(1, 1, 5, 0.01); len(m) != 1 || !m[0][0] || slices.Index(m[0][1:], true) >= 0 {
		t.Fatalf("tiny fraction: %v, want the first time only", m)
	}
	for _, f := range []float64{0, -0.1, 1.5, math.NaN()} {
		if _, err := Mask(1, 1, 5, f); err == nil {
			t.Errorf("fraction %v: no error", f)
		}
	}
}

func TestPeriodic(t *testing.T) {
	c := DefaultPeriodic()
	c.Sequences = 20
	s, err := Periodic(c)
	if err != nil {
		t.Fatal(err)
	}
	if tr, te := s.Len(); tr != 16 || te != 4 || s.Dim != 1 || len(s.Times) != 100 {
		t.Fatalf("shape: %d/%d sequences, dim %d, %d times", tr, te, s.Dim, len(s.Times))
	}
	// Without noise each sequence is a sinusoid: y'' = −(2πf)² y, so a
	// second difference is proportional to the value with one factor per
	// sequence.
	c.Noise = 0
	s, err = Periodic(c)
	if err != nil {
		t.Fatal(err)
	}
	dt := s.Times[1] - s.Times[0]
	for i := range 16 {
		seq := s.Sequence(s.Train, i)
		raw := func(k int) float64 { return s.Min[0] + s.Scale[0]*seq[k] }
		// Exact for samples of sin: y[k−1] + y[k+1] = 2 cos(ωΔt) y[k].
		ratio := (raw(0) + raw(2)) / raw(1)
		for k := 2; k < 99; k++ {
			if r := (raw(k-1) + raw(k+1)) - ratio*raw(k); math.Abs(r) > 1e-9 {
				t.Fatalf("sequence %d is not a sinusoid at %d (residual %g)", i, k, r)
			}
		}
		if w := math.Acos(ratio/2) / dt / (2 * math.Pi); w < c.MinFreq-1e-9 || w > c.MaxFreq+1e-9 {
			t.Fatalf("sequence %d has frequency %v outside [%v, %v]", i, w, c.MinFreq, c.MaxFreq)
		}
	}
	if _, err := Periodic(PeriodicConfig{Sequences: 1, Times: 5, Horizon: 1}); err == nil {
		t.Fatal("one sequence: no error")
	}
}
