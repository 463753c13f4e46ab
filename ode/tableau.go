package ode

// Tableau is an explicit Runge–Kutta method: its Butcher tableau, an
// optional embedded error estimate and an optional dense-output rule. A new
// method is a new Tableau value; the stepping loop does not change.
//
// Stage i (0-based) evaluates k_i = f(t + C[i]·h, y + h·Σ_{j<i} A[i][j]·k_j),
// and the step's solution is y + h·Σ B[j]·k_j.
type Tableau struct {
	// Name is the method's short name ("dopri5", "rk4", …), as ParseMethod
	// accepts it.
	Name string
	// Order is the order of the propagated solution (B). It sets the
	// controller's exponent 1/Order.
	Order int
	// C holds the stage times as fractions of the step.
	C []float64
	// A is strictly lower triangular: A[i] has i entries.
	A [][]float64
	// B holds the solution weights.
	B []float64
	// BErr holds the error weights B − B̂, where B̂ are the weights of the
	// embedded lower-order solution; the local error estimate is
	// h·Σ BErr[j]·k_j. Nil for methods without an embedded pair, which run
	// with a fixed step only.
	BErr []float64
	// FSAL reports that the last stage is evaluated at the step's solution
	// (C[s−1] = 1 and A[s−1] = B), so it is the next step's first stage and
	// costs nothing there.
	FSAL bool
	// Dense, if set, is the method's own continuous extension, as
	// polynomial coefficients: y(t+θh) ≈ y + h·Σ_j b_j(θ)·k_j with
	// b_j(θ) = Σ_p Dense[j][p]·θ^(p+1), for θ in [0, 1]. Nil means cubic
	// Hermite interpolation between the step's end points and their
	// derivatives.
	Dense [][]float64
}

// Stages returns the number of stages.
func (tb *Tableau) Stages() int { return len(tb.B) }

// Adaptive reports whether the method has an embedded error estimate, so it
// can run with step-size control.
func (tb *Tableau) Adaptive() bool { return tb.BErr != nil }

// String returns the method's name.
func (tb *Tableau) String() string { return tb.Name }

// euler is the canonical data of Euler.
var euler = &Tableau{
	Name:  "euler",
	Order: 1,
	C:     []float64{0},
	A:     [][]float64{{}},
	B:     []float64{1},
}

// midpoint is the canonical data of Midpoint.
var midpoint = &Tableau{
	Name:  "midpoint",
	Order: 2,
	C:     []float64{0, 0.5},
	A:     [][]float64{{}, {0.5}},
	B:     []float64{0, 1},
}

// rk4 is the canonical data of RK4.
var rk4 = &Tableau{
	Name:  "rk4",
	Order: 4,
	C:     []float64{0, 0.5, 0.5, 1},
	A:     [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
	B:     []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
}

// heunEuler is the canonical data of HeunEuler.
var heunEuler = &Tableau{
	Name:  "heun_euler",
	Order: 2,
	C:     []float64{0, 1},
	A:     [][]float64{{}, {1}},
	B:     []float64{0.5, 0.5},
	BErr:  []float64{0.5 - 1, 0.5},
}

// bogackiShampine is the canonical data of BogackiShampine.
var bogackiShampine = &Tableau{
	Name:  "bosh3",
	Order: 3,
	C:     []float64{0, 0.5, 0.75, 1},
	A:     [][]float64{{}, {0.5}, {0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}},
	B:     []float64{2.0 / 9, 1.0 / 3, 4.0 / 9, 0},
	BErr:  []float64{2.0/9 - 7.0/24, 1.0/3 - 0.25, 4.0/9 - 1.0/3, -0.125},
	FSAL:  true,
}

var dopri5B = []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}

// Shampine's coefficients for the Dormand–Prince continuous extension, as
// used by Hairer's DOPRI5 code.
var dopri5D = []float64{
	-12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799, -10690763975.0 / 1880347072,
	701980252875.0 / 199316789632, -1453857185.0 / 822651844, 69997945.0 / 29380423,
}

// dopri5Dense expands Hairer's form of the continuous extension,
//
//	y(θ) = y0 + θΔ + θ(1−θ)(h·k1 − Δ) + θ²(1−θ)(2Δ − h·k1 − h·k7) + θ²(1−θ)²·h·Σ d_j k_j,
//
// with Δ = h·Σ b_j k_j, into polynomial weights on the stages.
func dopri5Dense() [][]float64 {
	p := make([][]float64, 7)
	for j, b := range dopri5B {
		d := dopri5D[j]
		p[j] = []float64{0, 3*b + d, -2*b - 2*d, d}
	}
	p[0][0] += 1
	p[0][1] -= 2
	p[0][2] += 1
	p[6][1] -= 1
	p[6][2] += 1
	return p
}

