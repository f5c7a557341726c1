// Package version holds the program version, stamped at build time with
// -ldflags "-X github.com/demarc/demarc/internal/version.Version=v1.2.3",
// falling back to the module version or VCS revision Go records.
package version

import "runtime/debug"

// Version is set by the linker; empty means "ask the build info".
var Version = ""

// String returns the version: the stamped one, else the module version, else
// "devel+<short revision>", else "devel".
func String() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel+" + rev
}
