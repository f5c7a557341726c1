package rpmdb

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/demarc/demarc/internal/hostfs"
	"github.com/demarc/demarc/internal/testtool"
)

// needTool is testtool.Need with this package's install hint.
func needTool(t testing.TB, name string) string { return testtool.Need(t, name, "rpm db5.3-util") }

func run(argv ...string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", argv, err, out)
	}
	return nil
}

// realDB is built once per test binary: one spec with 300 subpackages
// (enough rows for interior b-tree pages), one with an epoch and provides
// with versions, one with a description long enough for overflow pages,
// x86_64 and noarch, installed with the real rpm into a SQLite database.
var realDB struct {
	once sync.Once
	dir  string // the database directory
	want string // rpm -qa's answer, sorted
	err  error
}

const qf = "%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n"

func buildRealDB(t *testing.T) {
	t.Helper()
	needTool(t, "rpm")
	rpmbuild := needTool(t, "rpmbuild")
	realDB.once.Do(func() {
		realDB.err = func() error {
			dir, err := os.MkdirTemp("", "demarc-rpmdb-")
			if err != nil {
				return err
			}
			realDB.dir = filepath.Join(dir, "db")
			var spec strings.Builder
			spec.WriteString("Name: many\nVersion: 2.4\nRelease: 7.el9\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n%files\n")
			for i := range 300 {
				fmt.Fprintf(&spec, "%%package -n sub%03d\nSummary: s\n%%description -n sub%03d\ns\n%%files -n sub%03d\n", i, i, i)
			}
			long := strings.Repeat("A description long enough to overflow a SQLite page. ", 400)
			specs := map[string]string{
				"many.spec":  spec.String(),
				"epoch.spec": "Name: epochy\nEpoch: 3\nVersion: 1.2.3\nRelease: 4%{?dist}\nSummary: t\nLicense: MIT\nProvides: system-release(releasever) = 9\nProvides: plain-cap\n%description\nt\n%files\n",
				"long.spec":  "Name: longdesc\nVersion: 0.1~rc1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\n" + long + "\n%files\n",
			}
			top := filepath.Join(dir, "top")
			for name, s := range specs {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
					return err
				}
				if err := run(rpmbuild, "-bb", "--quiet", "--define", "_topdir "+top, "--define", "_build_id_links none", "--target", "x86_64", p); err != nil {
					return err
				}
			}
			rpms, _ := filepath.Glob(filepath.Join(top, "RPMS/*/*.rpm"))
			if len(rpms) < 303 {
				return fmt.Errorf("built %d rpms", len(rpms))
			}
			if err := os.MkdirAll(realDB.dir, 0o755); err != nil {
				return err
			}
			if err := run(append([]string{"rpm", "--dbpath", realDB.dir, "-i", "--justdb", "--nodeps", "--noscripts", "--notriggers", "--ignorearch"}, rpms...)...); err != nil {
				return err
			}
			out, err := exec.Command("rpm", "--dbpath", realDB.dir, "-qa", "--qf", qf).Output()
			if err != nil {
				return err
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			sort.Strings(lines)
			realDB.want = strings.Join(lines, "\n")
			return nil
		}()
	})
	if realDB.err != nil {
		t.Fatal(realDB.err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realDB.dir != "" {
		os.RemoveAll(filepath.Dir(realDB.dir))
	}
	os.Exit(code)
}

// asQuery prints headers as rpm -qa --qf qf does.
func asQuery(hs []*Header) string {
	var lines []string
	for _, h := range hs {
		epoch := "(none)"
		if h.Epoch >= 0 {
			epoch = fmt.Sprint(h.Epoch)
		}
		lines = append(lines, fmt.Sprintf("%s\t%s:%s-%s\t%s\t%s", h.Name, epoch, h.Version, h.Release, h.Arch, h.SourceRPM))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestRealSQLite reads the database the real rpm wrote and must agree
// with rpm -qa on every package.
func TestRealSQLite(t *testing.T) {
	buildRealDB(t)
	db, err := Read(slash(t), realDB.dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Backend != SQLite {
		t.Fatalf("backend %s", db.Backend)
	}
	sameLines(t, asQuery(db.Headers), realDB.want)
	for _, h := range db.Headers {
		if h.Name == "epochy" {
			if h.EVR() != "3:1.2.3-4" {
				t.Errorf("EVR %q", h.EVR())
			}
			var got []string
			for _, p := range h.Provides {
				got = append(got, p.Name+"="+p.Version)
			}
			if !strings.Contains(strings.Join(got, " "), "system-release(releasever)=9") {
				t.Errorf("provides %v", got)
			}
		}
	}
}

// TestRealBDB loads the real rpm's headers into a Berkeley DB hash file
// with the real db_load (libdb 5.3, what RHEL 7 and 8 write), keyed by
// instance number in this machine's byte order as rpm keys Packages, with
// rpm's instance-0 counter record, and reads it back.
func TestRealBDB(t *testing.T) {
	buildRealDB(t)
	dbload := needTool(t, "db5.3_load")
	db, err := Read(slash(t), realDB.dir)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := sqliteBlobs(filepath.Join(realDB.dir, "rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	dump.WriteString("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n")
	fmt.Fprintf(&dump, " 00000000\n %s\n", hex.EncodeToString([]byte{byte(len(blobs)), 0, 0, 0}))
	for i, b := range blobs {
		fmt.Fprintf(&dump, " %s\n %s\n", hex.EncodeToString([]byte{byte(i + 1), byte((i + 1) >> 8), 0, 0}), hex.EncodeToString(b))
	}
	dump.WriteString("DATA=END\n")
	dir := t.TempDir()
	cmd := exec.Command(dbload, filepath.Join(dir, "Packages"))
	cmd.Stdin = &dump
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("db_load: %v\n%s", err, out)
	}
	got, err := Read(slash(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Backend != BDB || len(got.Headers) != len(db.Headers) {
		t.Fatalf("backend %s, %d headers, want %d", got.Backend, len(got.Headers), len(db.Headers))
	}
	sameLines(t, asQuery(got.Headers), realDB.want)
}

func sqliteBlobs(p string) ([][]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ReadSQLite(f, fi.Size(), nil)
}

func sameLines(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			t.Fatalf("package %d: native %q, rpm %q (%d vs %d packages)", i, a, b, len(g), len(w))
		}
	}
}

func slash(t *testing.T) hostfs.Root {
	t.Helper()
	r, err := hostfs.New("/")
	if err != nil {
		t.Fatal(err)
	}
	return r
}
