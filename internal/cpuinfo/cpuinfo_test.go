package cpuinfo

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\nstepping\t: 1\n\nprocessor\t: 1\ncpu family\t: 99\nmodel\t\t: 1\nmodel name\t: Other\n",
			"AMD EPYC (family 25, model 17)"},
		{"processor\t: 0\nmodel name\t: Intel(R)  Xeon(R) Platinum   8375C CPU @ 2.90GHz\n", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"},
		{"processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n", ""},
		{"", ""},
	} {
		if got := parse(strings.NewReader(c.in)); got != c.want {
			t.Errorf("parse(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestName(t *testing.T) {
	n := Name()
	if n == "" || n != Name() {
		t.Fatalf("Name() = %q, then %q", n, Name())
	}
	t.Logf("Name() = %q", n)
}
