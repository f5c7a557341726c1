//go:build linux

package webapps

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSymlinkSwapDuringWalk: a site directory inside a docroot is swapped
// (RENAME_EXCHANGE) with a symlink to a WordPress outside the root while
// the collector walks; the outside site is never reported. Outcomes are
// counted over many scans, never timed.
func TestSymlinkSwapDuringWalk(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	doc := filepath.Join(dir, "var/www/html")
	writeWP(t, filepath.Join(doc, "blog"), "6.0.0", 0)
	outside := filepath.Join(base, "outside")
	writeWP(t, outside, "9.9.9", 0)
	link := filepath.Join(doc, "link")
	must(t, os.Symlink(outside, link))
	blog := filepath.Join(doc, "blog")
	if err := unix.Renameat2(unix.AT_FDCWD, blog, unix.AT_FDCWD, link, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("RENAME_EXCHANGE unsupported here: %v", err)
	}
	must(t, unix.Renameat2(unix.AT_FDCWD, blog, unix.AT_FDCWD, link, unix.RENAME_EXCHANGE))

	c := newCollector(t, dir, Options{})
	var quit atomic.Bool
	var swaps int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !quit.Load() {
			if unix.Renameat2(unix.AT_FDCWD, blog, unix.AT_FDCWD, link, unix.RENAME_EXCHANGE) == nil {
				swaps++
			}
		}
	}()
	const scans = 1500
	escaped, found := 0, 0
	for range scans {
		res, err := c.Collect(context.Background())
		must(t, err)
		for _, comp := range res.Components {
			switch comp.Version {
			case "9.9.9":
				escaped++
			case "6.0.0":
				found++
			}
		}
	}
	quit.Store(true)
	wg.Wait()
	if escaped != 0 {
		t.Errorf("%d of %d scans reported the site outside the root (%d swaps)", escaped, scans, swaps)
	}
	if found == 0 || swaps == 0 {
		t.Errorf("the race did not happen: the inside site found %d times, %d swaps", found, swaps)
	}
}
