package webapps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/demarc/demarc/internal/collectortest"
)

const wpFile = "<?php\n/**\n * @global string $wp_version\n */\n$wp_version = '%s';\n\n$wp_local_package = 'en_GB';\n"

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeWP puts a WordPress version file (plus padding bytes) in dir.
func writeWP(t testing.TB, dir, version string, padding int) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(dir, "wp-includes"), 0o755))
	b := append([]byte(fmt.Sprintf(wpFile, version)), bytes.Repeat([]byte("/* pad */\n"), padding/10)...)
	must(t, os.WriteFile(filepath.Join(dir, "wp-includes/version.php"), b, 0o644))
}

// genAccounts builds n cPanel-style accounts under root: each docroot has
// a WordPress site, an images directory and an addon-domain directory.
func genAccounts(t testing.TB, root string, n int) {
	t.Helper()
	for i := range n {
		doc := filepath.Join(root, "home", fmt.Sprintf("user%05d", i), "public_html")
		writeWP(t, doc, "6.6.2", 0)
		must(t, os.MkdirAll(filepath.Join(doc, "wp-content/uploads/2024/05"), 0o755))
		must(t, os.MkdirAll(filepath.Join(doc, "images"), 0o755))
		must(t, os.MkdirAll(filepath.Join(doc, "addon.example/cache"), 0o755))
	}
}

// TestHugeDirectory: a docroot holding a directory of 100,000 entries is
// examined within the per-directory bound, with a note, and the site
// beside it is still found.
func TestHugeDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100,000 files")
	}
	t.Parallel()
	dir := t.TempDir()
	doc := filepath.Join(dir, "var/www/html")
	writeWP(t, doc, "6.6.2", 0)
	big := filepath.Join(doc, "uploads")
	must(t, os.MkdirAll(big, 0o755))
	// Hard links to a few files: 100,000 directory entries without
	// 100,000 inodes, the cheapest way to make them (ext4 allows 65,000
	// links to one inode).
	var orig string
	for i := range 100000 {
		if i%50000 == 0 {
			orig = filepath.Join(dir, fmt.Sprintf("orig%d.jpg", i))
			must(t, os.WriteFile(orig, nil, 0o644))
		}
		must(t, os.Link(orig, filepath.Join(big, fmt.Sprintf("img%06d.jpg", i))))
	}
	res, w, err := newCollector(t, dir, Options{}).run(context.Background())
	must(t, err)
	if w.capped != 1 || w.cappedExample != "/var/www/html/uploads" || len(res.Components) != 1 || len(res.Notes) != 1 {
		t.Fatalf("capped %d (%s), components %+v, notes %q", w.capped, w.cappedExample, res.Components, res.Notes)
	}
}

func TestMaxSites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 30)
	res, w, err := newCollector(t, dir, Options{MaxSites: 10}).run(context.Background())
	must(t, err)
	if len(res.Components) != 10 || w.cut != boundMaxSites || w.cutDepth != 0 || w.docrootsDone != 10 || len(res.Notes) != 1 {
		t.Fatalf("components %d, cut %q at depth %d after %d docroots, notes %q", len(res.Components), w.cut, w.cutDepth, w.docrootsDone, res.Notes)
	}
}

// TestTimeBudget uses a clock that advances one second per reading: the
// 5 s budget runs out after a few directories, deterministically.
func TestTimeBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 20)
	c := newCollector(t, dir, Options{Timeout: 5 * time.Second})
	var ticks atomic.Int64
	c.deps.Now = func() time.Time { return collectortest.Now.Add(time.Duration(ticks.Add(1)) * time.Second) }
	res, w, err := c.run(context.Background())
	must(t, err)
	if w.cut != boundTime || w.dirs == 0 || w.dirs >= 20 || len(res.Components) != w.dirs || len(res.Notes) != 1 {
		t.Fatalf("cut %q after %d dirs, %d components, notes %q", w.cut, w.dirs, len(res.Components), res.Notes)
	}
}

// TestDepthScope: the walk goes breadth first to max depth and no deeper,
// and a deep tree is scope, not a cut.
func TestDepthScope(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	doc := filepath.Join(dir, "var/www/html")
	for d := 1; d <= 6; d++ {
		writeWP(t, filepath.Join(doc, strings.Repeat("sub/", d)), fmt.Sprintf("6.%d.0", d), 0)
	}
	res, w, err := newCollector(t, dir, Options{MaxDepth: 2}).run(context.Background())
	must(t, err)
	if len(res.Components) != 2 || w.cut != boundNone || len(res.Notes) != 0 {
		t.Fatalf("components %+v, cut %q, notes %q", res.Components, w.cut, res.Notes)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := newCollector(t, dir, Options{}).Collect(ctx)
	if !errors.Is(err, context.Canceled) || len(res.Components) != 0 {
		t.Fatalf("got %v, %+v", err, res.Components)
	}
}

// TestContextDeadlineShortensBudget: an already-expired deadline leaves no
// budget; the walk stops at once with a note and no error.
func TestContextDeadlineShortensBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 3)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	c := newCollector(t, dir, Options{})
	c.deps.Now = time.Now
	res, w, err := c.run(ctx)
	if err != nil || w.cut == boundNone || len(res.Notes) != 1 {
		t.Fatalf("err %v, cut %q, notes %q", err, w.cut, res.Notes)
	}
}

// TestLargeAndSpecialMarkers: a version.php over 1 MiB is read by its head
// only; a FIFO in its place is refused without blocking.
func TestLargeAndSpecialMarkers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeWP(t, filepath.Join(dir, "home/big/public_html"), "6.6.2", 2<<20)
	fifo := filepath.Join(dir, "home/fifo/public_html/wp-includes")
	must(t, os.MkdirAll(fifo, 0o755))
	must(t, syscall.Mkfifo(filepath.Join(fifo, "version.php"), 0o644))
	res, err := newCollector(t, dir, Options{}).Collect(context.Background())
	must(t, err)
	if len(res.Components) != 1 || res.Components[0].Version != "6.6.2" || len(res.Notes) != 1 {
		t.Fatalf("components %+v, notes %q", res.Components, res.Notes)
	}
}

// TestUnlistableDocroot needs a non-root user: root reads everything.
func TestUnlistableDocroot(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions deny nothing")
	}
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 2)
	locked := filepath.Join(dir, "home/user00001/public_html")
	must(t, os.Chmod(locked, 0))
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	res, w, err := newCollector(t, dir, Options{}).run(context.Background())
	must(t, err)
	if w.unlisted != 1 || len(res.Components) != 1 || len(res.Notes) != 1 {
		t.Fatalf("unlisted %d, components %+v, notes %q", w.unlisted, res.Components, res.Notes)
	}
}

func TestOverlappingRoots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genAccounts(t, dir, 2)
	cfg := Options{Roots: []string{"/home/*/public_html", "/home/user00000/public_html", "/home/*/public_html/"}}
	res, err := newCollector(t, dir, cfg).Collect(context.Background())
	must(t, err)
	if len(res.Components) != 2 {
		t.Fatalf("sites counted twice: %+v", res.Components)
	}
}

// BenchmarkWalk5000 walks a generated server of 5,000 accounts.
func BenchmarkWalk5000(b *testing.B) {
	dir := b.TempDir()
	genAccounts(b, dir, 5000)
	c := newCollector(b, dir, Options{MaxSites: 10000})
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Collect(context.Background())
		if err != nil || len(res.Components) != 5000 || len(res.Notes) != 0 {
			b.Fatalf("%v: %d sites, notes %q", err, len(res.Components), res.Notes)
		}
	}
}
