// Package fsafe holds the agent's file trust checks and atomic writes,
// shared by the spool (reports sent with the agent's credential) and the
// credential state (the host key): what the agent reads must be its own,
// and what it writes must hold all of the data or none of it.
//
// A trusted owner is this process's user or root. A trusted directory is
// a directory of a trusted owner that group and others may not write to.
// A trusted file is a regular file, opened without following a symlink
// or blocking on a FIFO. Writes go through a temporary file in the same
// directory, fsync, rename and an fsync of the directory.
package fsafe
