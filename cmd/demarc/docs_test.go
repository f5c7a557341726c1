package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readRepoFile reads a file by its path from the repository's root.
func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// between returns the text of doc between the lines holding start and end.
func between(t *testing.T, doc, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, start)
	if !ok {
		t.Fatalf("no %q", start)
	}
	body, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("no %q after %q", end, start)
	}
	return body
}

// tableRows returns the cells of each body row of the Markdown tables in
// s (header and separator rows left out), trimmed, backticks removed.
func tableRows(s string) [][]string {
	var rows [][]string
	header := true
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			header = true
			continue
		}
		if header || strings.HasPrefix(line, "| ---") {
			header = false
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), " | ") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
		}
		rows = append(rows, cells)
	}
	return rows
}

// TestDesignMatrixMatchesRulesShow: the responsibility matrix in
// docs/DESIGN.md is the one `demarc rules show` prints, layer by layer,
// cell by cell, in the same order.
func TestDesignMatrixMatchesRulesShow(t *testing.T) {
	out, errOut, code := runDemarc(t, "rules", "show")
	if code != 0 {
		t.Fatalf("rules show: exit %d: %s", code, errOut)
	}
	_, table, ok := strings.Cut(out, "\nResponsibility matrix:")
	if !ok {
		t.Fatalf("rules show printed no matrix:\n%s", out)
	}
	var shown [][]string // layer, managed, iaas, colocation
	cols := regexp.MustCompile(`\s{2,}`)
	for _, line := range strings.Split(table, "\n")[1:] {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "LAYER") {
			continue
		}
		shown = append(shown, cols.Split(line, -1))
	}
	var documented [][]string
	for _, r := range tableRows(between(t, readRepoFile(t, "docs/DESIGN.md"), "<!-- matrix:start -->", "<!-- matrix:end -->")) {
		if len(r) != 5 {
			t.Fatalf("DESIGN.md matrix row %q: want 5 cells (layer, what, managed, iaas, colocation)", r)
		}
		documented = append(documented, []string{r[0], r[2], r[3], r[4]})
	}
	if len(shown) != 13 {
		t.Fatalf("parsed %d layers from rules show, want 13:\n%s", len(shown), table)
	}
	if !slices.EqualFunc(shown, documented, slices.Equal) {
		t.Errorf("docs/DESIGN.md's matrix differs from `demarc rules show`:\nrules show:\n%s\nDESIGN.md:\n%s",
			joinRows(shown), joinRows(documented))
	}
}

func joinRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + strings.Join(r, " | ") + "\n")
	}
	return b.String()
}

// TestNoDanglingDesignLinks: the documents and code comments that send the
// reader to the design point at docs/DESIGN.md, which exists.
func TestNoDanglingDesignLinks(t *testing.T) {
	readRepoFile(t, "docs/DESIGN.md")
	bare := regexp.MustCompile(`(^|[^/A-Za-z])DESIGN\.md`)
	for _, f := range []string{"README.md", "report/enums.go", "cmd/demarc/root.go"} {
		for i, line := range strings.Split(readRepoFile(t, f), "\n") {
			if bare.MatchString(line) {
				t.Errorf("%s:%d: names DESIGN.md without its folder (docs/DESIGN.md): %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestDocsNameRealUnits: every systemd unit the documents tell the reader
// to reload, restart, enable or read the journal of is one the packages
// ship (packaging/systemd).
func TestDocsNameRealUnits(t *testing.T) {
	units, err := filepath.Glob(filepath.Join("..", "..", "packaging", "systemd", "*.service"))
	if err != nil || len(units) == 0 {
		t.Fatalf("no units in packaging/systemd: %v", err)
	}
	known := map[string]bool{"postgresql": true} // the one unit named that is not ours
	for _, u := range units {
		known[strings.TrimSuffix(filepath.Base(u), ".service")] = true
	}
	docs, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	docs = append(docs, filepath.Join("..", "..", "README.md"), filepath.Join("..", "..", "packaging", "README.md"))
	ref := regexp.MustCompile(`(?:systemctl(?: --[a-z=-]+)* (?:reload|restart|try-restart|start|stop|status|enable|disable|edit|kill)|journalctl -u|systemd-analyze security)(?: --[a-z=-]+)* ([A-Za-z0-9_.@][A-Za-z0-9_.@-]*)`)
	seen := 0
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range ref.FindAllStringSubmatch(line, -1) {
				seen++
				if name := strings.TrimSuffix(m[1], ".service"); !known[name] {
					t.Errorf("%s:%d: %q names unit %s, which packaging/systemd does not ship", filepath.Base(d), i+1, m[0], m[1])
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no unit named in the documents: the pattern is broken")
	}
}
