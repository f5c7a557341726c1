// Package hostfs reads the scanned host's files through a root prefix.
//
// Every collector reads host paths ("/etc/os-release") through a Root, so the
// same code scans the running system ("/"), a mounted image, a container's
// view of the host (/host) or a fixture tree under testdata/. Symlinks inside
// a non-live root resolve against that root, never against the scanning
// machine's "/": an absolute link /etc/os-release -> /usr/lib/os-release in an
// image at /mnt reads /mnt/usr/lib/os-release. Reads are capped (DefaultLimit)
// so a corrupt or hostile file cannot exhaust memory.
//
// # Hostile roots
//
// A mounted root may belong to someone else (a running container, a VM's
// disk) and change while it is scanned. Below a root other than "/", no
// method resolves a path string through the scanning machine's namespace:
// each opens the root directory and resolves from that descriptor. On Linux
// 5.6 and later the kernel does it, with openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS); where openat2 is missing (ENOSYS) or filtered
// (EPERM from seccomp), and on FreeBSD, a walk does the same one component
// at a time: each directory opened with O_NOFOLLOW relative to the one
// before, each symlink read with readlinkat and its target resolved by the
// walk (absolute from the root, ".." never above it). Both end at the
// directory holding the final component, and the operation (fstatat,
// openat, readlinkat) acts on that one name without following it. A
// directory swapped for a symlink during a scan therefore leads at most
// elsewhere inside the root. The live root "/" needs none of this and is
// read with plain system calls.
//
// Only regular files are read. Open, ReadFile and ReadHead lstat the final
// component first and refuse a FIFO, socket or device without opening it
// (ErrNotRegular); the open that follows is O_NONBLOCK and checked again
// with fstat, so a file swapped for a FIFO in between cannot block the scan
// either. procfs and sysfs files are regular files and read whole, whatever
// size they report.
//
// Resolve returns a path string for display and for external commands; it
// is the one thing here that a later open re-resolves.
package hostfs
