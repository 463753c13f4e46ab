// Command odedemorun runs a given number of ode_demo training iterations
// (experiments.ODEDemo at rtol 1e-7, atol 1e-9) and exits: a fixed
// workload for counting instructions, which unlike wall-clock time does
// not depend on what else the machine is doing:
//
//	go build -o /tmp/odedemorun ./cmd/odedemorun
//	GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no /tmp/odedemorun naive 100
//
// The count for 0 iterations is the set-up (the ground-truth solve);
// (count(100) − count(0))/100 is the cost of one iteration.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/ode"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: odedemorun naive|adjoint|aca ITERATIONS")
		os.Exit(2)
	}
	m, err := ode.ParseGradient(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "odedemorun:", err)
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "odedemorun: ITERATIONS %q is not a count\n", os.Args[2])
		os.Exit(2)
	}
	d, err := experiments.NewODEDemo(1, m, 1e-7, 1e-9)
	if err != nil {
		fmt.Fprintln(os.Stderr, "odedemorun:", err)
		os.Exit(1)
	}
	for i := 0; i < n; i++ {
		if _, err := d.Step(); err != nil {
			fmt.Fprintln(os.Stderr, "odedemorun:", err)
			os.Exit(1)
		}
	}
}
