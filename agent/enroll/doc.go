// Package enroll keeps the agent's host credential in its state directory
// (state_dir, by default /var/lib/demarc) and gathers the facts a host
// enrolls with.
//
// Files, each written atomically (temporary file, fsync, rename, fsync of
// the directory) with mode 0600:
//
//	host-key         the dmh_ key reports are posted with
//	host-key.new     a key the server handed out (rotation), not yet confirmed
//	host-id          the server-assigned host id every report carries
//	enrollment.json  host_id, tenant, the SHA-256 of the secret enrolled with,
//	                 state (enrolled or revoked), enrolled_at
//
// An enrollment is complete once enrollment.json names it: it is written
// last, after host-id and host-key, and Load takes a host-id that
// disagrees with it for an enrollment cut short (State.Interrupted), which
// is redone. Rotation is one file at a time: the new key is written to
// host-key.new, renamed over host-key once the server accepted a report
// made with it, and removed if the server refuses it; Load hands out the
// pending key first, so a crash at any point costs at most one more
// request.
//
// Trust, as for the spool (package fsafe): the state directory must
// belong to the agent's user or root and not be writable by group or
// others (a missing one is made 0700); each file must be a regular file
// (never a symlink) owned by the agent's user, root or the directory's
// owner, and a key file that group or others may change, or others read,
// is refused. When root writes (`demarc agent enroll` run by an admin),
// the files are given to the directory's owner, the agent's user.
//
// Facts reads the host's name, OS release and machine identity through
// the host root with the osinfo collector (the one place that parses
// them), and the DMI product UUID.
package enroll
