package fsafe

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// TmpPrefix starts the name of every temporary file WriteAtomic makes; a
// crash may leave one, never a partial file under the final name.
const TmpPrefix = ".tmp-"

// File is what WriteAtomic writes through (tests inject failing ones).
type File interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
}

// CreateTemp is os.CreateTemp as a File: mode 0600.
func CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }

// WriteAtomic writes data to dir/name so that the name holds either
// nothing or all of data, even across a crash or power loss: a temporary
// file made by create (mode 0600; nil means CreateTemp), fsync, rename,
// fsync of the directory. chown, when not nil, runs on the temporary file
// before the rename (root giving the file to the agent's user). On
// failure the temporary file is removed. An error from the directory
// fsync means the file is complete and in place but the rename may not
// survive a power loss.
func WriteAtomic(create func(dir, pattern string) (File, error), dir, name string, data []byte, chown func(path string) error) (err error) {
	if create == nil {
		create = CreateTemp
	}
	f, err := create(dir, TmpPrefix+name+"-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if chown != nil {
		if err = chown(tmp); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory, so that renames and removals in it survive
// a power loss.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
