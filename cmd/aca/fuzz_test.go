package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/tensor"
)

// flagSpec is one flag of a subcommand, read from its -h.
type flagSpec struct{ name, kind string }

// subcommandFlags reads every subcommand's flags from its -h output, so
// that a flag added later is fuzzed too.
func subcommandFlags(t testing.TB) map[string][]flagSpec {
	t.Helper()
	line := regexp.MustCompile(`(?m)^  --([a-z0-9-]+) (\w+)$`)
	out := map[string][]flagSpec{}
	for _, sub := range subcommandArgs {
		_, _, help := runArgs(append(sub, "-h")...)
		key := strings.Join(sub, " ")
		for _, m := range line.FindAllStringSubmatch(help, -1) {
			out[key] = append(out[key], flagSpec{m[1], m[2]})
		}
		if len(out[key]) == 0 {
			t.Fatalf("%s -h lists no flags", key)
		}
	}
	return out
}

// fuzzValues are values that have broken parsers: extremes, non-finite
// numbers, empty and malformed lists and ranges.
var fuzzValues = []string{
	"", "0", "1", "-1", "2", "3", "-0", "1.5", "1e-300", "1e300", "-1e300", "NaN", "nan", "Inf", "-Inf", "+Inf",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615", "18446744073709551616",
	"100000000000", "4294967296", "2147483648", "0x10", "1_000", "true", "false", "t", "yes",
	",", "1,", ",1", "1,,2", "1,1", "1:3", "3:1", "1:", ":", "-5:5", "1:100000", "1:100001", "0:9223372036854775807",
	"naive", "adjoint", "aca", "all", "aca,aca", "magic", "dopri5", "rk4", "euler", "tsit5",
	"1.2,1.1,0.9", "1,2", "1,-2,3", "0,0,0", "1e308,1e308,1e308", "/dev/null/x", "/nonexistent", "é", "\x00", " 1 ", "1e-7,1e-5", "1e-6,1e-8",
}

// runChecked runs args with validation only and reports a panic, a stack
// trace or an exit status other than 0 and 2.
func runChecked(t testing.TB, args []string) int {
	t.Helper()
	defer tensor.SetThreads(0)
	var code int
	var errOut string
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("aca %q panicked: %v", args, r)
			}
		}()
		code, _, errOut = runArgs(args...)
	}()
	if code != 0 && code != 2 {
		t.Errorf("aca %q: status %d; want 0 or 2\n%s", args, code, errOut)
	}
	if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
		t.Errorf("aca %q: a stack trace:\n%s", args, errOut)
	}
	return code
}

// randomArgs draws a command line: a subcommand and up to five of its
// flags with values from fuzzValues or random numbers.
func randomArgs(r *rand.Rand, flags map[string][]flagSpec, subs []string) []string {
	sub := subs[r.IntN(len(subs))]
	args := strings.Fields(sub)
	for range r.IntN(6) {
		f := flags[sub][r.IntN(len(flags[sub]))]
		var v string
		switch r.IntN(4) {
		case 0:
			v = fmt.Sprint(r.Int64() >> r.IntN(64) * int64(1-2*r.IntN(2)))
		case 1:
			v = fmt.Sprint(r.NormFloat64() * float64(int64(1)<<r.IntN(60)))
		default:
			v = fuzzValues[r.IntN(len(fuzzValues))]
		}
		if f.kind == "bool" && r.IntN(2) == 0 {
			args = append(args, "--"+f.name)
			continue
		}
		args = append(args, "--"+f.name+"="+v)
	}
	if r.IntN(20) == 0 {
		args = append(args, "stray")
	}
	return args
}

// Every subcommand's parser, driven with random flag values, exits 0 or 2
// and never panics. Runs stop right after validation (validateOnly), so
// this takes a fraction of a second.
func TestFlagsRandom(t *testing.T) {
	validateOnly = true
	defer func() { validateOnly = false }()
	flags := subcommandFlags(t)
	var subs []string
	for s := range flags {
		subs = append(subs, s)
	}
	slices.Sort(subs)
	r := rand.New(rand.NewPCG(16, 2026))
	n := 3000
	if testing.Short() {
		n = 300
	}
	ok := map[string]int{}
	for range n {
		args := randomArgs(r, flags, subs)
		if runChecked(t, args) == 0 {
			ok[args[0]]++
		}
	}
	// The draw must reach the work, not only the flag errors: some
	// command lines of each subcommand are valid.
	for _, sub := range []string{"toy", "reverse", "threebody", "gradcheck", "info", "data", "bench"} {
		if ok[sub] == 0 {
			t.Errorf("no random %s command line was valid", sub)
		}
	}
	t.Logf("valid command lines: %v of %d", ok, n)
	// Every value on every flag, one at a time.
	for _, sub := range subs {
		for _, f := range flags[sub] {
			for _, v := range fuzzValues {
				runChecked(t, append(strings.Fields(sub), "--"+f.name+"="+v))
			}
		}
	}
}

// FuzzFlags is the same property under Go's fuzzer: go test -fuzz
// FuzzFlags ./cmd/aca. The input picks a subcommand and holds its
// arguments separated by newlines.
func FuzzFlags(f *testing.F) {
	for _, seed := range []string{
		"toy\n--k=1\n--T=354", "toy\n--T=1:9223372036854775807", "bench mlp\n--iters=9223372036854775807",
		"info\n--threads=100000000000", "reverse\n--points=100000000", "threebody\n--seeds=1,1",
		"threebody\n--seed=18446744073709551615", "gradcheck\n--op=,", "data\n--mnist=", "bench conv\n--warmup=-1",
	} {
		f.Add(seed)
	}
	validateOnly = true
	flags := subcommandFlags(f)
	f.Fuzz(func(t *testing.T, in string) {
		validateOnly = true
		sub, rest, _ := strings.Cut(in, "\n")
		if _, ok := flags[sub]; !ok {
			return
		}
		args := strings.Fields(sub)
		if rest != "" {
			args = append(args, strings.Split(rest, "\n")...)
		}
		runChecked(t, args)
	})
}
