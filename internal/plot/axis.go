package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// axis maps data values in [lo, hi] (log10-transformed if log) to [0, 1].
type axis struct {
	lo, hi float64
	log    bool
	// integer puts a linear axis's ticks at whole numbers only.
	integer bool
}

func (a axis) t(v float64) float64 {
	if a.log {
		return math.Log10(v)
	}
	return v
}

// untransform is the inverse of t.
func (a axis) untransform(t float64) float64 {
	if a.log {
		return math.Pow(10, t)
	}
	return t
}

// frac is the position of v on the axis: 0 at lo, 1 at hi.
func (a axis) frac(v float64) float64 {
	t0 := a.t(a.lo)
	return (a.t(v) - t0) / (a.t(a.hi) - t0)
}

// valid reports whether v can be placed on the axis.
func (a axis) valid(v float64) bool {
	return finite(v) && (!a.log || v > 0)
}

// tick is one tick mark; minor ticks have no label.
type tick struct {
	v     float64
	label string
	minor bool
}

func (a axis) ticks() []tick {
	if a.log {
		return logTicks(a.lo, a.hi)
	}
	return linTicks(a.lo, a.hi, a.integer)
}

// linTicks puts 5 to 8 ticks (as far as possible) at multiples of 1, 2 or
// 5 × 10^k inside [lo, hi]; with integer, at whole numbers only (steps of
// at least 1), as long as [lo, hi] holds one.
func linTicks(lo, hi float64, integer bool) []tick {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return nil
	}
	base := math.Pow(10, math.Floor(math.Log10(span/6)))
	var step, first float64
	n, best := 0, math.Inf(1)
	for _, m := range []float64{0.5, 1, 2, 5, 10, 20} {
		s := m * base
		if integer && s < 1 {
			continue
		}
		f, l := math.Ceil(lo/s-1e-9), math.Floor(hi/s+1e-9)
		c := l - f + 1
		score := 10*max(0, 5-c, c-8) + math.Abs(c-6)
		if c >= 1 && c <= 100 && score < best {
			step, first, n, best = s, f, int(c), score
		}
	}
	if n == 0 && integer {
		// A range narrower than the candidates: its whole numbers, if any.
		f, l := math.Ceil(lo-1e-9), math.Floor(hi+1e-9)
		if l < f || l-f > 100 {
			return linTicks(lo, hi, false)
		}
		step, first, n = 1, f, int(l-f+1)
	}
	ts := make([]tick, n)
	maxAbs := 0.0
	for k := range ts {
		v := (first + float64(k)) * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts[k].v = v
		maxAbs = max(maxAbs, math.Abs(v))
	}
	exp := maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-3)
	prec, dec := 0, max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	if exp {
		prec = min(max(int(math.Floor(math.Log10(maxAbs))-math.Floor(math.Log10(step)+1e-9)), 0), 15)
	}
	for k := range ts {
		if exp {
			ts[k].label = expLabel(ts[k].v, prec)
		} else {
			ts[k].label = strconv.FormatFloat(ts[k].v, 'f', dec, 64)
		}
	}
	return ts
}

// expLabel formats v like "1.5e+6" with at most prec mantissa decimals.
func expLabel(v float64, prec int) string {
	if v == 0 {
		return "0"
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'e', prec, 64), "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	e, _ := strconv.Atoi(exp)
	return fmt.Sprintf("%se%+d", mant, e)
}

// logTicks puts ticks at powers of ten when [lo, hi] spans at least three
// of them (every 1, 2, 5, 10, ... decades so that at most 8 are labelled,
// with unlabelled minor ticks at 2..9 × 10^k when every decade is), and
// otherwise at 1, 2, 5 × 10^k or 1..9 × 10^k, whichever gives a useful
// number; very narrow ranges fall back to linear ticks.
func logTicks(lo, hi float64) []tick {
	a, b := math.Log10(lo), math.Log10(hi)
	if math.IsNaN(a) || math.IsNaN(b) || !(b > a) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return nil
	}
	e0, e1 := int(math.Ceil(a-1e-9)), int(math.Floor(b+1e-9))
	plain := func(lo, hi int) bool { return lo >= -2 && hi <= 3 }
	in := func(v float64) bool { return v >= lo*(1-1e-9) && v <= hi*(1+1e-9) }
	if n := e1 - e0 + 1; n >= 3 {
		every := 1 // decades between labelled ticks: 1, 2, 5, 10, 20, ...
		for k := 0; every*8 < n; k++ {
			every = []int{2, 5, 10}[k%3] * pow10i(k/3)
		}
		var ts []tick
		for e := e0; e <= e1; e++ {
			if ((e%every)+every)%every == 0 {
				ts = append(ts, tick{v: pow10(1, e), label: logLabel(1, e, plain(e0, e1))})
			}
			if every == 1 && n <= 10 {
				for m := 2; m <= 9; m++ {
					if v := pow10(m, e); in(v) {
						ts = append(ts, tick{v: v, minor: true})
					}
				}
			}
		}
		if every == 1 && n <= 10 {
			for m := 2; m <= 9; m++ { // minor ticks below the first decade
				if v := pow10(m, e0-1); in(v) {
					ts = append(ts, tick{v: v, minor: true})
				}
			}
		}
		return ts
	}
	mantissas := func(ms ...int) []tick {
		var ts []tick
		lowE, highE := int(math.Floor(a)), int(math.Floor(b))
		for e := lowE; e <= highE; e++ {
			for _, m := range ms {
				if v := pow10(m, e); in(v) {
					ts = append(ts, tick{v: v, label: logLabel(m, e, plain(lowE, highE))})
				}
			}
		}
		return ts
	}
	ts125 := mantissas(1, 2, 5)
	if len(ts125) >= 3 {
		return ts125
	}
	if ts := mantissas(1, 2, 3, 4, 5, 6, 7, 8, 9); len(ts) >= 2 && len(ts) <= 10 {
		return ts
	}
	if len(ts125) >= 2 {
		return ts125
	}
	return linTicks(lo, hi, false)
}

// pow10i is 10^k for small k >= 0.
func pow10i(k int) int {
	p := 1
	for ; k > 0; k-- {
		p *= 10
	}
	return p
}

// pow10 is m × 10^e, correctly rounded.
func pow10(m, e int) float64 {
	v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", m, e), 64)
	return v
}

// logLabel formats m × 10^e as "2e-3", or as "0.002" when plain.
func logLabel(m, e int, plain bool) string {
	switch {
	case !plain:
		return fmt.Sprintf("%de%+d", m, e)
	case e >= 0:
		return strconv.Itoa(m) + strings.Repeat("0", e)
	default:
		return "0." + strings.Repeat("0", -e-1) + strconv.Itoa(m)
	}
}
