package ode

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// cast returns p with its tensors in dtype dt.
func (p gradProblem) cast(dt tensor.DType) gradProblem {
	q := p
	q.params = make([]*tensor.Tensor, len(p.params))
	for i, t := range p.params {
		q.params[i] = t.Cast(dt)
	}
	q.y0 = p.y0.Cast(dt)
	return q
}

// keptRun solves p with opts on a metered graph, backpropagates the
// weighted loss (weights in p's dtype) and returns the gradients, the
// outputs' data, the stats and the meter.
func keptRun(t *testing.T, p gradProblem, opts Options) ([]*tensor.Tensor, []*tensor.Tensor, *GradStats, *autograd.Meter) {
	t.Helper()
	y0, ps := p.leaves()
	m := &autograd.Meter{}
	g := autograd.NewGraph().SetMeter(m)
	sol, err := SolveGraph(g, p.dyn(ps), y0, p.times, opts)
	if err != nil {
		t.Fatalf("%s budget %d: %v", p.name, opts.ACAMemory, err)
	}
	w := lossWeights(p)
	for k := range w {
		if w[k] != nil {
			w[k] = w[k].Cast(p.y0.DType())
		}
	}
	ys := make([]*tensor.Tensor, len(sol.Y))
	for i, y := range sol.Y {
		ys[i] = y.Data().Clone()
	}
	if err := weightedLoss(g, sol.Y, w).Backward(); err != nil {
		t.Fatalf("%s budget %d backward: %v", p.name, opts.ACAMemory, err)
	}
	out := []*tensor.Tensor{y0.Grad()}
	for _, q := range ps {
		out = append(out, q.Grad())
	}
	return out, ys, &sol.Stats, m
}

// bitDiff reports the first element where a and b differ (as ==), or "".
func bitDiff(a, b []*tensor.Tensor) string {
	for i := range a {
		x, y := a[i].Values(), b[i].Values()
		if len(x) != len(y) {
			return fmt.Sprintf("tensor %d: %d against %d elements", i, len(x), len(y))
		}
		for j := range x {
			if x[j] != y[j] {
				return fmt.Sprintf("tensor %d element %d: %.17g against %.17g", i, j, x[j], y[j])
			}
		}
	}
	return ""
}

