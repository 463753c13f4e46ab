package optim_test

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

func TestSchedules(t *testing.T) {
	must := func(s optim.Schedule, err error) optim.Schedule {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	paper := must(optim.PaperLR(0.1))
	step := must(optim.StepLR(1, 10, 0.5))
	multi := must(optim.MultiStepLR(2, []int{0, 3}, 0.1))
	cos := must(optim.CosineLR(0.1, 0.001, 100))
	cases := []struct {
		name  string
		s     optim.Schedule
		epoch int
		want  float64
	}{
		{"paper 0", paper, 0, 0.1},
		{"paper 29", paper, 29, 0.1},
		{"paper 30", paper, 30, 0.1 * 0.1},
		{"paper 59", paper, 59, 0.1 * 0.1},
		{"paper 60", paper, 60, 0.1 * 0.1 * 0.1},
		{"paper 89", paper, 89, 0.1 * 0.1 * 0.1},
		{"step 9", step, 9, 1},
		{"step 10", step, 10, 0.5},
		{"step 25", step, 25, 0.25},
		{"multi milestone at 0", multi, 0, 0.2},
		{"multi 2", multi, 2, 0.2},
		{"multi 3", multi, 3, 0.02},
		{"cosine 0", cos, 0, 0.1},
		{"cosine 50", cos, 50, 0.001 + 0.099/2},
		{"cosine 100", cos, 100, 0.001},
		{"cosine 150 (back up, as PyTorch)", cos, 150, 0.001 + 0.099/2},
	}
	for _, c := range cases {
		if got := c.s(c.epoch); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	p := autograd.Leaf(tensor.Ones(tensor.Float32, 1))
	o, _ := optim.NewSGD([]*autograd.Value{p}, optim.SGDConfig{LR: 1})
	paper.Apply(o, 45)
	if o.LR() != paper(45) {
		t.Errorf("Apply set lr %v, want %v", o.LR(), paper(45))
	}
}

func TestScheduleErrors(t *testing.T) {
	errOf := func(_ optim.Schedule, err error) error { return err }
	cases := []struct {
		name string
		err  error
	}{
		{"step size 0", errOf(optim.StepLR(1, 0, 0.1))},
		{"negative base", errOf(optim.StepLR(-1, 1, 0.1))},
		{"milestones not increasing", errOf(optim.MultiStepLR(1, []int{30, 30}, 0.1))},
		{"negative gamma", errOf(optim.MultiStepLR(1, []int{30}, -0.1))},
		{"cosine tMax 0", errOf(optim.CosineLR(1, 0, 0))},
		{"cosine min above base", errOf(optim.CosineLR(1, 2, 10))},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
