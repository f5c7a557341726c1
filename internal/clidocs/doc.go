// Package clidocs writes the documentation that packages ship for a cobra
// command tree: one gzip-compressed man page per command (section 1) and
// bash, zsh and fish completion scripts, all generated from the command
// definitions so that they cannot drift from the program.
//
// The output is reproducible: the man page date is the one passed in
// (packaging uses the last commit's time, SOURCE_DATE_EPOCH), gzip headers
// carry no name and no time, and files are written in a fixed order.
//
// The binaries reach it only through a hidden "gendocs" command compiled in
// with the gendocs build tag (packaging/build.sh), so the shipped programs
// do not carry the man page renderer.
package clidocs