// TestACAMemorySameBits checks that keeping step graphs (any budget)
// changes neither the outputs nor the gradients by a bit, on an MLP and a
// convolution, float32 and float64, forward and backward in time, for
// adaptive and fixed-step methods, with outputs inside steps and at their
// ends; and that the stats count the kept and re-run steps and the meter
// returns to zero.
func TestACAMemorySameBits(t *testing.T) {
	type method struct {
		name string
		o    Options
	}
	methods := []method{
		{"dopri5", Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6}},
		{"bosh3", Options{Method: BogackiShampine, RTol: 1e-5, ATol: 1e-5}},
		{"heuneuler", Options{Method: HeunEuler, RTol: 1e-3, ATol: 1e-3}},
		{"rk4-fixed", Options{Method: RK4, Steps: 6}},
		{"dopri5-fixed", Options{Method: Dopri5, Steps: 5}},
	}
	timeSets := [][]float64{{0, 0.5, 1}, {0, 1.3}, {1, 0.4, 0}}
	problems := []func([]float64) gradProblem{mlpProblem, convProblem}
	for _, mk := range problems {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			for _, times := range timeSets {
				for _, m := range methods {
					p := mk(times).cast(dt)
					name := fmt.Sprintf("%s/%v/%v/%s", p.name, dt, times, m.name)
					t.Run(name, func(t *testing.T) {
						o := m.o
						o.Gradient = ACA
						want, wantY, ref, _ := keptRun(t, p, o)
						if ref.KeptSteps != 0 || ref.KeptBytes != 0 {
							t.Fatalf("budget 0 kept %d steps (%d bytes)", ref.KeptSteps, ref.KeptBytes)
						}
						o.ACAMemory = ACAMemoryAll
						_, _, all, _ := keptRun(t, p, o)
						per := int64(1)
						if all.KeptSteps > 0 {
							per = all.KeptBytes / int64(all.KeptSteps)
						}
						for k, budget := range []int64{0, 1, 2 * per, 1 << 40, ACAMemoryAll, 2 * per, ACAMemoryAll} {
							o.ACAMemory = budget
							// The last two again with the re-runs
							// pipelined (kept and re-run steps mixed).
							o.ACAPipeline = PipelineOff
							if k >= 5 {
								o.ACAPipeline = PipelineOn
							}
							got, gotY, st, meter := keptRun(t, p, o)
							if d := bitDiff(want, got); d != "" {
								t.Errorf("budget %d: gradients differ from budget 0's: %s", budget, d)
							}
							if d := bitDiff(wantY, gotY); d != "" {
								t.Errorf("budget %d: outputs differ: %s", budget, d)
							}
							// The same steps; a kept step with an output
							// inside it evaluates f(t1, y1) on its graph
							// once (at most one per output time).
							fw, rf := st.Forward.work(), ref.Forward.work()
							extra := fw.NFE - rf.NFE
							fw.NFE = rf.NFE
							if fw != rf || extra < 0 || extra > min(st.KeptSteps, len(times)-1) {
								t.Errorf("budget %d: forward %+v, budget 0 %+v", budget, st.Forward.work(), ref.Forward.work())
							}
							if st.Backward.Accepted+st.KeptSteps != st.Forward.Accepted {
								t.Errorf("budget %d: %d re-run + %d kept ≠ %d accepted", budget, st.Backward.Accepted, st.KeptSteps, st.Forward.Accepted)
							}
							if budget >= 0 && st.KeptBytes > budget {
								t.Errorf("budget %d: kept %d bytes", budget, st.KeptBytes)
							}
							if budget == 2*per && st.KeptSteps > 2 {
								t.Errorf("budget of 2 steps' graphs kept %d", st.KeptSteps)
							}
							if (budget == 0 || budget == 1) && st.KeptSteps != 0 {
								t.Errorf("budget %d kept %d steps", budget, st.KeptSteps)
							}
							if budget < 0 || budget == 1<<40 {
								if st.KeptSteps != all.KeptSteps || st.KeptBytes != all.KeptBytes {
									t.Errorf("budget %d kept %d steps (%d bytes), unlimited %d (%d)", budget, st.KeptSteps, st.KeptBytes, all.KeptSteps, all.KeptBytes)
								}
							}
							// Backward NFE counts the re-runs only: at most
							// a step's evaluations each, none if all kept.
							if st.Backward.Accepted == 0 && st.Backward.NFE != 0 {
								t.Errorf("budget %d: no step re-run but backward NFE %d", budget, st.Backward.NFE)
							}
							if st.Backward.NFE > st.Backward.Accepted*(o.Method.Stages()+1) {
								t.Errorf("budget %d: backward NFE %d for %d re-runs", budget, st.Backward.NFE, st.Backward.Accepted)
							}
							if st.Backward.NFE == ref.Backward.NFE && st.KeptSteps > 0 {
								t.Errorf("budget %d kept %d steps but the backward NFE is budget 0's, %d", budget, st.KeptSteps, st.Backward.NFE)
							}
							if c := meter.Current(); c != 0 {
								t.Errorf("budget %d: the meter holds %d bytes after the backward pass", budget, c)
							}
						}
						if all.KeptSteps != all.Forward.Accepted || all.Backward.NFE != 0 {
							t.Errorf("unlimited budget kept %d of %d steps, backward NFE %d", all.KeptSteps, all.Forward.Accepted, all.Backward.NFE)
						}
					})
				}
			}
		}
	}
}

