package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// ICCResult holds the one-way random-effects intraclass correlations of a
// subjects × raters matrix (Shrout and Fleiss 1979, case 1), as psych::ICC
// reports them in its rows "ICC1" (Single_raters_absolute) and "ICC1k"
// (Average_raters_absolute).
type ICCResult struct {
	// Subjects and Raters are the matrix's rows and columns, n and k.
	Subjects int `json:"subjects"`
	Raters   int `json:"raters"`
	// ICC1 is the reliability of one rater, (MSB − MSW)/(MSB + (k−1)·MSW);
	// ICC1k that of the mean of the k raters, (MSB − MSW)/MSB.
	ICC1  float64 `json:"icc1"`
	ICC1k float64 `json:"icc1k"`
	// The 95% confidence intervals from F quantiles (alpha 0.05):
	// FL = F/q(0.975; DF1, DF2) and FU = F·q(0.975; DF2, DF1) give
	// ICC1 in [(FL−1)/(FL+k−1), (FU−1)/(FU+k−1)] and ICC1k in
	// [1 − 1/FL, 1 − 1/FU].
	ICC1Lower  float64 `json:"icc1_lower"`
	ICC1Upper  float64 `json:"icc1_upper"`
	ICC1kLower float64 `json:"icc1k_lower"`
	ICC1kUpper float64 `json:"icc1k_upper"`
	// F is MSB/MSW, with DF1 = n−1 and DF2 = n·(k−1) degrees of freedom;
	// P is the probability that an F(DF1, DF2) variable exceeds it (the
	// test of no between-subject variance).
	F   float64 `json:"f"`
	DF1 float64 `json:"df1"`
	DF2 float64 `json:"df2"`
	P   float64 `json:"p"`
	// MSB and MSW are the one-way ANOVA mean squares between subjects and
	// within subjects.
	MSB float64 `json:"msb"`
	MSW float64 `json:"msw"`
}

// ICCAlpha is the level of the confidence intervals ICC reports (psych's
// default, 0.05: 95% intervals).
const ICCAlpha = 0.05

// ICC returns the one-way random-effects intraclass correlations ICC1 and
// ICC1k of ratings[i][j], subject i's rating by rater j, with their F test
// and 95% confidence intervals, computed as psych::ICC(x, lmer = FALSE)
// computes them (with complete data and positive variance components,
// psych's default lmer = TRUE estimates the same mean squares by REML, up
// to its optimizer's precision).
//
// When every subject's raters agree exactly (MSW = 0) F is +Inf, ICC1 and
// ICC1k are 1, P is 0 and the intervals are [1, 1], their limits (R's
// formulas give NaN there). When the subjects' means are all equal (MSB =
// 0) ICC1 is −1/(k−1) and ICC1k and its bounds are −Inf, as in R.
//
// It is an error to give fewer than 2 subjects or 2 raters, rows of
// different lengths, a non-finite rating, or ratings that are all equal
// (MSB = MSW = 0, so every correlation is 0/0).
func ICC(ratings [][]float64) (ICCResult, error) {
	n := len(ratings)
	if n < 2 {
		return ICCResult{}, fmt.Errorf("stats: ICC needs at least 2 subjects (rows), have %d", n)
	}
	k := len(ratings[0])
	if k < 2 {
		return ICCResult{}, fmt.Errorf("stats: ICC needs at least 2 raters (columns), row 0 has %d", k)
	}
	for i, row := range ratings {
		if len(row) != k {
			return ICCResult{}, fmt.Errorf("stats: ICC: row %d has %d ratings, row 0 has %d (no missing values allowed)", i, len(row), k)
		}
		for j, x := range row {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return ICCResult{}, fmt.Errorf("stats: ICC: rating [%d][%d] is %v", i, j, x)
			}
		}
	}
	// The ratings are scaled by a power of two (exact) so that the squares
	// of the largest cannot overflow, and taken relative to a pivot (the
	// first rating) so that equal ratings give deviations of exactly
	// zero: with plain sums, three ratings of 0.1 have a mean that is not
	// 0.1 and a spread that is not 0, and all-equal ratings would pass for
	// a result. The mean squares are scaled back at the end.
	var big float64
	for _, row := range ratings {
		for _, x := range row {
			big = max(big, math.Abs(x))
		}
	}
	_, e := math.Frexp(big) // big < 2^e, so the scaled ratings lie in (−2, 2)
	scale := math.Ldexp(1, e-1)
	pivot := ratings[0][0] / scale
	at := func(x float64) float64 { return x/scale - pivot }
	// Two passes: the means, then the sums of squared deviations from them.
	fn, fk := float64(n), float64(k)
	means := make([]float64, n)
	var grand float64
	for i, row := range ratings {
		var s float64
		for _, x := range row {
			s += at(x)
		}
		means[i] = s / fk
		grand += s
	}
	grand /= fn * fk
	var ssb, ssw float64
	for i, row := range ratings {
		d := means[i] - grand
		ssb += d * d
		for _, x := range row {
			e := at(x) - means[i]
			ssw += e * e
		}
	}
	ssb *= fk
	r := ICCResult{Subjects: n, Raters: k, DF1: fn - 1, DF2: fn * (fk - 1)}
	msb, msw := ssb/r.DF1, ssw/r.DF2 // in the scaled units
	r.MSB, r.MSW = msb*scale*scale, msw*scale*scale
	if msb == 0 && msw == 0 {
		return ICCResult{}, errors.New("stats: ICC: all ratings are equal, so there is no variance to apportion")
	}
	if msw == 0 {
		r.ICC1, r.ICC1k, r.F, r.P = 1, 1, math.Inf(1), 0
		r.ICC1Lower, r.ICC1Upper, r.ICC1kLower, r.ICC1kUpper = 1, 1, 1, 1
		return r, nil
	}
	r.ICC1 = (msb - msw) / (msb + (fk-1)*msw)
	r.ICC1k = (msb - msw) / msb
	r.F = msb / msw
	r.P = fSurvival(r.F, r.DF1, r.DF2)
	q := 1 - ICCAlpha/2
	fl := r.F / distuv.F{D1: r.DF1, D2: r.DF2}.Quantile(q)
	fu := r.F * distuv.F{D1: r.DF2, D2: r.DF1}.Quantile(q)
	r.ICC1Lower = (fl - 1) / (fl + fk - 1)
	r.ICC1Upper = (fu - 1) / (fu + fk - 1)
	r.ICC1kLower = 1 - 1/fl
	r.ICC1kUpper = 1 - 1/fu
	return r, nil
}

// fSurvival is P(X > f) for X ~ F(d1, d2), computed as the regularised
// incomplete beta function of the lower tail's complement, so that small
// probabilities keep their digits (1 − CDF would lose them; R's
// -expm1(pf(..., log.p = TRUE)) keeps them too).
func fSurvival(f, d1, d2 float64) float64 {
	return mathext.RegIncBeta(d2/2, d1/2, d2/(d2+d1*f))
}
