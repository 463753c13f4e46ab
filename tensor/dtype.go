package tensor

import "fmt"

// DType is the element type of a tensor.
type DType uint8

const (
	// Float32 is IEEE-754 single precision.
	Float32 DType = iota + 1
	// Float64 is IEEE-754 double precision.
	Float64
)

// String returns "float32" or "float64".
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size is the number of bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Float64:
		return 8
	}
	panic(fmt.Sprintf("tensor: invalid %v", d))
}

// Valid reports whether d is Float32 or Float64.
func (d DType) Valid() bool { return d == Float32 || d == Float64 }

// ParseDType parses "float32" or "float64" (also "f32", "f64").
func ParseDType(s string) (DType, error) {
	switch s {
	case "float32", "f32":
		return Float32, nil
	case "float64", "f64":
		return Float64, nil
	}
	return 0, fmt.Errorf("tensor: unknown dtype %q (want float32 or float64)", s)
}

// float is the set of element types kernels are generic over.
type float interface{ ~float32 | ~float64 }