// TestACAMemoryKeepsWhatFits checks the budget's bookkeeping: an
// unlimited budget on fixed steps keeps every step and re-runs none
// (backward NFE 0), the checkpoints then hold only times and step sizes,
// and a budget of k steps' graphs keeps the first k.
func TestACAMemoryKeepsWhatFits(t *testing.T) {
	p := mlpProblem([]float64{0, 1})
	o := Options{Method: RK4, Steps: 8, Gradient: ACA, ACAMemory: ACAMemoryAll}
	_, _, st, _ := keptRun(t, p, o)
	if st.KeptSteps != 8 || st.Backward.NFE != 0 || st.Backward.Accepted != 0 {
		t.Fatalf("unlimited: kept %d of 8, backward NFE %d, %d re-run", st.KeptSteps, st.Backward.NFE, st.Backward.Accepted)
	}
	if st.CheckpointBytes != 8*16 {
		t.Errorf("checkpoints of 8 kept steps hold %d bytes, want 128 (t and h)", st.CheckpointBytes)
	}
	// Every step's graph holds the same operations; the last one also a
	// copy of its end state for the output.
	per := (st.KeptBytes - p.y0.Bytes()) / 8
	if per*8+p.y0.Bytes() != st.KeptBytes {
		t.Fatalf("the 8 steps' graphs differ in size: %d bytes in all", st.KeptBytes)
	}
	o.ACAMemory = 3*per + per/2
	_, _, st, _ = keptRun(t, p, o)
	if st.KeptSteps != 3 || st.KeptBytes != 3*per || st.Backward.Accepted != 5 || st.Backward.NFE != 5*4 {
		t.Errorf("budget of 3.5 steps: kept %d (%d bytes), re-ran %d with %d evaluations; want 3 (%d), 5 and 20", st.KeptSteps, st.KeptBytes, st.Backward.Accepted, st.Backward.NFE, 3*per)
	}
	if want := int64(8*16) + 5*p.y0.Bytes(); st.CheckpointBytes != want {
		t.Errorf("checkpoints hold %d bytes, want %d", st.CheckpointBytes, want)
	}
	if st.PeakBytes() != st.GraphBytes+st.CheckpointBytes+st.KeptBytes {
		t.Errorf("PeakBytes %d leaves out the kept graphs", st.PeakBytes())
	}
}

// TestACAMemoryNotRecording checks that a solve on a graph that records
// nothing (nil) keeps no step graphs whatever the budget: it evaluates as
// many times as with no budget, to the same bits.
func TestACAMemoryNotRecording(t *testing.T) {
	p := mlpProblem([]float64{0, 0.5, 1})
	o := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-8, Gradient: ACA}
	var want *GraphSolution
	for _, budget := range []int64{0, ACAMemoryAll} {
		o.ACAMemory = budget
		y0, ps := p.leaves()
		sol, err := SolveGraph(nil, p.dyn(ps), y0, p.times, o)
		if err != nil {
			t.Fatal(err)
		}
		if sol.Stats.KeptSteps != 0 || sol.Stats.KeptBytes != 0 {
			t.Errorf("budget %d without a recording graph: kept %d steps, %d bytes", budget, sol.Stats.KeptSteps, sol.Stats.KeptBytes)
		}
		if want == nil {
			want = sol
			continue
		}
		if sol.Stats.Forward.NFE != want.Stats.Forward.NFE {
			t.Errorf("budget %d: %d evaluations, want %d as with none", budget, sol.Stats.Forward.NFE, want.Stats.Forward.NFE)
		}
		for i := range sol.Y {
			a, b := sol.Y[i].Data().Float64s(), want.Y[i].Data().Float64s()
			for j := range a {
				if math.Float64bits(a[j]) != math.Float64bits(b[j]) {
					t.Fatalf("output %d[%d]: %v, want %v", i, j, a[j], b[j])
				}
			}
		}
	}
}

