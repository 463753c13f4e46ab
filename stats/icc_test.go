package stats

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// iccReference is stats/testdata/icc_reference.json, written by
// icc_reference.R from psych::ICC's output.
type iccReference struct {
	Psych string `json:"psych"`
	R     string `json:"r"`
	Cases []struct {
		Name       string      `json:"name"`
		Ratings    [][]float64 `json:"ratings"`
		ICC1       float64     `json:"icc1"`
		ICC1k      float64     `json:"icc1k"`
		ICC1Lower  float64     `json:"icc1_lower"`
		ICC1Upper  float64     `json:"icc1_upper"`
		ICC1kLower float64     `json:"icc1k_lower"`
		ICC1kUpper float64     `json:"icc1k_upper"`
		F          float64     `json:"f"`
		DF1        float64     `json:"df1"`
		DF2        float64     `json:"df2"`
		P          float64     `json:"p"`
		MSB        float64     `json:"msb"`
		MSW        float64     `json:"msw"`
	} `json:"cases"`
}

func parseReference(t *testing.T, b []byte) iccReference {
	t.Helper()
	var ref iccReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("reference values: %v", err)
	}
	if len(ref.Cases) < 4 {
		t.Fatalf("reference values: %d cases, want at least 4", len(ref.Cases))
	}
	return ref
}

// close reports whether got is within tol of want, relative to max(1,
// |want|): absolute for values of order one, relative for large ones.
func close(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// checkAgainst compares ICC with every case of ref to 1e-9 (p relative to
// itself, since it goes down to 1e-195).
func checkAgainst(t *testing.T, ref iccReference, source string) {
	t.Helper()
	const tol = 1e-9
	var worst float64
	defer func() { t.Logf("%s: largest difference %.2g (relative to max(1, |value|); p relative)", source, worst) }()
	for _, c := range ref.Cases {
		r, err := ICC(c.Ratings)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if r.Subjects != len(c.Ratings) || r.Raters != len(c.Ratings[0]) {
			t.Errorf("%s: %d×%d, want %d×%d", c.Name, r.Subjects, r.Raters, len(c.Ratings), len(c.Ratings[0]))
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"ICC1", r.ICC1, c.ICC1}, {"ICC1k", r.ICC1k, c.ICC1k},
			{"ICC1 lower", r.ICC1Lower, c.ICC1Lower}, {"ICC1 upper", r.ICC1Upper, c.ICC1Upper},
			{"ICC1k lower", r.ICC1kLower, c.ICC1kLower}, {"ICC1k upper", r.ICC1kUpper, c.ICC1kUpper},
			{"F", r.F, c.F}, {"df1", r.DF1, c.DF1}, {"df2", r.DF2, c.DF2},
			{"MSB", r.MSB, c.MSB}, {"MSW", r.MSW, c.MSW},
		} {
			worst = math.Max(worst, math.Abs(f.got-f.want)/math.Max(1, math.Abs(f.want)))
			if !close(f.got, f.want, tol) {
				t.Errorf("%s: %s = %.17g, psych::ICC (%s) %.17g", c.Name, f.name, f.got, source, f.want)
			}
		}
		if c.P > 0 {
			worst = math.Max(worst, math.Abs(r.P-c.P)/c.P)
		}
		if math.Abs(r.P-c.P) > tol*c.P && math.Abs(r.P-c.P) > 1e-300 {
			t.Errorf("%s: p = %.17g, psych::ICC (%s) %.17g", c.Name, r.P, source, c.P)
		}
	}
}

// TestICCAgainstPsych checks ICC against the values psych::ICC computed for
// the matrices in testdata (Shrout and Fleiss's 6×4 example, a random 50×3,
// 200×5 probabilities, near-zero between-subject variance, pure noise, 2×2).
func TestICCAgainstPsych(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "icc_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	shipped := parseReference(t, b)
	checkAgainst(t, shipped, "shipped psych "+shipped.Psych)
	if shipped.Cases[0].Name != "shrout_fleiss" || math.Abs(shipped.Cases[0].ICC1-0.17) > 0.005 {
		t.Errorf("the first case is not Shrout and Fleiss's (ICC1 0.17 in their paper): %s, %g", shipped.Cases[0].Name, shipped.Cases[0].ICC1)
	}
}

