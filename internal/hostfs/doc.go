// Package hostfs reads the scanned host's files through a root prefix.
//
// Every collector reads host paths ("/etc/os-release") through a Root, so the
// same code scans the running system ("/"), a mounted image, a container's
// view of the host (/host) or a fixture tree under testdata/. Symlinks inside
// a non-live root resolve against that root, never against the scanning
// machine's "/": an absolute link /etc/os-release -> /usr/lib/os-release in an
// image at /mnt reads /mnt/usr/lib/os-release. Reads are capped (DefaultLimit)
// so a corrupt or hostile file cannot exhaust memory.
package hostfs
