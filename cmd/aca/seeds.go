package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// parseSeed is the one parser of a seed, for --seed and each value of
// --seeds: a decimal integer in [0, 2^64 − 1].
func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a seed (an integer from 0 to 18446744073709551615)", s)
	}
	return v, nil
}

// parseSeeds parses a comma-separated list of distinct seeds.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, part := range strings.Split(s, ",") {
		v, err := parseSeed(part)
		if err != nil {
			return nil, err
		}
		if seen[v] {
			return nil, fmt.Errorf("repeats seed %d; runs of one seed are identical, so each seed may appear once", v)
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("is empty")
	}
	return out, nil
}

// seedValue is a --seed flag parsed by parseSeed.
type seedValue uint64

func (s *seedValue) String() string { return strconv.FormatUint(uint64(*s), 10) }

func (s *seedValue) Set(v string) error {
	x, err := parseSeed(v)
	if err != nil {
		return err
	}
	*s = seedValue(x)
	return nil
}

// seedFlag defines a --seed flag with the default def.
func seedFlag(fs *flag.FlagSet, name string, def uint64, usage string) *uint64 {
	p := new(uint64)
	*p = def
	fs.Var((*seedValue)(p), name, usage)
	return p
}
