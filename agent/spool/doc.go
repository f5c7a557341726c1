// Package spool keeps the reports the agent could not deliver yet, one
// file per report in a directory (by default /var/lib/demarc/spool).
//
// Files are named "<sequence>-<report_id>.json": the sequence is the write
// time in nanoseconds, forced to grow, so name order is age order and the
// agent drains oldest first. The report_id inside never changes, so a
// report sent twice (a crash between the server's answer and the removal)
// is stored once by the server, which dedupes on it.
//
// Writes are atomic: temporary file (".tmp-…", never listed), fsync,
// rename, fsync of the directory. A crash leaves either the whole report
// or a temporary file that Recover removes. A file that still does not
// parse as the report its name says (disk corruption, a hand edit) is
// ErrCorrupt: the agent moves it to corrupt/ and never sends it. Reports
// the server refused go to rejected/ beside a ".reason" file. The spool
// holds at most max_reports pending reports; Put drops the oldest and
// returns them so the agent can count and report the loss.
package spool
