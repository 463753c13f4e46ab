#!/bin/sh
# samecode.sh REV compares the machine code of internal/vec's assembly
# functions in the working tree with that at git revision REV (default
# HEAD): it builds the package's test binary both ways, disassembles every
# function defined in a .s file and fails, naming them, if any differs in a
# byte. Identical machine code means identical results, so this is how a
# change to a generator that should not change the kernels (a refactoring,
# a new helper) is checked. New or removed functions are reported too.
#
#	internal/vec/asm/samecode.sh a1ddb24
set -eu
rev=${1:-HEAD}
cd "$(dirname "$0")/../../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# internal/vec imports only the standard library: its files and go.mod are
# all the old build needs.
mkdir "$tmp/old"
git archive "$rev" go.mod internal/vec | tar -x -C "$tmp/old"
(cd "$tmp/old" && GOFLAGS=-mod=mod go test -c -o "$tmp/old.test" ./internal/vec)
go test -c -o "$tmp/new.test" ./internal/vec
# One line per function: its name and the bytes of its instructions.
dump() {
	go tool objdump -s 'internal/vec\.' "$1" | awk '
		/^TEXT / { name = ""; if ($3 ~ /_amd64\.s$/) { name = $2; fn[name] = "" } next }
		name != "" && NF >= 3 { fn[name] = fn[name] " " $3 }
		END { for (n in fn) print n fn[n] }' | sort
}
dump "$tmp/old.test" >"$tmp/old.txt"
dump "$tmp/new.test" >"$tmp/new.txt"
if diff "$tmp/old.txt" "$tmp/new.txt" >/dev/null; then
	echo "samecode.sh: $(wc -l <"$tmp/new.txt") assembly functions, machine code identical to $rev"
	exit 0
fi
echo "samecode.sh: machine code differs from $rev in:" >&2
diff "$tmp/old.txt" "$tmp/new.txt" | awk '/^[<>]/ { print "  " $1, $2 }' | sort -k2 -u >&2
exit 1
