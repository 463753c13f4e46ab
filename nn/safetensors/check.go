package safetensors

import (
	"fmt"
	"slices"
	"strings"

	"github.com/acaode/aca/tensor"
)

// Spec is the dtype and shape a tensor is expected to have. A zero DType
// matches any dtype (for a loader that converts); a nil Shape is the scalar
// shape [], like an empty one.
type Spec struct {
	DType tensor.DType
	Shape []int
}

// SpecOf returns t's dtype and shape (the shape is copied). t must not be nil.
func SpecOf(t *tensor.Tensor) Spec {
	return Spec{DType: t.DType(), Shape: slices.Clone(t.Shape())}
}

// Specs returns the Spec of every tensor of m: what a model's own tensors
// give as the want argument of Check.
func Specs(m map[string]*tensor.Tensor) map[string]Spec {
	out := make(map[string]Spec, len(m))
	for name, t := range m {
		if t != nil {
			out[name] = SpecOf(t)
		}
	}
	return out
}

// String formats s as "float32 [3 4]" ("any [3 4]" for a zero DType).
func (s Spec) String() string {
	dt := "any"
	if s.DType != 0 {
		dt = s.DType.String()
	}
	return fmt.Sprintf("%s %v", dt, shapeString(s.Shape))
}

func shapeString(s []int) string {
	if s == nil {
		s = []int{}
	}
	return fmt.Sprint(s)
}

// NamedSpec is a tensor name with a Spec.
type NamedSpec struct {
	Name string
	Spec Spec
}

// Mismatch is a tensor present on both sides of Check whose dtype or shape
// differs from the expected one.
type Mismatch struct {
	Name      string
	Want, Got Spec
}

// CheckError lists every difference Check found, each list sorted by name.
type CheckError struct {
	// Missing holds the expected tensors that are absent, with their specs.
	Missing []NamedSpec
	// Unexpected holds the tensors present but not expected, with their
	// specs (a zero Spec for a nil or invalid tensor).
	Unexpected []NamedSpec
	// Nil holds the expected tensors that are present but nil or of an
	// invalid dtype, with the expected specs.
	Nil []NamedSpec
	// Mismatched holds the tensors of the wrong dtype or shape.
	Mismatched []Mismatch
}

// Count returns the number of differences.
func (e *CheckError) Count() int {
	return len(e.Missing) + len(e.Unexpected) + len(e.Nil) + len(e.Mismatched)
}

// Error lists every difference on one line, for example
//
//	safetensors: 3 mismatches: missing "fc.bias" (float32 [10]); unexpected "fc.b" (float32 [10]); "fc.weight": shape [10 784], want [784 10]
func (e *CheckError) Error() string {
	var b strings.Builder
	n := e.Count()
	fmt.Fprintf(&b, "safetensors: %d mismatch", n)
	if n != 1 {
		b.WriteString("es")
	}
	b.WriteString(": ")
	sep := ""
	item := func(format string, args ...any) {
		b.WriteString(sep)
		fmt.Fprintf(&b, format, args...)
		sep = "; "
	}
	for _, m := range e.Missing {
		item("missing %q (%v)", m.Name, m.Spec)
	}
	for _, u := range e.Unexpected {
		if u.Spec.DType.Valid() {
			item("unexpected %q (%v)", u.Name, u.Spec)
		} else {
			item("unexpected %q", u.Name)
		}
	}
	for _, m := range e.Nil {
		item("%q is nil or invalid, want %v", m.Name, m.Spec)
	}
	for _, m := range e.Mismatched {
		var parts []string
		if m.Want.DType != 0 && m.Want.DType != m.Got.DType {
			parts = append(parts, fmt.Sprintf("dtype %v, want %v", m.Got.DType, m.Want.DType))
		}
		if !sameShape(m.Want.Shape, m.Got.Shape) {
			parts = append(parts, fmt.Sprintf("shape %v, want %v", shapeString(m.Got.Shape), shapeString(m.Want.Shape)))
		}
		item("%q: %s", m.Name, strings.Join(parts, ", "))
	}
	return b.String()
}

func sameShape(a, b []int) bool { return slices.Equal(a, b) || (len(a) == 0 && len(b) == 0) }

// Check compares loaded tensors got with the specs want — typically a
// model's, from Specs — and returns nil if they have the same names and
// every tensor has the expected dtype (unless the Spec's DType is zero) and
// shape. Otherwise it returns a *CheckError listing every difference at
// once: missing names, unexpected names, nil tensors, and dtype or shape
// mismatches with both sides.
func Check(want map[string]Spec, got map[string]*tensor.Tensor) error {
	e := &CheckError{}
	for name, w := range want {
		t, ok := got[name]
		switch {
		case !ok:
			e.Missing = append(e.Missing, NamedSpec{name, w})
		case t == nil || !t.DType().Valid():
			e.Nil = append(e.Nil, NamedSpec{name, w})
		default:
			g := SpecOf(t)
			if (w.DType != 0 && w.DType != g.DType) || !sameShape(w.Shape, g.Shape) {
				e.Mismatched = append(e.Mismatched, Mismatch{Name: name, Want: w, Got: g})
			}
		}
	}
	for name, t := range got {
		if _, ok := want[name]; !ok {
			u := NamedSpec{Name: name}
			if t != nil && t.DType().Valid() {
				u.Spec = SpecOf(t)
			}
			e.Unexpected = append(e.Unexpected, u)
		}
	}
	if e.Count() == 0 {
		return nil
	}
	byName := func(a, b NamedSpec) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(e.Missing, byName)
	slices.SortFunc(e.Unexpected, byName)
	slices.SortFunc(e.Nil, byName)
	slices.SortFunc(e.Mismatched, func(a, b Mismatch) int { return strings.Compare(a.Name, b.Name) })
	return e
}
