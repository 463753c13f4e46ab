package nn

import (
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestZeroValueRecurrentPanicsClearly: a zero-value LSTM or GRU is a
// programmer error whose panic says what to do.
func TestZeroValueRecurrentPanicsClearly(t *testing.T) {
	x := autograd.Constant(tensor.Zeros(tensor.Float32, 2, 1, 3))
	for name, f := range map[string]func(){
		"LSTM": func() { (&LSTM{}).Run(nil, x, nil, nil, nil) },
		"GRU":  func() { (&GRU{}).Run(nil, x, nil, nil) },
	} {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, "New"+name) {
					t.Errorf("%s: panic %v, want one naming New%s", name, r, name)
				}
			}()
			f()
		}()
	}
}

// TestBasicBlockNilNorm: a Norm constructor returning nil is an error.
func TestBasicBlockNilNorm(t *testing.T) {
	_, err := NewBasicBlock(tensor.NewRNG(1), tensor.Float32, BasicBlockConfig{In: 2, Out: 2,
		Norm: func(tensor.DType, int) (Module, error) { return nil, nil }})
	if err == nil || !strings.Contains(err.Error(), "nil module") {
		t.Fatalf("got %v", err)
	}
}
