//go:build unix && !linux

package hostfs

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// rootFlags opens the root directory; dirFlags each directory the walk
// goes through. Without O_PATH a directory is opened for reading, which an
// unprivileged scan cannot do on a directory it may only search (mode
// 0711): such a path gives a permission error.
const (
	rootFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	dirFlags  = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
)

// locateOpenat2 is Linux's; elsewhere the walk resolves every path.
func locateOpenat2(int, string, bool) (loc, bool, error) { return loc{}, false, nil }

// readDir calls fn with each entry of the directory f, of unknown type
// (the listing stats it through the descriptor), until fn returns false.
func readDir(f *os.File, _ int, fn func(name string, typ fs.FileMode, known bool) bool) error {
	for {
		names, err := f.Readdirnames(512)
		for _, n := range names {
			if !fn(n, 0, false) {
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
