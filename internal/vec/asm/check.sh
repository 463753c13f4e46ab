#!/bin/sh
# check.sh regenerates internal/vec's generated assembly with avo and
# compares it with the committed files: it fails, printing the difference,
# if a generator and its file disagree. Run it from anywhere:
#
#	internal/vec/asm/check.sh
#
# To update a file after changing its generator, run from this directory
#
#	go run . elem ../elem_amd64.s   (gemm, vec likewise)
#
# and then the vec tests (go test ./internal/vec/ and with -tags purego).
# A change to a generator that should leave the kernels alone is checked
# with samecode.sh, which compares the machine code with a git revision's.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for name in elem gemm vec; do
	go run . "$name" "$tmp/${name}_amd64.s"
	if ! diff -u "../${name}_amd64.s" "$tmp/${name}_amd64.s"; then
		echo "check.sh: ${name}_amd64.s differs from what its generator writes" >&2
		status=1
	fi
done
exit $status
