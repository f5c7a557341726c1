package config

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// identity is the user and group the agent runs as.
type identity struct{ uid, gid int }

// agentIdentity is whom the agent runs as: this process's effective user
// and group; but when root checks (`demarc config check` run by an
// admin) and the spool directory belongs to another user, that user and
// its group, the spool's owner being the agent (packages run it as
// demarc:demarc and make /var/lib/demarc/spool theirs).
func agentIdentity(spoolDir string) identity {
	id := identity{uid: os.Geteuid(), gid: os.Getegid()}
	if id.uid != 0 {
		return id
	}
	if fi, err := os.Stat(spoolDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
			return identity{uid: int(st.Uid), gid: int(st.Gid)}
		}
	}
	return id
}

// checkSecret judges who may read or change a credential file (what names
// it: "token", "client key"). Readable or writable by every local user is
// an error: whoever read it can post reports as this host, whoever
// changed it can send this host's reports to their own tenant; chmod alone
// does not undo a leak, so the message says to issue a new one. A group
// other than the agent's (or root's) with read or write access, and an
// owner other than the agent's user or root, are warnings naming the fix.
func checkSecret(path, what string, id identity) (warnings []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil // ReadToken or LoadX509KeyPair has said why
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, nil
	}
	perm, uid, gid := fi.Mode().Perm(), int(st.Uid), int(st.Gid)
	if perm&0o006 != 0 {
		return nil, fmt.Errorf("%s is mode %04o: every local user can read or change the %s, so take it as leaked: "+
			"chmod 0600 %s (or 0640 with the agent's group), then issue a new %s and revoke this one", path, perm, what, path, what)
	}
	if perm&0o060 != 0 && gid != id.gid && gid != 0 {
		warnings = append(warnings, fmt.Sprintf("%s is mode %04o and group %s is not the agent's: its members can read or change the %s; "+
			"chmod 0600 %s, or chgrp it to the agent's group", path, perm, groupName(gid), what, path))
	}
	if uid != id.uid && uid != 0 {
		warnings = append(warnings, fmt.Sprintf("%s is owned by %s, neither the agent's user nor root: that user can change the %s "+
			"(and so where this host's reports go); chown root %s (mode 0640 with the agent's group) or chown it to the agent's user",
			path, userName(uid), what, path))
	}
	return warnings, nil
}

// userName is "uid N (name)", or "uid N" when the name is not known.
func userName(uid int) string {
	s := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		s += " (" + u.Username + ")"
	}
	return s
}

// groupName is "gid N (name)", or "gid N".
func groupName(gid int) string {
	s := "gid " + strconv.Itoa(gid)
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		s += " (" + g.Name + ")"
	}
	return s
}
