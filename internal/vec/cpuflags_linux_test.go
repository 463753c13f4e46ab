//go:build linux && amd64 && !purego

package vec

import (
	"os"
	"strings"
	"testing"
)

// TestCPUFlags checks the kernels' CPU detection against the flags Linux
// reports in /proc/cpuinfo: the AVX2+FMA kernels where avx2 and fma are
// listed, the AVX-512 ones where avx512f is too, so that a wrong CPUID bit
// neither leaves the AVX-512 kernels untested here nor selects them on a
// CPU without them.
func TestCPUFlags(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip(err)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	if len(flags) == 0 {
		t.Skip("no flags line in /proc/cpuinfo")
	}
	wantAsm := flags["avx2"] && flags["fma"] && flags["avx"]
	if haveAsm != wantAsm {
		t.Errorf("haveAsm = %v, /proc/cpuinfo has avx %v avx2 %v fma %v", haveAsm, flags["avx"], flags["avx2"], flags["fma"])
	}
	if want := wantAsm && flags["avx512f"]; have512 != want {
		t.Errorf("have512 = %v, /proc/cpuinfo has avx512f %v", have512, flags["avx512f"])
	}
	t.Logf("haveAsm %v, have512 %v", haveAsm, have512)
}