// TestICCAgainstPsychLive re-runs the R script when R and psych are
// installed, and checks ICC against its fresh output and the shipped file
// against it.
func TestICCAgainstPsychLive(t *testing.T) {
	rs, err := exec.LookPath("Rscript")
	if err != nil {
		t.Skip("no Rscript on PATH: the shipped reference values are checked by TestICCAgainstPsych")
	}
	if err := exec.Command(rs, "-e", "library(psych)").Run(); err != nil {
		t.Skipf("R's psych package does not load (%v): the shipped reference values are checked by TestICCAgainstPsych", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(rs, filepath.Join("testdata", "icc_reference.R"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("icc_reference.R: %v\n%s", err, stderr.String())
	}
	fresh := parseReference(t, stdout.Bytes())
	checkAgainst(t, fresh, "fresh psych "+fresh.Psych)
	b, err := os.ReadFile(filepath.Join("testdata", "icc_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	shipped := parseReference(t, b)
	if len(shipped.Cases) != len(fresh.Cases) {
		t.Fatalf("shipped file has %d cases, the script %d: regenerate it", len(shipped.Cases), len(fresh.Cases))
	}
	for i := range fresh.Cases {
		s, f := shipped.Cases[i], fresh.Cases[i]
		if s.Name != f.Name || !close(s.ICC1, f.ICC1, 1e-12) || !close(s.ICC1kLower, f.ICC1kLower, 1e-12) {
			t.Errorf("case %d: shipped %s (ICC1 %.17g) differs from the script's %s (%.17g): regenerate icc_reference.json", i, s.Name, s.ICC1, f.Name, f.ICC1)
		}
	}
}

// Properties that hold whatever the data: ICC1k is ICC1 stepped up by
// Spearman–Brown, an affine change of scale changes nothing, nor does the
// order of the raters, and the intervals contain the estimates.
func TestICCProperties(t *testing.T) {
	x := [][]float64{{0.9, 0.8, 0.95}, {0.1, 0.3, 0.2}, {0.5, 0.4, 0.7}, {0.6, 0.65, 0.5}, {0.2, 0.1, 0.4}}
	r, err := ICC(x)
	if err != nil {
		t.Fatal(err)
	}
	k := float64(r.Raters)
	if sb := k * r.ICC1 / (1 + (k-1)*r.ICC1); !close(r.ICC1k, sb, 1e-14) {
		t.Errorf("ICC1k %.17g, Spearman–Brown of ICC1 %.17g", r.ICC1k, sb)
	}
	y := make([][]float64, len(x))
	for i, row := range x {
		y[i] = []float64{3 - 2*row[2], 3 - 2*row[0], 3 - 2*row[1]}
	}
	s, err := ICC(y)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]float64{{r.ICC1, s.ICC1}, {r.ICC1k, s.ICC1k}, {r.ICC1Lower, s.ICC1Lower}, {r.ICC1kUpper, s.ICC1kUpper}, {r.P, s.P}} {
		if !close(p[0], p[1], 1e-13) {
			t.Errorf("ICC changed under y = 3 − 2x with raters reordered: %.17g, %.17g", p[0], p[1])
		}
	}
	if !(r.ICC1Lower < r.ICC1 && r.ICC1 < r.ICC1Upper && r.ICC1kLower < r.ICC1k && r.ICC1k < r.ICC1kUpper) {
		t.Errorf("intervals do not contain the estimates: %+v", r)
	}
}

func TestICCPerfectAgreement(t *testing.T) {
	r, err := ICC([][]float64{{1, 1, 1}, {0.5, 0.5, 0.5}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{r.ICC1, r.ICC1k, r.ICC1Lower, r.ICC1Upper, r.ICC1kLower, r.ICC1kUpper} {
		if v != 1 {
			t.Errorf("perfect agreement: %+v, want every correlation and bound 1", r)
			break
		}
	}
	if !math.IsInf(r.F, 1) || r.P != 0 || r.MSW != 0 {
		t.Errorf("perfect agreement: F %g, p %g, MSW %g; want +Inf, 0, 0", r.F, r.P, r.MSW)
	}
}

// TestICCRoundingAndRange checks agreement whose plain sums round (rows
// of 0.1s: MSW must be exactly 0), ratings near the float64 limit (their
// squares overflow), and that scaling the ratings by a power of ten
// changes no correlation.
func TestICCRoundingAndRange(t *testing.T) {
	r, err := ICC([][]float64{{.1, .1, .1}, {.3, .3, .3}, {.7, .7, .7}})
	if err != nil || r.MSW != 0 || r.ICC1 != 1 || r.ICC1k != 1 {
		t.Errorf("rows of equal ratings: %v %+v; want MSW 0 and ICC 1", err, r)
	}
	r, err = ICC([][]float64{{1e308, 1e308}, {-1e308, -1e308}})
	if err != nil || r.ICC1 != 1 || r.ICC1k != 1 {
		t.Errorf("ratings of ±1e308: %v %+v; want ICC 1", err, r)
	}
	x := [][]float64{{0.9, 0.8, 0.95}, {0.1, 0.3, 0.2}, {0.5, 0.4, 0.7}, {0.6, 0.65, 0.5}, {0.2, 0.1, 0.4}}
	want, err := ICC(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{1e300, 1e-300} {
		y := make([][]float64, len(x))
		for i, row := range x {
			for _, v := range row {
				y[i] = append(y[i], v*f)
			}
		}
		got, err := ICC(y)
		if err != nil {
			t.Fatalf("ratings ×%g: %v", f, err)
		}
		for _, p := range [][2]float64{{want.ICC1, got.ICC1}, {want.ICC1k, got.ICC1k}, {want.ICC1Lower, got.ICC1Lower}, {want.ICC1kUpper, got.ICC1kUpper}, {want.P, got.P}} {
			if !close(p[0], p[1], 1e-12) || math.IsNaN(p[1]) {
				t.Errorf("ratings ×%g: %.17g, want %.17g", f, p[1], p[0])
			}
		}
	}
}

func TestICCEqualMeans(t *testing.T) {
	// Every row a permutation of the same ratings: MSB = 0 exactly.
	r, err := ICC([][]float64{{1, 2, 4}, {4, 1, 2}, {2, 4, 1}, {1, 4, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if r.MSB != 0 || r.F != 0 || r.P != 1 || r.ICC1 != -0.5 || r.ICC1Lower != -0.5 || !math.IsInf(r.ICC1k, -1) || !math.IsInf(r.ICC1kLower, -1) {
		t.Errorf("equal subject means: %+v; want MSB 0, F 0, p 1, ICC1 and its lower bound −1/(k−1), ICC1k −Inf", r)
	}
}

func TestICCBadInput(t *testing.T) {
	for _, tc := range []struct {
		x    [][]float64
		want string
	}{
		{nil, "at least 2 subjects"},
		{[][]float64{{1, 2}}, "at least 2 subjects"},
		{[][]float64{{1}, {2}}, "at least 2 raters"},
		{[][]float64{{1, 2}, {3}}, "row 1 has 1 ratings"},
		{[][]float64{{1, 2}, {3, math.NaN()}}, "rating [1][1] is NaN"},
		{[][]float64{{1, math.Inf(-1)}, {3, 4}}, "rating [0][1] is -Inf"},
		{[][]float64{{2, 2}, {2, 2}}, "all ratings are equal"},
		// Equal ratings whose plain mean is not the rating (0.1·3/3 ≠ 0.1).
		{[][]float64{{.1, .1, .1}, {.1, .1, .1}, {.1, .1, .1}}, "all ratings are equal"},
		{[][]float64{{1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1}, {1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1}}, "all ratings are equal"},
	} {
		if _, err := ICC(tc.x); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.x, err, tc.want)
		}
	}
}
