module github.com/acaode/aca

go 1.26.0

require (
	golang.org/x/image v0.48.0
	gonum.org/v1/gonum v0.17.0
)