// dopri5 is the canonical data of Dopri5.
var dopri5 = &Tableau{
	Name:  "dopri5",
	Order: 5,
	C:     []float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
	A: [][]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		dopri5B[:6],
	},
	B: dopri5B,
	// The embedded fourth-order weights are the ones torchdiffeq and diffrax
	// use (1951/21600, 0, 22642/50085, 451/720, −12231/42400, 649/6300,
	// 1/60), not Hairer's DOPRI5 (5179/57600, …): the step sequences, and so
	// the NFE, then match the peers'.
	BErr: []float64{
		35.0/384 - 1951.0/21600, 0, 500.0/1113 - 22642.0/50085, 125.0/192 - 451.0/720,
		-2187.0/6784 + 12231.0/42400, 11.0/84 - 649.0/6300, -1.0 / 60,
	},
	FSAL:  true,
	Dense: dopri5Dense(),
}

var tsit5B = []float64{
	0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
	-3.290069515436081, 2.324710524099774, 0,
}

// tsit5Dense expands Tsitouras's interpolation weights, given in factored
// form in his paper, into polynomial coefficients.
func tsit5Dense() [][]float64 {
	// Each weight is a scale times a product of polynomials in θ (lowest
	// degree first).
	factors := []struct {
		scale float64
		polys [][]float64
	}{
		{-1.0530884977290216, [][]float64{{0, 1}, {-1.3299890189751412, 1}, {0.7139816917074209, -1.4364028541716351, 1}}},
		{0.1017, [][]float64{{0, 0, 1}, {1.2949852507374631, -2.1966568338249754, 1}}},
		{2.490627285651252793, [][]float64{{0, 0, 1}, {1.57803468208092486, -2.38535645472061657, 1}}},
		{-16.54810288924490272, [][]float64{{0, 0, 1}, {-1.21712927295533244, 1}, {-0.61620406037800089, 1}}},
		{47.37952196281928122, [][]float64{{0, 0, 1}, {-1.203071208372362603, 1}, {-0.658047292653547382, 1}}},
		{-34.87065786149660974, [][]float64{{0, 0, 1}, {-1.2, 1}, {-0.666666666666666667, 1}}},
		{2.5, [][]float64{{0, 0, 1}, {-1, 1}, {-0.6, 1}}},
	}
	p := make([][]float64, len(factors))
	for j, f := range factors {
		c := []float64{f.scale}
		for _, q := range f.polys {
			c = polyMul(c, q)
		}
		p[j] = c[1:] // no constant term
	}
	return p
}

// polyMul multiplies polynomials given by coefficients, lowest degree first.
func polyMul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// denseWeights fills w[j] = b_j(θ) and dw[j] = b_j'(θ) from polynomial
// coefficients.
func denseWeights(p [][]float64, theta float64, w, dw []float64) {
	for j, c := range p {
		var v, d float64
		for q := len(c) - 1; q >= 0; q-- {
			// b(θ) = Σ c[q]·θ^(q+1); Horner on θ·(c0 + c1 θ + …).
			v = v*theta + c[q]
			if q > 0 {
				d = d*theta + float64(q+1)*c[q]
			}
		}
		if len(c) == 0 {
			w[j], dw[j] = 0, 0
			continue
		}
		w[j] = v * theta
		dw[j] = d*theta + c[0]
	}
}

// tsit5 is the canonical data of Tsit5.
var tsit5 = &Tableau{
	Name:  "tsit5",
	Order: 5,
	C:     []float64{0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1},
	A: [][]float64{
		{},
		{0.161},
		{-0.008480655492356989, 0.335480655492357},
		{2.897153057105493, -6.359448489975075, 4.3622954328695815},
		{5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525},
		{5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383},
		tsit5B[:6],
	},
	B: tsit5B,
	// Tsitouras's table lists these error weights (B − B̂) directly; the last
	// one enters with a minus sign so that they sum to zero.
	BErr: []float64{
		0.001780011052226, 0.000816434459657, -0.007880878010262, 0.144711007173263,
		-0.582357165452555, 0.458082105929187, -1.0 / 66,
	},
	FSAL:  true,
	Dense: tsit5Dense(),
}

