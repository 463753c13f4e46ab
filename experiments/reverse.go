package experiments

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/data"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// The paper's Fig. 4 and 5 (section 3.2): the adjoint method forgets the
// forward trajectory and re-integrates the state backward from its end
// value; numerical error makes the reverse trajectory miss the start. Here
// the forward solve and the reverse one use the same solver and
// tolerances, as the adjoint method does; MATLAB's ode45 defaults (rtol
// 1e-3, atol 1e-6), which the paper used, are the defaults.

// ReverseRow is one reverse-reconstruction measurement. Its JSON keys are
// part of the command's contract.
type ReverseRow struct {
	Problem string  `json:"problem"` // "vdp" or "conv"
	Method  string  `json:"method"`  // the solver
	RTol    float64 `json:"rtol"`
	ATol    float64 `json:"atol"`
	// NFEFwd and NFEBwd count the forward and the reverse solve's
	// evaluations.
	NFEFwd int `json:"nfe_fwd"`
	NFEBwd int `json:"nfe_bwd"`
	// ReconError is max |z̃(0) − z(0)| over the state's elements and
	// ReconRelError the Euclidean ‖z̃(0) − z(0)‖ / ‖z(0)‖; ErrorOverTol
	// is ReconError / (atol + rtol·max|z(0)|), how many times the solver's
	// own tolerance the reconstruction misses by. All three are null when
	// the reverse solve diverged before reaching t = 0.
	ReconError    *float64 `json:"recon_error"`
	ReconRelError *float64 `json:"recon_rel_error"`
	ErrorOverTol  *float64 `json:"error_over_tol"`
	// Diverged reports that the reverse solve failed (the reverse
	// trajectory left the forward one and blew up), at time DivergedAt,
	// with the solver's message in Error.
	Diverged   bool    `json:"diverged"`
	DivergedAt float64 `json:"diverged_at,omitempty"`
	Error      string  `json:"error,omitempty"`
}

// VdPReverse is the van der Pol experiment: its row and both trajectories.
type VdPReverse struct {
	Row ReverseRow
	// Times are increasing; Forward[i] is the state at Times[i] of the
	// forward solve. Reverse holds the reverse solve's states from the
	// forward end state, Reverse[i] at RevTimes[i] (decreasing from T; it
	// stops early if the reverse solve diverged).
	Times, RevTimes  []float64
	Forward, Reverse [][]float64
}

// vanDerPol is dz/dt for μ = 1.
func vanDerPol(_ float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = (1-y[0]*y[0])*y[1] - y[0]
}

// ReverseVdP integrates van der Pol (μ = 1, z(0) = (2, 0)) forward on
// [0, T] and backward from the end state, with points output points for
// the plot.
func ReverseVdP(m *ode.Tableau, rtol, atol, T float64, points int) (*VdPReverse, error) {
	if points < 2 {
		return nil, errors.New("experiments: ReverseVdP needs at least 2 output points")
	}
	times := make([]float64, points)
	back := make([]float64, points)
	for i := range times {
		times[i] = T * float64(i) / float64(points-1)
		back[points-1-i] = times[i]
	}
	opts := ode.Options{Method: m, RTol: rtol, ATol: atol}
	fw, err := ode.SolveFunc(vanDerPol, []float64{2, 0}, times, opts)
	if err != nil {
		return nil, fmt.Errorf("experiments: van der Pol forward: %w", err)
	}
	bw, err := ode.SolveFunc(vanDerPol, fw.Y[points-1], back, opts)
	if bw == nil {
		return nil, fmt.Errorf("experiments: van der Pol reverse: %w", err)
	}
	r := &VdPReverse{Times: times, Forward: fw.Y, RevTimes: bw.Times, Reverse: bw.Y}
	r.Row = reverseRow("vdp", m, rtol, atol, fw.Stats.NFE, bw.Stats.NFE, fw.Y[0], bw.Y[len(bw.Y)-1], err)
	return r, nil
}

func reverseRow(problem string, m *ode.Tableau, rtol, atol float64, nf, nb int, z0, zr []float64, failure error) ReverseRow {
	row := ReverseRow{Problem: problem, Method: m.Name, RTol: rtol, ATol: atol, NFEFwd: nf, NFEBwd: nb}
	if failure != nil {
		row.Diverged = true
		row.Error = failure.Error()
		var se *ode.StepSizeError
		var ne *ode.NonFiniteError
		var le *ode.StepLimitError
		switch {
		case errors.As(failure, &se):
			row.DivergedAt = se.T
		case errors.As(failure, &ne):
			row.DivergedAt = ne.T
		case errors.As(failure, &le):
			row.DivergedAt = le.T
		}
		return row
	}
	var maxErr, d2, n2, maxZ float64
	for i := range z0 {
		e := zr[i] - z0[i]
		maxErr = math.Max(maxErr, math.Abs(e))
		d2 += e * e
		n2 += z0[i] * z0[i]
		maxZ = math.Max(maxZ, math.Abs(z0[i]))
	}
	rel := math.Sqrt(d2)
	if n2 > 0 {
		rel /= math.Sqrt(n2)
	}
	over := maxErr / (atol + rtol*maxZ)
	row.ReconError, row.ReconRelError, row.ErrorOverTol = &maxErr, &rel, &over
	return row
}

