package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/demarc/demarc/report"
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
// s (header and separator rows left out), trimmed, the first cell without
// its backticks.
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
			cells = append(cells, strings.TrimSpace(c))
		}
		if len(cells) > 0 {
			cells[0] = strings.Trim(cells[0], "`")
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

// TestReadmeScanFlagsMatchHelp: the README's `demarc scan` synopsis and
// flag table name exactly the flags cobra knows (what --help prints), and
// every list of accepted values in them is the list the code accepts, which
// the flag's help names too.
func TestReadmeScanFlagsMatchHelp(t *testing.T) {
	section := between(t, readRepoFile(t, "README.md"), "## `demarc scan`", "Exit status:")
	synopsis := between(t, section, "```\n", "```")
	cmd := newScanCmd(&globals{})
	local := map[string]string{} // flag → its help
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			local[f.Name] = f.Usage
		}
	})
	choices := map[string][]string{
		"tier":                            strs(report.Tiers),
		"format":                          strs(report.Formats),
		"fail-on":                         strs(report.Severities),
		"maintenance-agreement":           {"true", "false"},
		"customer-managed-virtualisation": {"true", "false"},
	}

	inSynopsis := map[string]bool{}
	for _, m := range regexp.MustCompile(`\[--([a-z-]+)[ =]?([^\]]*)\]`).FindAllStringSubmatch(synopsis, -1) {
		name, value := m[1], m[2]
		inSynopsis[name] = true
		if _, ok := local[name]; !ok {
			t.Errorf("README synopsis: --%s is not a flag of demarc scan", name)
		}
		if !strings.Contains(value, "|") {
			if _, ok := choices[name]; ok {
				t.Errorf("README synopsis: --%s %s does not list its values %v", name, value, choices[name])
			}
			continue
		}
		if got := strings.Split(value, "|"); !slices.Equal(got, choices[name]) {
			t.Errorf("README synopsis: --%s lists %v; demarc scan accepts %v", name, got, choices[name])
		}
	}
	inTable := map[string]bool{}
	for _, r := range tableRows(section) {
		name := strings.TrimPrefix(r[0], "--")
		inTable[name] = true
		if _, ok := local[name]; !ok && cmd.InheritedFlags().Lookup(name) == nil && name != "log-level" {
			t.Errorf("README flag table: --%s is not a flag of demarc scan", name)
		}
		if vals, ok := choices[name]; ok && !slices.Contains(vals, "true") {
			for _, v := range vals {
				if !strings.Contains(r[1], "`"+v+"`") {
					t.Errorf("README flag table: --%s does not name the value %s", name, v)
				}
			}
		}
	}
	for name, usage := range local {
		if !inSynopsis[name] {
			t.Errorf("README synopsis lacks --%s", name)
		}
		if !inTable[name] {
			t.Errorf("README flag table lacks --%s", name)
		}
		if vals, ok := choices[name]; ok && !slices.Contains(vals, "true") {
			for _, v := range vals {
				if !strings.Contains(usage, v) {
					t.Errorf("--help: --%s (%q) does not name the value %s", name, usage, v)
				}
			}
		}
	}
	if !inTable["log-level"] {
		t.Error("README flag table lacks --log-level")
	}
}

// TestReadmeOtherCommandsExist: every command the README lists under
// "Other commands" is one demarc has.
func TestReadmeOtherCommandsExist(t *testing.T) {
	para := between(t, readRepoFile(t, "README.md"), "Other commands:", "\n\n")
	root := newRoot(&globals{})
	root.InitDefaultCompletionCmd() // cobra adds it when the command runs
	n := 0
	for _, m := range regexp.MustCompile("`demarc ([a-z]+)(?: ([a-z|]+))?").FindAllStringSubmatch(para, -1) {
		n++
		sub, _, err := root.Find([]string{m[1]})
		if err != nil || sub == root {
			t.Errorf("README names `demarc %s`, which is not a command", m[1])
			continue
		}
		if m[2] == "" || !sub.HasSubCommands() {
			continue
		}
		for _, s := range strings.Split(m[2], "|") {
			if c, _, err := sub.Find([]string{s}); err != nil || c == sub {
				t.Errorf("README names `demarc %s %s`, which is not a command", m[1], s)
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d commands in README's list: the pattern is broken", n)
	}
}

func strs[S ~string](vals []S) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// TestInstallFromSourceMatchesPackaging: docs/INSTALL.md's install from
// source does what the packages do: every packaging/ file it installs
// exists, each is installed where the package definition puts it, and its
// users and directories are created exactly as the Debian postinst scripts
// create them.
func TestInstallFromSourceMatchesPackaging(t *testing.T) {
	section := between(t, readRepoFile(t, "docs/INSTALL.md"), "## From source", "### Packages")
	var postinst, nfpm string
	for _, f := range []string{"demarc.postinst", "demarc-server.postinst"} {
		postinst += oneLine(readRepoFile(t, "packaging/scripts/deb/"+f)) + "\n"
	}
	for _, f := range []string{"demarc.yaml", "demarc-server.yaml"} {
		nfpm += readRepoFile(t, "packaging/nfpm/"+f)
	}
	// The unit is the admin's copy in /etc; the package's is in /usr/lib.
	packaged := map[string]string{"/etc/systemd/system/": "/usr/lib/systemd/system/"}
	installs, creates := 0, 0
	for _, line := range strings.Split(oneLine(section), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "# ")
		f := strings.Fields(line)
		switch {
		case len(f) > 2 && f[0] == "install" && f[1] != "-d" && strings.HasPrefix(f[len(f)-2], "packaging/"):
			installs++
			src, dst := f[len(f)-2], f[len(f)-1]
			readRepoFile(t, src)
			for from, to := range packaged {
				dst = strings.Replace(dst, from, to, 1)
			}
			if !strings.Contains(nfpm, "src: "+src+"\n    dst: "+dst+"\n") {
				t.Errorf("INSTALL.md installs %s as %s; packaging/nfpm puts it elsewhere", src, dst)
			}
		case len(f) > 2 && f[0] == "install" && f[1] == "-d" && strings.Contains(line, "/var/lib/"),
			len(f) > 0 && f[0] == "useradd":
			creates++
			if !strings.Contains(postinst, line) {
				t.Errorf("INSTALL.md: %q is not what the packages' postinst does", line)
			}
		}
	}
	if installs < 6 || creates < 5 {
		t.Fatalf("found %d installed files and %d users or directories: the section changed shape", installs, creates)
	}
}

// oneLine joins shell continuation lines and collapses runs of blanks, so
// that commands compare whatever their line breaks and indentation.
func oneLine(s string) string {
	s = regexp.MustCompile(`\\\n\s*`).ReplaceAllString(s, " ")
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(s, " ")
}
