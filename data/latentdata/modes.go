package latentdata

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NormalModes returns the chain's small oscillations about hanging straight
// down: the angular frequencies ω (rad/s, ascending) and, for each, its mode
// shape (the link angles, scaled so that the largest |angle| is 1 and the
// largest-magnitude component is positive). Linearised at q = q̇ = 0 and
// without damping, the equations of motion are M₀ q̈ = −K q with
// M₀_ij = μ_max(i,j) L_i L_j and K = diag(g μ_i L_i) (see the package
// documentation), so ω² and the shapes solve K v = ω² M₀ v.
//
// They show what a data set asks of a model: the 7-link default chain's
// modes have periods from 1.73 s down to 0.17 s, the fastest sampled only
// 3.4 times per period at 100 samples over 5 s. With no gravity every ω is
// 0 and the shapes are an arbitrary basis.
func (c *Chain) NormalModes() (omega []float64, shapes [][]float64, err error) {
	if err := c.Check(); err != nil {
		return nil, nil, err
	}
	n := c.Links()
	mu := c.tail()
	m0 := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			m0.SetSym(i, j, mu[max(i, j)]*c.Lengths[i]*c.Lengths[j])
		}
	}
	// M₀ = L Lᵀ turns K v = ω² M₀ v into the symmetric S u = ω² u with
	// S = L⁻¹ K L⁻ᵀ and v = L⁻ᵀ u.
	var chol mat.Cholesky
	if !chol.Factorize(m0) {
		return nil, nil, fmt.Errorf("latentdata: chain mass matrix is not positive definite")
	}
	var l mat.TriDense
	chol.LTo(&l)
	var linv mat.TriDense
	if err := linv.InverseTri(&l); err != nil {
		return nil, nil, fmt.Errorf("latentdata: chain mass matrix: %v", err)
	}
	k := mat.NewDiagDense(n, nil)
	for i := range n {
		k.SetDiag(i, c.Gravity*mu[i]*c.Lengths[i])
	}
	var s mat.Dense
	s.Product(&linv, k, linv.T())
	sym := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			sym.SetSym(i, j, (s.At(i, j)+s.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return nil, nil, fmt.Errorf("latentdata: chain modes: eigen decomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var u, v mat.Dense
	eig.VectorsTo(&u)
	v.Mul(linv.T(), &u)
	for j := range n {
		omega = append(omega, math.Sqrt(max(vals[j], 0)))
		shape := make([]float64, n)
		big := 0.0
		for i := range n {
			shape[i] = v.At(i, j)
			if math.Abs(shape[i]) > math.Abs(big) {
				big = shape[i]
			}
		}
		for i := range shape {
			shape[i] /= big
		}
		shapes = append(shapes, shape)
	}
	return omega, shapes, nil
}
