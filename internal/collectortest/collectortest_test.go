package collectortest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/execx"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	errOwn := errors.New("own")
	extra := []Sentinel{{"pkg.ErrOwn", errOwn}}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("x: %w", errOwn), "pkg.ErrOwn"},
		{fmt.Errorf("%w: %w", collectors.ErrNotApplicable, execx.ErrNotFound), "collectors.ErrNotApplicable+execx.ErrNotFound"},
		{fmt.Errorf("%w: %w", execx.ErrTimeout, errOwn), "pkg.ErrOwn+execx.ErrTimeout"},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}, "fs.ErrPermission"},
		{errors.New("plain"), "other"},
	} {
		if got := Classify(tt.err, extra); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestDepsHooks: a case's deny file denies its paths through the root,
// and every rootfs file is dated FileTime.
func TestDepsHooks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for p, c := range map[string]string{"rootfs/etc/secret": "s", "rootfs/etc/open": "o", DenyFile: "# comment\n\n/etc/secret\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deps := Deps(t, dir)
	if _, err := deps.Root.ReadFile("/etc/secret"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("denied file: %v", err)
	}
	fi, err := deps.Root.Stat("/etc/open")
	if err != nil || !fi.ModTime().Equal(FileTime) {
		t.Errorf("open file: %v %v", fi, err)
	}
	if deps.Live != nil || deps.Now() != Now {
		t.Errorf("live %v, now %v", deps.Live, deps.Now())
	}
}
