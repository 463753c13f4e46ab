package readme

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// knownImports maps the package names README snippets use to their import
// paths; the wrapper imports those a snippet names.
var knownImports = map[string]string{
	"autograd": "github.com/acaode/aca/autograd",
	"tensor":   "github.com/acaode/aca/tensor",
	"ode":      "github.com/acaode/aca/ode",
	"nn":       "github.com/acaode/aca/nn",
	"optim":    "github.com/acaode/aca/optim",
	"data":     "github.com/acaode/aca/data",
	"train":    "github.com/acaode/aca/train",
	"fmt":      "fmt",
	"errors":   "errors",
	"log":      "log",
	"os":       "os",
}

// snippets returns the ```go blocks of the README.
func snippets(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, part := range strings.Split(string(b), "```go\n")[1:] {
		code, _, ok := strings.Cut(part, "\n```")
		if !ok {
			t.Fatalf("an unterminated go block: %.80q", part)
		}
		out = append(out, code)
	}
	return out
}

var (
	importBlock = regexp.MustCompile(`(?s)^import \(.*?\)\n`)
	pkgUse      = regexp.MustCompile(`\b([a-z]+)\.[A-Z]`)
)

// wrap makes snippet i a Go file of package main with the least wrapping:
// its import block (if any) is replaced by the imports it uses; a snippet
// of declarations stays at file level, one of statements becomes the body
// of func snippetI() error (so that `return err` reads as in the user's
// own function), with a final `return nil` unless it ends in a return.
func wrap(i int, code string) string {
	code = importBlock.ReplaceAllString(code, "")
	var imports []string
	for _, m := range pkgUse.FindAllStringSubmatch(code, -1) {
		if p, ok := knownImports[m[1]]; ok && !slices.Contains(imports, p) {
			imports = append(imports, p)
		}
	}
	slices.Sort(imports)
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, p := range imports {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
	trimmed := strings.TrimSpace(code)
	if strings.HasPrefix(trimmed, "func ") || strings.HasPrefix(trimmed, "// ") && strings.Contains(trimmed, "\nfunc ") {
		b.WriteString(code + "\n")
		return b.String()
	}
	fmt.Fprintf(&b, "func snippet%d() error {\n%s\n", i, code)
	lines := strings.Split(trimmed, "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "return ") {
		b.WriteString("return nil\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// Every Go snippet of README.md compiles (go vet: type checks and the
// vet checks) once wrapped. A snippet that stops compiling, or that drops
// an error on the floor in a way vet sees, fails here.
func TestREADMESnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	sn := snippets(t)
	if len(sn) < 4 {
		t.Fatalf("found %d go snippets; the README has at least 4", len(sn))
	}
	// Snippets handle errors as the user's code should: no result thrown
	// away with a blank identifier (`ds, _ := …` panicked with a nil
	// dereference when the data set was missing).
	discard := regexp.MustCompile(`,\s*_\s*:?=`)
	for i, code := range sn {
		if m := discard.FindString(code); m != "" {
			t.Errorf("README snippet %d discards a result (%q)", i+1, m)
		}
	}
	// A directory inside the module (so that its imports resolve), which
	// ./... patterns skip because its name starts with a dot.
	dir, err := os.MkdirTemp(".", ".snippets-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var names []string
	for i, code := range sn {
		name := fmt.Sprintf("snippet%d.go", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(wrap(i, code)), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	main := "package main\n\nfunc main() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	// One file at a time, so that a failure names its snippet.
	for i, name := range names {
		cmd := exec.Command("go", "vet", filepath.Join(dir, name), filepath.Join(dir, "main.go"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README snippet %d does not compile: %v\n%s\n--- wrapped as:\n%s", i+1, err, out, wrap(i, sn[i]))
		}
	}
}

// The wrapper itself: a broken snippet must fail.
func TestWrapBrokenSnippetFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	dir, err := os.MkdirTemp(".", ".snippets-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i, code := range []string{
		"ds, _ := data.LoadFashionMNIST(data.DefaultFashionMNISTDir, true)\nfmt.Println(ds.Len())\nx := 1", // x unused
		"sol, err := ode.NoSuchFunction()\n_ = sol\nreturn err",
	} {
		p := filepath.Join(dir, fmt.Sprintf("bad%d.go", i))
		if err := os.WriteFile(p, []byte(wrap(i, code)+"\nfunc main() {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("go", "vet", p).CombinedOutput(); err == nil {
			t.Errorf("broken snippet %d compiled:\n%s", i, out)
		}
	}
}