// ConvReverse is the convolution experiment: its row and the three images.
type ConvReverse struct {
	Row ReverseRow
	// Input, Forward and Reverse are H×W images: z(0), z(T) and the
	// reverse reconstruction z̃(0).
	Input, Forward, Reverse []float64
	H, W                    int
	// Source says where the image came from.
	Source string
}

// ConvKernel returns the random 3×3 kernel of the convolution experiment:
// entries drawn N(0, 1) from seed, made symmetric under a half turn (so
// that the kernel's Fourier response is real) and shifted at the centre so
// that the response is at most zero. The convolution then damps every
// Fourier mode or keeps it, as a blur does: the forward solve is well
// conditioned, and the reverse one amplifies whatever error it makes in the
// damped modes, which is the adjoint method's predicament. (A kernel drawn
// without the shift mostly makes the image grow, forward and back, and
// hides the effect.)
func ConvKernel(seed uint64) *tensor.Tensor {
	r := tensor.RandN(tensor.NewRNG(seed), tensor.Float64, 0, 1, 3, 3).Float64s()
	k := make([]float64, 9)
	for i := range k {
		k[i] = (r[i] + r[8-i]) / 2
	}
	top := math.Inf(-1)
	const n = 64
	for a := range n {
		for b := range n {
			w1, w2 := 2*math.Pi*float64(a)/n, 2*math.Pi*float64(b)/n
			var resp float64
			for i := range 3 {
				for j := range 3 {
					resp += k[i*3+j] * math.Cos(w1*float64(i-1)+w2*float64(j-1))
				}
			}
			top = math.Max(top, resp)
		}
	}
	k[4] -= top
	return tensor.FromFloat64(k, 1, 1, 3, 3)
}

// ReverseImage returns the experiment's image: the first Fashion-MNIST
// test image if the data set is at dir, else a generated 28×28 image (a
// ring and a bar). Its values are in [0, 1].
func ReverseImage(dir string) (img []float64, h, w int, source string) {
	if dir != "" {
		if _, err := os.Stat(dir); err == nil {
			if ds, err := data.LoadFashionMNIST(dir, false); err == nil && ds.Len() > 0 {
				_, h, w := ds.ImageShape()
				x, _ := ds.Batch([]int{0})
				return x.Values()[:h*w], h, w, fmt.Sprintf("Fashion-MNIST test image 0 (%s, from %s)", data.FashionMNISTClasses[ds.Labels[0]], dir)
			}
		}
	}
	const n = 28
	img = make([]float64, n*n)
	for i := range n {
		for j := range n {
			r := math.Hypot(float64(i)-13.5, float64(j)-13.5)
			v := math.Exp(-(r - 8) * (r - 8) / 4)
			if j >= 11 && j <= 16 && i >= 4 && i <= 23 {
				v = math.Max(v, 0.8)
			}
			img[i*n+j] = v
		}
	}
	return img, n, n, "generated 28×28 image (a ring and a bar; Fashion-MNIST not found)"
}

// ReverseConv integrates dz/dt = conv(z, K) (zero padding) from the image
// over [0, T] and back, with K = ConvKernel(seed).
func ReverseConv(m *ode.Tableau, rtol, atol, T float64, img []float64, h, w int, seed uint64) (*ConvReverse, error) {
	if len(img) != h*w || h < 3 || w < 3 {
		return nil, fmt.Errorf("experiments: ReverseConv: an image of %d values is not %d×%d (at least 3×3)", len(img), h, w)
	}
	k := autograd.Constant(ConvKernel(seed))
	p := tensor.Conv2dParams{PadH: 1, PadW: 1}
	f := ode.Func(func(g *autograd.Graph, _ float64, z *autograd.Value) *autograd.Value {
		return g.Conv2d(z, k, nil, p)
	})
	z0 := tensor.FromFloat64(append([]float64(nil), img...), 1, 1, h, w)
	opts := ode.Options{Method: m, RTol: rtol, ATol: atol}
	fw, err := ode.Solve(f, z0, []float64{0, T}, opts)
	if err != nil {
		return nil, fmt.Errorf("experiments: convolution forward: %w", err)
	}
	bw, err := ode.Solve(f, fw.Y[1], []float64{T, 0}, opts)
	if bw == nil {
		return nil, fmt.Errorf("experiments: convolution reverse: %w", err)
	}
	r := &ConvReverse{Input: z0.Values(), Forward: fw.Y[1].Values(), H: h, W: w}
	if err == nil {
		r.Reverse = bw.Y[1].Values()
	}
	r.Row = reverseRow("conv", m, rtol, atol, fw.Stats.NFE, bw.Stats.NFE, r.Input, r.Reverse, err)
	return r, nil
}
