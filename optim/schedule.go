package optim

import (
	"fmt"
	"math"
	"slices"
)

// Schedule gives the learning rate for an epoch, counted from 0: the rate
// PyTorch's scheduler of the same name holds after epoch calls to its step
// method. A schedule is a pure function of the epoch, so it has no state
// to checkpoint. It panics for a negative epoch.
type Schedule func(epoch int) float64

// Apply sets o's learning rate to s(epoch); call it at the start of each
// epoch.
func (s Schedule) Apply(o Optimizer, epoch int) { o.SetLR(s(epoch)) }

func checkEpoch(name string, epoch int) {
	if epoch < 0 {
		panic(fmt.Sprintf("optim: %s: negative epoch %d", name, epoch))
	}
}

func checkBase(name string, base float64) error {
	if !(base >= 0) || math.IsInf(base, 1) {
		return fmt.Errorf("optim: %s: invalid base learning rate %v", name, base)
	}
	return nil
}

// StepLR returns base·gamma^⌊epoch/stepSize⌋: decay by gamma every stepSize
// epochs.
func StepLR(base float64, stepSize int, gamma float64) (Schedule, error) {
	if err := checkBase("StepLR", base); err != nil {
		return nil, err
	}
	if stepSize <= 0 || !(gamma >= 0) {
		return nil, fmt.Errorf("optim: StepLR: step size %d must be positive and gamma %v not negative", stepSize, gamma)
	}
	return func(epoch int) float64 {
		checkEpoch("StepLR", epoch)
		return base * math.Pow(gamma, float64(epoch/stepSize))
	}, nil
}

// MultiStepLR returns base·gamma^k, k the number of milestones at or before
// epoch: decay by gamma at each milestone (milestones must increase
// strictly).
func MultiStepLR(base float64, milestones []int, gamma float64) (Schedule, error) {
	if err := checkBase("MultiStepLR", base); err != nil {
		return nil, err
	}
	if !(gamma >= 0) {
		return nil, fmt.Errorf("optim: MultiStepLR: negative gamma %v", gamma)
	}
	for i, m := range milestones {
		if m < 0 || (i > 0 && m <= milestones[i-1]) {
			return nil, fmt.Errorf("optim: MultiStepLR: milestones %v must be non-negative and strictly increasing", milestones)
		}
	}
	ms := slices.Clone(milestones)
	return func(epoch int) float64 {
		checkEpoch("MultiStepLR", epoch)
		k, _ := slices.BinarySearch(ms, epoch+1) // milestones ≤ epoch
		return base * math.Pow(gamma, float64(k))
	}, nil
}

// PaperLR returns the schedule of the paper's image classification
// experiments: base, multiplied by 0.1 at epochs 30 and 60.
func PaperLR(base float64) (Schedule, error) { return MultiStepLR(base, []int{30, 60}, 0.1) }

// CosineLR returns minLR + (base−minLR)·(1 + cos(π·epoch/tMax))/2: cosine
// annealing from base at epoch 0 to minLR at epoch tMax (Loshchilov and
// Hutter 2017, without restarts). Past tMax the rate follows the cosine back
// up, as PyTorch's CosineAnnealingLR does; stop at tMax or use a larger one.
func CosineLR(base, minLR float64, tMax int) (Schedule, error) {
	if err := checkBase("CosineLR", base); err != nil {
		return nil, err
	}
	if tMax <= 0 || !(minLR >= 0) || minLR > base {
		return nil, fmt.Errorf("optim: CosineLR: tMax %d must be positive and the final rate %v in [0, base %v]", tMax, minLR, base)
	}
	return func(epoch int) float64 {
		checkEpoch("CosineLR", epoch)
		return minLR + (base-minLR)*(1+math.Cos(math.Pi*float64(epoch)/float64(tMax)))/2
	}, nil
}