// The built-in methods. Each exported variable is a deep copy of data the
// package keeps to itself: a solve given one of these pointers runs the
// package's own tableau, so that editing a built-in method's fields or
// slices (or overwriting the whole struct) changes no solve, while the
// variables keep the type and the use they always had (Options{Method:
// ode.Dopri5}). A Tableau of one's own is copied when a solve starts.
var (
	// Euler is the forward Euler method (order 1, fixed step only).
	Euler = euler.clone()

	// Midpoint is the explicit midpoint method (RK2, order 2, fixed step only).
	Midpoint = midpoint.clone()

	// RK4 is the classic fourth-order Runge–Kutta method (fixed step only).
	// torchdiffeq's "rk4" is the 3/8 rule, a different fourth-order method.
	RK4 = rk4.clone()

	// HeunEuler is Heun's method with an embedded Euler estimate: order 2(1),
	// two stages. torchdiffeq calls it adaptive_heun, but starts each step from
	// the derivative at the Euler predictor of the previous one (one evaluation
	// per step); here the next step starts from f(t1, y1), two evaluations per
	// step, so NFE counts with this method are about twice torchdiffeq's.
	HeunEuler = heunEuler.clone()

	// BogackiShampine is the Bogacki–Shampine 3(2) pair (RK23, torchdiffeq's
	// bosh3), four stages with FSAL.
	BogackiShampine = bogackiShampine.clone()

	// Dopri5 is the Dormand–Prince 5(4) pair (RK45, MATLAB's ode45, the default
	// of torchdiffeq): seven stages with FSAL, and a fourth-order continuous
	// extension.
	Dopri5 = dopri5.clone()

	// Tsit5 is Tsitouras's 5(4) pair (2011), seven stages with FSAL and its own
	// continuous extension. It is usually a little more efficient than Dopri5 at
	// the same tolerance.
	Tsit5 = tsit5.clone()
)

// builtins pairs the exported built-in methods, as first set, with their
// canonical data.
var builtins = [...]struct{ exported, data *Tableau }{
	{Euler, euler}, {Midpoint, midpoint}, {RK4, rk4}, {HeunEuler, heunEuler},
	{BogackiShampine, bogackiShampine}, {Dopri5, dopri5}, {Tsit5, tsit5},
}

// canonical returns the tableau a solve runs for tb: the package's own
// data for a built-in method, a deep copy of anything else (so that the
// caller may change its tableau during the solve).
func canonical(tb *Tableau) *Tableau {
	for _, b := range builtins {
		if tb == b.exported || tb == b.data {
			return b.data
		}
	}
	return tb.clone()
}

// clone returns a deep copy of tb, sharing no slice with it.
func (tb *Tableau) clone() *Tableau {
	c := *tb
	c.C = cloneFloats(tb.C)
	c.B = cloneFloats(tb.B)
	c.BErr = cloneFloats(tb.BErr)
	c.A = cloneRows(tb.A)
	c.Dense = cloneRows(tb.Dense)
	return &c
}

func cloneFloats(x []float64) []float64 {
	if x == nil {
		return nil
	}
	return append([]float64{}, x...)
}

func cloneRows(x [][]float64) [][]float64 {
	if x == nil {
		return nil
	}
	c := make([][]float64, len(x))
	for i, r := range x {
		c[i] = cloneFloats(r)
	}
	return c
}

// Methods lists every built-in method, fixed-step ones first.
func Methods() []*Tableau {
	ms := make([]*Tableau, len(builtins))
	for i, b := range builtins {
		ms[i] = b.exported
	}
	return ms
}

// ParseMethod returns the built-in method with the given name. It accepts
// the names Methods lists and the aliases rk2 (midpoint), rk23 and bs3
// (bosh3), rk45 (dopri5), and adaptive_heun, heun and heuneuler
// (heun_euler).
func ParseMethod(name string) (*Tableau, error) {
	switch name {
	case "rk2":
		name = midpoint.Name
	case "rk23", "bs3":
		name = bogackiShampine.Name
	case "rk45":
		name = dopri5.Name
	case "adaptive_heun", "heun", "heuneuler":
		name = heunEuler.Name
	}
	names := ""
	for i, b := range builtins {
		// The canonical names: a caller may have edited the exported ones.
		if b.data.Name == name {
			return b.exported, nil
		}
		if i > 0 {
			names += ", "
		}
		names += b.data.Name
	}
	return nil, &OptionError{Field: "method", Msg: "unknown method " + quote(name) + " (want one of " + names + ")"}
}