// TestACAMemoryErrors checks that the kept graphs are released when the
// backward pass fails, and that the re-run steps are still checked
// against the forward pass.
func TestACAMemoryErrors(t *testing.T) {
	p := mlpProblem([]float64{0, 0.5, 1})
	o := Options{Method: RK4, Steps: 6, Gradient: ACA}
	// A non-finite output gradient: the pass fails before any step.
	for _, budget := range []int64{ACAMemoryAll, 1 << 40} {
		o.ACAMemory = budget
		y0, ps := p.leaves()
		m := &autograd.Meter{}
		g := autograd.NewGraph().SetMeter(m)
		sol, err := SolveGraph(g, p.dyn(ps), y0, p.times, o)
		if err != nil {
			t.Fatal(err)
		}
		if sol.Stats.KeptSteps != 6 {
			t.Fatalf("kept %d of 6 steps", sol.Stats.KeptSteps)
		}
		if m.Current() < sol.Stats.KeptBytes {
			t.Errorf("the meter holds %d bytes, less than the %d kept", m.Current(), sol.Stats.KeptBytes)
		}
		nan := tensor.Full(tensor.Float64, 0, p.y0.Shape()...)
		nan.Float64s()[0] = 1 / nan.Float64s()[1]
		nan.Float64s()[0] -= nan.Float64s()[0]
		var be *BackwardError
		if _, err := sol.Backward([]*tensor.Tensor{nil, nil, nan}); !errors.As(err, &be) {
			t.Fatalf("non-finite output gradient: %v", err)
		}
		if n := countKept(sol.bw.kept); n != 0 {
			t.Errorf("%d kept graphs left after the failed pass", n)
		}
		g.Free()
		if c := m.Current(); c != 0 {
			t.Errorf("the meter holds %d bytes after the failed pass", c)
		}
	}
	// Dynamics that change after the forward pass: a kept step is not
	// re-run, so only a budget that re-runs some steps sees it.
	for _, tc := range []struct {
		budget  int64
		wantErr bool
	}{{0, true}, {ACAMemoryAll, false}} {
		calls := 0
		y0, ps := p.leaves()
		inner := p.dyn(ps)
		f := WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
			calls++
			v := inner.Eval(g, tt, y)
			if calls > 24 { // after the forward pass's 24 evaluations
				v = g.Scale(v, 1.5)
			}
			return v
		}), ps...)
		o.ACAMemory = tc.budget
		o.ACAPipeline = PipelineOff
		g := autograd.NewGraph()
		sol, err := SolveGraph(g, f, y0, p.times, o)
		if err != nil {
			t.Fatal(err)
		}
		err = g.SumAll(sol.Y[2]).Backward()
		var be *BackwardError
		if tc.wantErr != errors.As(err, &be) {
			t.Errorf("budget %d, dynamics changed after the forward pass: %v", tc.budget, err)
		}
	}
}

func countKept(ks []*keptStep) int {
	n := 0
	for _, k := range ks {
		if k != nil {
			n++
		}
	}
	return n
}

// TestACAMemoryForwardError checks that a solve keeping step graphs that
// fails part way returns the typed error with the outputs it reached, as
// the unrecorded one does, and leaves nothing on the meter.
func TestACAMemoryForwardError(t *testing.T) {
	p := mlpProblem([]float64{0, 0.5, 1})
	for _, budget := range []int64{0, ACAMemoryAll} {
		calls := 0
		y0, ps := p.leaves()
		inner := p.dyn(ps)
		f := WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
			calls++
			v := inner.Eval(g, tt, y)
			if calls > 14 {
				v = g.Scale(v, math.Inf(1))
			}
			return v
		}), ps...)
		m := &autograd.Meter{}
		g := autograd.NewGraph().SetMeter(m)
		sol, err := SolveGraph(g, f, y0, p.times, Options{Method: RK4, Steps: 8, Gradient: ACA, ACAMemory: budget})
		var nf *NonFiniteError
		if !errors.As(err, &nf) || sol == nil || len(sol.Y) != 1 || nf.T != 0.4375 {
			t.Fatalf("budget %d: %v, %v", budget, sol, err)
		}
		if c := m.Current(); c != 0 {
			t.Errorf("budget %d: the meter holds %d bytes after the failed solve", budget, c)
		}
	}
}
