//go:build unix && !linux

package hostfs

import "golang.org/x/sys/unix"

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
