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
//
// Trust: what is in the spool is sent with the agent's token, so only the
// agent's own files are. The spool directory and every directory in it
// must be owned by the process's user (or root) and not writable by group
// or others. A missing spool directory is made 0700. Recover (the agent's
// start and reload) sets a too-open directory of the agent's own to 0700
// and reports it; the agent logs that once. Tightening rather than refusing:
// only the agent's user or root could have opened it, the agent may fix
// its own directory, and whatever another user placed there meanwhile is
// caught file by file below. A directory another user owns, or a symlink
// where rejected/ or corrupt/ should be, is an *UntrustedError: Recover,
// Put and TryLock refuse the spool (the agent then holds reports in
// memory and says so). Load reads only regular files, opened without
// following symlinks or blocking on a FIFO, owned by the process's user,
// root or the spool directory's owner; anything else is ErrUntrusted and
// the agent moves it to corrupt/, never sending it.
package spool
