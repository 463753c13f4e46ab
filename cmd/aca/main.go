// Command aca trains and measures neural ordinary differential equations
// with accurate gradients: the adaptive checkpoint adjoint (ACA) of Zhuang et
// al. (ICML 2020) beside naive backpropagation and the adjoint method.
//
// Usage:
//
//	aca <subcommand> [flags]
//
// Subcommands:
//
//	bench      time the workloads the peers are timed on: mlp, conv, threebody, classify
//	classify   image classification: NODE18 (ACA, adjoint, naive) vs ResNet18 (Fig. 7, Tables 2-3)
//	data       check the image data sets: counts, shapes, classes
//	gradcheck  check every differentiable operation against finite differences
//	info       print the build: version, BLAS backend, threads
//	latent     latent ODE on irregularly sampled series: RNN, GRU, latent ODE (Table 4)
//	reverse    reverse-time reconstruction error of the adjoint (Fig. 4-5)
//	threebody  learn three-body dynamics: ODE, NODE and LSTMs (Table 5)
//	toy        gradient errors on dz/dt = kz against the exact ones (Fig. 6)
//
// Every subcommand documents its flags with -h. With --json a subcommand
// prints one JSON object per result line on stdout; non-finite numbers are
// the strings "NaN", "Inf" and "-Inf" there and in every file written. Bad
// flags or values exit with status 2 and a message naming the flag. The
// experiment subcommands (bench, toy, reverse, threebody, classify,
// latent) write
// results.jsonl and metrics.json, then their plots, into --out DIR, by
// default a new folder under runs/ (named on stderr with --json); they
// show a progress bar on stderr when it is a terminal (--quiet: never).
// SIGINT and SIGTERM stop a run at a safe point: the finished results stay
// with a STOPPED note (or no folder, if nothing finished), and the exit
// status is 130 or 143.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/acaode/aca/internal/jsonx"
)

// version is the release this build belongs to.
const version = "0.1.0-dev"

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"bench", "time the workloads the peers are timed on: mlp, conv, threebody, classify", runBench},
		{"classify", "image classification: NODE18 (ACA, adjoint, naive) vs ResNet18 (Fig. 7, Tables 2-3)", runClassify},
		{"data", "check the image data sets: counts, shapes, classes", runData},
		{"gradcheck", "check every differentiable operation against finite differences", runGradcheck},
		{"info", "print the build: version, BLAS backend, threads", runInfo},
		{"latent", "latent ODE on irregularly sampled series: RNN, GRU, latent ODE (Table 4)", runLatent},
		{"reverse", "reverse-time reconstruction error of the adjoint (Fig. 4-5)", runReverse},
		{"threebody", "learn three-body dynamics: ODE, NODE and LSTMs (Table 5)", runThreeBody},
		{"toy", "gradient errors on dz/dt = kz against the exact ones (Fig. 6)", runToy},
	}
}

func main() {
	// See gc.go: a high GC percent for small heaps, the default for large
	// ones; GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		tuneGC()
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status: 0 for success,
// 1 for a failed check or run, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "aca: unknown subcommand %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "aca %s: neural ODEs with accurate gradients (naive, adjoint, ACA)\n\n", version)
	fmt.Fprintln(w, "Usage: aca <subcommand> [flags]")
	fmt.Fprintln(w, "\nSubcommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'aca <subcommand> -h' for its flags.")
}

// newFlags returns a flag set for a subcommand that reports errors instead of
// exiting, with a usage message listing every flag and its default.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("aca "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aca %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		printFlags(stderr, fs)
	}
	return fs
}

// printFlags documents every flag with its type and default, once: a flag
// whose usage already says "(default …)" (a default that depends on other
// flags) gets no second one. (The flag package's PrintDefaults leaves out
// zero defaults; users want to see them.)
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		switch f.Value.(type) {
		case *seedValue:
			kind = "uint64"
		}
		if kind == "" {
			kind = "bool"
		}
		def := f.DefValue
		if def == "" {
			def = `""`
		}
		if strings.Contains(usage, "(default") {
			fmt.Fprintf(w, "  --%s %s\n      %s\n", f.Name, kind, usage)
			return
		}
		fmt.Fprintf(w, "  --%s %s\n      %s (default %s)\n", f.Name, kind, usage, def)
	})
}

// parse parses args and returns the exit status to use if parsing ended the
// run (-h: 0; a bad flag: 2), or -1 to continue.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2
	}
	return -1
}

// validateOnly, when true (tests set it), makes every subcommand return 0
// right after its flags are parsed and validated, before any work: the
// flag fuzz test drives the parsers alone.
var validateOnly bool

// onlyValidate reports whether the subcommand should stop after
// validation (see validateOnly).
func onlyValidate() bool { return validateOnly }

// usageError reports a bad flag value, naming the flag, and returns 2.
func usageError(stderr io.Writer, cmd, flagName, format string, a ...any) int {
	fmt.Fprintf(stderr, "aca %s: --%s %s\n", cmd, flagName, fmt.Sprintf(format, a...))
	return 2
}

// emitJSON writes v as one line of JSON, non-finite floats as the strings
// "NaN", "Inf" and "-Inf" (see jsonx.Marshal).
func emitJSON(w io.Writer, v any) error {
	b, err := jsonx.Marshal(v, false)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// table writes rows as left-aligned columns.
func table(w io.Writer, header []string, rows [][]string) {
	width := make([]int, len(header))
	for i, h := range header {
		width[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}
