package scan_test

import (
	"context"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/collectors/all"
	"github.com/demarc/demarc/config"
	"github.com/demarc/demarc/internal/execx"
	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/report"
	"github.com/demarc/demarc/rules"
	"github.com/demarc/demarc/scan"
)

// TestSourcesDeclareWhatIsRead runs each collector alone on every fixture
// host with a root that records every path it is asked about and a runner
// that records every command, and fails for a path or a command the
// collector's Sources() does not declare: `demarc collectors` and the
// docs built from Sources cannot drift from what the code reads.
func TestSourcesDeclareWhatIsRead(t *testing.T) {
	t.Parallel()
	eng, err := rules.NewEngine(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, hc := range hostCases(t) {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			root := hc.prepareRoot(t)
			for _, name := range all.Names() {
				log := &hostfs.AccessLog{}
				o := hc.options(t, root, report.TierManaged, eng)
				o.Root = o.Root.Record(log)
				var src collectors.Sources
				o = scan.WithCollectors(o, func(d collectors.Deps, c config.CollectorsConfig) []collectors.Collector {
					for _, col := range all.New(d, scan.CollectorOptions(c)) {
						if col.Name() == name {
							src = col.Sources()
							return []collectors.Collector{col}
						}
					}
					t.Fatalf("no collector %s", name)
					return nil
				})
				if _, err := scan.Run(context.Background(), o); err != nil {
					t.Fatal(err)
				}
				files := declaredFiles(src.Files)
				for _, p := range log.Paths() {
					if !coveredPath(files, p) {
						t.Errorf("%s read %s, which its Sources().Files does not declare (%q)", name, p, src.Files)
					}
				}
				for _, call := range o.Runner.(*execx.Fake).Calls() {
					if !coveredCommand(src.Commands, files, call) {
						t.Errorf("%s ran %q, which its Sources().Commands does not declare (%q)", name, call, src.Commands)
					}
				}
			}
		})
	}
}

// annotation is the explanation a declared file or command may carry after
// it: "/var/lib/rpm (through rpm)".
var annotation = regexp.MustCompile(`\s+\(.*\)$`)

// declaredFiles turns declared files into path patterns: annotations cut,
// {a,b} alternatives expanded; free-text entries ("package database …")
// are dropped, they declare no path.
func declaredFiles(files []string) []string {
	var out []string
	for _, f := range files {
		f = annotation.ReplaceAllString(f, "")
		if !strings.HasPrefix(f, "/") {
			continue
		}
		out = append(out, expandBraces(f)...)
	}
	return out
}

// expandBraces expands the first {a,b,…} group of p, recursively.
func expandBraces(p string) []string {
	i := strings.IndexByte(p, '{')
	j := strings.IndexByte(p, '}')
	if i < 0 || j < i {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:j], ",") {
		out = append(out, expandBraces(p[:i]+alt+p[j+1:])...)
	}
	return out
}

// coveredPath reports whether the host path (or glob pattern) p is a
// declared file, matches a declared pattern, or lies below one (a declared
// directory covers what it holds).
func coveredPath(patterns []string, p string) bool {
	for _, d := range patterns {
		if d == p || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
		// Match p and each of its parents: "/proc/kcare/x" is below a
		// declared "/proc/*".
		for q := p; q != "/" && q != "."; q = path.Dir(q) {
			if ok, _ := path.Match(d, q); ok {
				return true
			}
		}
	}
	return false
}

// coveredCommand reports whether a command run (argv joined by spaces) is
// declared: its program is the first word of a declared command, by name
// or path, or a declared placeholder ("<php> -v") stands for a program
// the collector declares as a file.
func coveredCommand(commands, files []string, call string) bool {
	prog := strings.Fields(call)[0]
	for _, c := range commands {
		first := strings.Fields(c)[0]
		switch {
		case first == prog, path.Base(first) == path.Base(prog):
			return true
		case strings.HasPrefix(first, "<") && coveredPath(files, prog):
			return true
		}
	}
	return false
}
