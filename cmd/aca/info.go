package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/internal/cpuinfo"
	"github.com/acaode/aca/tensor"
)

// infoResult is aca info's JSON object.
type infoResult struct {
	Version    string   `json:"version"`
	Revision   string   `json:"revision,omitempty"`
	Go         string   `json:"go"`
	OS         string   `json:"os"`
	Arch       string   `json:"arch"`
	CPU        string   `json:"cpu"`
	CPUs       int      `json:"cpus"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	Threads    int      `json:"threads"`
	BLAS       string   `json:"blas"`
	SIMD       string   `json:"simd"`
	DTypes     []string `json:"dtypes"`
	Ops        int      `json:"ops"`
}

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("info", "Print what this build of aca is and what it runs on.", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	threads := fs.Int("threads", 0, "worker threads for kernels (0: GOMAXPROCS)")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	if err := tensor.SetThreads(*threads); err != nil {
		return usageError(stderr, "info", "threads", "must be 0 (automatic) or 1 to %d, got %d", tensor.MaxThreads, *threads)
	}
	if onlyValidate() {
		return 0
	}
	r := infoResult{
		Version: version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPU: cpuinfo.Name(), CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Threads: tensor.Threads(),
		BLAS: tensor.BLAS(), SIMD: tensor.SIMD(), DTypes: []string{tensor.Float32.String(), tensor.Float64.String()},
		Ops: len(autograd.Ops()),
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				r.Revision = s.Value
			}
		}
	}
	if *asJSON {
		if err := emitJSON(stdout, r); err != nil {
			fmt.Fprintf(stderr, "aca info: %v\n", err)
			return 1
		}
		return 0
	}
	rows := [][]string{
		{"version", r.Version}, {"go", r.Go}, {"platform", r.OS + "/" + r.Arch},
		{"cpu", r.CPU}, {"cpus", fmt.Sprint(r.CPUs)}, {"threads", fmt.Sprint(r.Threads)},
		{"blas", r.BLAS}, {"simd", r.SIMD}, {"dtypes", "float32, float64"}, {"operations", fmt.Sprint(r.Ops)},
	}
	if r.Revision != "" {
		rows = append(rows, []string{"revision", r.Revision})
	}
	table(stdout, []string{"FIELD", "VALUE"}, rows)
	return 0
}
