package ode

import (
	"fmt"
	"strconv"
)

// OptionError reports an invalid option or argument, found before any work
// is done.
type OptionError struct {
	// Field names the option or argument ("rtol", "times", "y0", …).
	Field string
	// Msg says what is wrong with it.
	Msg string
}

func (e *OptionError) Error() string { return "ode: invalid " + e.Field + ": " + e.Msg }

// StepSizeError reports that the step size became too small to make
// progress: t+h rounds to t, or |h| fell below Options.MinStep.
type StepSizeError struct {
	// T is the time the solve had reached and H the step size it would have
	// needed to take.
	T, H float64
	// MinStep is the configured lower bound (0 when the step underflowed
	// the floating-point resolution of t).
	MinStep float64
	fixed   bool
}

func (e *StepSizeError) Error() string {
	if e.MinStep > 0 {
		return fmt.Sprintf("ode: step size %.3g fell below MinStep %.3g at t = %.17g", e.H, e.MinStep, e.T)
	}
	why := "the error control kept shrinking the step: the problem may be stiff or singular here, or the tolerances tighter than float64 can meet (an atol of 0 with a state at 0 is one such)"
	if e.fixed {
		why = "the fixed step is finer than the floating-point resolution of t"
	}
	return fmt.Sprintf("ode: step size underflow at t = %.17g (h = %.3g): t + h rounds to t; %s", e.T, e.H, why)
}

// StepLimitError reports that the solve used Options.MaxSteps step attempts
// (accepted and rejected) before reaching the last output time.
type StepLimitError struct {
	// T and H are the time and step size when the limit was reached.
	T, H float64
	// Limit is the step limit, and End the time the solve was heading for.
	Limit int
	End   float64
	fixed bool
}

func (e *StepLimitError) Error() string {
	if e.fixed {
		return fmt.Sprintf("ode: a fixed step of %.3g from t = %.17g to %.17g needs more than MaxSteps = %d steps; raise MaxSteps or the step", e.H, e.T, e.End, e.Limit)
	}
	return fmt.Sprintf("ode: step limit %d reached at t = %.17g (h = %.3g) before t = %.17g; raise MaxSteps or loosen the tolerances", e.Limit, e.T, e.H, e.End)
}

// NonFiniteError reports a NaN or infinity in the state or in the
// derivative.
type NonFiniteError struct {
	// T and H are the start and size of the step in which it appeared.
	T, H float64
	// What says where: "derivative at the initial state", "state", …
	What string
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("ode: non-finite %s at t = %.17g (h = %.3g)", e.What, e.T, e.H)
}

func quote(s string) string { return strconv.Quote(s) }
