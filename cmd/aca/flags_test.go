package main

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/acaode/aca/experiments"
)

// subcommandArgs are the argument prefixes of every subcommand with flags.
var subcommandArgs = [][]string{{"toy"}, {"reverse"}, {"threebody"}, {"gradcheck"}, {"info"}, {"data"}, {"bench", "mlp"}, {"bench", "conv"}, {"bench", "threebody"}, {"bench", "classify"}, {"classify"}, {"classify", "report"}, {"latent"}}

// -h printed some defaults twice: "(default: a new folder …) (default "")".
func TestHelpDefaultsOnce(t *testing.T) {
	flagLine := regexp.MustCompile(`^  --[a-z0-9-]+ `)
	for _, sub := range subcommandArgs {
		code, _, errOut := runArgs(append(sub, "-h")...)
		if code != 0 {
			t.Errorf("%v -h: status %d", sub, code)
		}
		lines := strings.Split(errOut, "\n")
		flags := 0
		for i, l := range lines {
			if !flagLine.MatchString(l) {
				continue
			}
			flags++
			if strings.HasSuffix(l, " value") {
				t.Errorf("%v: %q has no type", sub, l)
			}
			if i+1 >= len(lines) || strings.Count(lines[i+1], "(default") != 1 {
				t.Errorf("%v: %s: want exactly one default: %q", sub, l, lines[min(i+1, len(lines)-1)])
			}
		}
		if flags < 2 {
			t.Errorf("%v -h lists %d flags", sub, flags)
		}
	}
}

// --seed accepted 18446744073709551615 but --seeds refused it; --seeds
// 1,1 ran one seed twice and reported the spread of identical runs.
func TestSeeds(t *testing.T) {
	got, err := parseSeeds("0, 18446744073709551615,7")
	if err != nil || len(got) != 3 || got[0] != 0 || got[1] != math.MaxUint64 || got[2] != 7 {
		t.Errorf("parseSeeds: %v %v", got, err)
	}
	for _, bad := range []string{"1,1", "18446744073709551616", "-1", "1.5", "", "1,,2", "2,1,2", "0x10", "1e3"} {
		if s, err := parseSeeds(bad); err == nil {
			t.Errorf("parseSeeds(%q) = %v, no error", bad, s)
		}
	}
	var v seedValue
	if err := v.Set("18446744073709551615"); err != nil || uint64(v) != math.MaxUint64 || v.String() != "18446744073709551615" {
		t.Errorf("seedValue: %v %v", v, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"threebody", "--seeds", "1,1"}, "repeats seed 1"},
		{[]string{"threebody", "--seeds", "3,18446744073709551615,3"}, "repeats seed 3"},
		{[]string{"threebody", "--seeds", "18446744073709551616"}, "--seeds"},
		{[]string{"threebody", "--seed", "18446744073709551616"}, "-seed"},
		{[]string{"toy", "--seed", "-1"}, "-seed"},
		{[]string{"gradcheck", "--seed", "1.5"}, "-seed"},
	} {
		code, _, errOut := runArgs(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, %q; want 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
	// The largest seed is accepted by both flags (the run stops at --out).
	for _, args := range [][]string{
		{"threebody", "--seeds", "18446744073709551615", "--out", "/dev/null/x"},
		{"threebody", "--seed", "18446744073709551615", "--quick", "--out", "/dev/null/x"},
	} {
		if code, _, errOut := runArgs(args...); code != 2 || !strings.Contains(errOut, "--out") {
			t.Errorf("%v: status %d, %q; want a refusal of --out only", args, code, errOut)
		}
	}
}

// The Table 5 summary showed "± 0" for one seed.
func TestThreeBodyTableSpread(t *testing.T) {
	one := threeBodyTable([]experiments.ThreeBodySummary{{Model: "ODE", Method: "aca", Runs: 1, TestMean: 1.5e-4}}, 1, false)
	if strings.Contains(one, "±") || !strings.Contains(one, "1.50e-04") {
		t.Errorf("one seed:\n%s", one)
	}
	two := threeBodyTable([]experiments.ThreeBodySummary{{Model: "ODE", Method: "aca", Runs: 2, TestMean: 1.5e-4, TestStd: 2e-5}}, 2, false)
	if !strings.Contains(two, "1.50e-04 ± 2.00e-05") {
		t.Errorf("two seeds:\n%s", two)
	}
}
