package latentdata

import (
	"fmt"
	"math"
)

// Chain is a planar chain of point masses on massless rods hanging from a
// fixed pivot (see the package documentation for its equations).
type Chain struct {
	// Lengths and Masses are each link's rod length and end mass; they
	// must have the same length N ≥ 1 and be positive.
	Lengths, Masses []float64
	// Gravity is g, pointing down (the angles are measured from the
	// downward vertical).
	Gravity float64
	// Damping is the viscous coefficient c of every joint (≥ 0).
	Damping float64
}

// Check returns an error naming the first invalid field.
func (c *Chain) Check() error {
	n := len(c.Lengths)
	if n == 0 {
		return fmt.Errorf("latentdata: chain has no links")
	}
	if len(c.Masses) != n {
		return fmt.Errorf("latentdata: chain has %d lengths but %d masses", n, len(c.Masses))
	}
	for i := range n {
		if !(c.Lengths[i] > 0) || math.IsInf(c.Lengths[i], 0) {
			return fmt.Errorf("latentdata: chain link %d has length %g, want > 0", i, c.Lengths[i])
		}
		if !(c.Masses[i] > 0) || math.IsInf(c.Masses[i], 0) {
			return fmt.Errorf("latentdata: chain link %d has mass %g, want > 0", i, c.Masses[i])
		}
	}
	if !(c.Gravity >= 0) || math.IsInf(c.Gravity, 0) {
		return fmt.Errorf("latentdata: chain gravity is %g, want ≥ 0", c.Gravity)
	}
	if !(c.Damping >= 0) || math.IsInf(c.Damping, 0) {
		return fmt.Errorf("latentdata: chain damping is %g, want ≥ 0", c.Damping)
	}
	return nil
}

// Links returns N.
func (c *Chain) Links() int { return len(c.Lengths) }

// tail returns μ_k = Σ_{l≥k} m_l.
func (c *Chain) tail() []float64 {
	n := len(c.Masses)
	mu := make([]float64, n)
	s := 0.0
	for k := n - 1; k >= 0; k-- {
		s += c.Masses[k]
		mu[k] = s
	}
	return mu
}

// Deriv returns the right-hand side of the first-order system for the
// state y = (q, q̇) of length 2N, as ode.SolveFunc wants it. The function
// it returns keeps scratch space, so it must not be called concurrently;
// make one per goroutine.
func (c *Chain) Deriv() func(t float64, y, dydt []float64) {
	n := len(c.Lengths)
	mu := c.tail()
	m := make([]float64, n*n)
	rhs := make([]float64, n)
	sn, cs := make([]float64, n), make([]float64, n)
	return func(_ float64, y, dydt []float64) {
		q, qd := y[:n], y[n:2*n]
		for i := range n {
			sn[i], cs[i] = math.Sincos(q[i])
		}
		for i := range n {
			li := c.Lengths[i]
			r := -c.Gravity * mu[i] * li * sn[i]
			for j := range n {
				k := max(i, j)
				lij := mu[k] * li * c.Lengths[j]
				// cos(qi − qj) and sin(qi − qj) from the sines and cosines.
				m[i*n+j] = lij * (cs[i]*cs[j] + sn[i]*sn[j])
				r -= lij * (sn[i]*cs[j] - cs[i]*sn[j]) * qd[j] * qd[j]
			}
			// Joint i joins link i−1 (the pivot for i = 0) to link i.
			rel := qd[i]
			if i > 0 {
				rel -= qd[i-1]
			}
			next := 0.0
			if i+1 < n {
				next = qd[i+1] - qd[i]
			}
			r -= c.Damping * (rel - next)
			rhs[i] = r
		}
		copy(dydt[:n], qd)
		choleskySolve(m, rhs, n)
		copy(dydt[n:2*n], rhs)
	}
}

// choleskySolve overwrites b with the solution of A x = b for a symmetric
// positive definite A [n×n] (overwritten by its factor).
func choleskySolve(a, b []float64, n int) {
	for j := range n {
		d := a[j*n+j]
		for k := range j {
			d -= a[j*n+k] * a[j*n+k]
		}
		d = math.Sqrt(d)
		a[j*n+j] = d
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for k := range j {
				s -= a[i*n+k] * a[j*n+k]
			}
			a[i*n+j] = s / d
		}
	}
	for i := range n { // L z = b
		s := b[i]
		for k := range i {
			s -= a[i*n+k] * b[k]
		}
		b[i] = s / a[i*n+i]
	}
	for i := n - 1; i >= 0; i-- { // Lᵀ x = z
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= a[k*n+i] * b[k]
		}
		b[i] = s / a[i*n+i]
	}
}

// Energy returns the kinetic plus potential energy T + V of the state
// y = (q, q̇), the pivot at height 0: V = −g Σ μ_i L_i cos q_i.
func (c *Chain) Energy(y []float64) float64 {
	n := len(c.Lengths)
	mu := c.tail()
	q, qd := y[:n], y[n:2*n]
	t, v := 0.0, 0.0
	for i := range n {
		v -= c.Gravity * mu[i] * c.Lengths[i] * math.Cos(q[i])
		for j := range n {
			t += 0.5 * mu[max(i, j)] * c.Lengths[i] * c.Lengths[j] * math.Cos(q[i]-q[j]) * qd[i] * qd[j]
		}
	}
	return t + v
}

// Dissipation returns the power lost to joint damping, c Σ_k (q̇_k − q̇_{k−1})²,
// which is −dEnergy/dt along a trajectory.
func (c *Chain) Dissipation(y []float64) float64 {
	n := len(c.Lengths)
	qd := y[n : 2*n]
	p, prev := 0.0, 0.0
	for i := range n {
		d := qd[i] - prev
		p += d * d
		prev = qd[i]
	}
	return c.Damping * p
}
