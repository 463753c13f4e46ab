// Package cpuinfo names the processor a figure was measured on, so that
// timings written by the command (bench results, run records) say which
// CPU they come from.
package cpuinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
)

var (
	once sync.Once
	name string
)

// Name returns the processor's model name with its family and model
// numbers where the system reports them, as "AMD EPYC (family 25, model
// 17)" (cloud machines often report only a brand, which the numbers tell
// apart: family 25 model 17 is AMD's Zen 4, family 25 model 1 Zen 3). It
// reads /proc/cpuinfo once; elsewhere, or when that file is unreadable,
// it returns the architecture alone (runtime.GOARCH).
func Name() string {
	once.Do(func() {
		name = runtime.GOARCH
		f, err := os.Open("/proc/cpuinfo")
		if err != nil {
			return
		}
		defer f.Close()
		if n := parse(f); n != "" {
			name = n
		}
	})
	return name
}

// parse reads the first processor's entry of a /proc/cpuinfo listing and
// returns its description, or "" when it has no model name.
func parse(r io.Reader) string {
	var model, family, number string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" && model != "" {
			break // the end of the first processor's entry
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model name":
			model = strings.Join(strings.Fields(val), " ")
		case "cpu family":
			family = strings.TrimSpace(val)
		case "model":
			number = strings.TrimSpace(val)
		}
	}
	switch {
	case model == "":
		return ""
	case family != "" && number != "":
		return fmt.Sprintf("%s (family %s, model %s)", model, family, number)
	}
	return model
}
