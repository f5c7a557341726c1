package hostfs

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// ErrTooLarge is returned (wrapped) when a file exceeds the read limit.
var ErrTooLarge = errors.New("file exceeds read limit")

// ErrNotRegular is returned (wrapped) when a file to read is a directory,
// FIFO, socket or device: opening a FIFO for reading waits for a writer, a
// device may never end. Such a file is refused before it is opened for
// reading. For a directory the error also matches syscall.EISDIR.
var ErrNotRegular = errors.New("not a regular file")

// ErrLoop is returned (wrapped) when resolving a path meets too many
// symlinks. The error also matches syscall.ELOOP.
var ErrLoop = errors.New("too many levels of symbolic links")

// loopError is ErrLoop that also matches syscall.ELOOP.
type loopError struct{}

func (loopError) Error() string { return ErrLoop.Error() }

func (loopError) Is(target error) bool { return target == ErrLoop || target == syscall.ELOOP }

// notRegularError is ErrNotRegular naming what the file is instead.
type notRegularError struct{ mode fs.FileMode }

func (e notRegularError) Error() string {
	return fmt.Sprintf("%s (%s)", ErrNotRegular, kind(e.mode))
}

func (e notRegularError) Is(target error) bool {
	return target == ErrNotRegular || target == syscall.EISDIR && e.mode.IsDir()
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "irregular file"
}
