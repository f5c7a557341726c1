package packages

import "testing"

// TestAptError: the line that explains an apt failure, from real outputs
// of apt 2.6 (Debian 12) under Dir=<root>. apt (not apt-get) starts its
// stderr with the stable-CLI warning, which used to be all the report
// showed.
func TestAptError(t *testing.T) {
	t.Parallel()
	const warning = "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n"
	for _, tt := range []struct {
		name, stderr, stdout, want string
	}{
		{"malformed sources.list", warning +
			"E: Malformed entry 1 in list file /r/etc/apt/sources.list (Suite)\nE: The list of sources could not be read.\n", "",
			"E: Malformed entry 1 in list file /r/etc/apt/sources.list (Suite)"},
		{"unreadable status", warning +
			"E: Could not open file /r/var/lib/dpkg/status - open (13: Permission denied)\nE: Problem opening /r/var/lib/dpkg/status\n" +
			"E: The package lists or status file could not be parsed or opened.\n", "",
			"E: Could not open file /r/var/lib/dpkg/status - open (13: Permission denied)"},
		{"W: before E:", warning +
			"W: You may want to run apt-get update to correct these problems\nE: The package cache file is corrupted\n", "",
			"E: The package cache file is corrupted"},
		{"apt-get, no warning", "E: Unable to parse package file /r/status (1)\nW: You may want to run apt-get update to correct these problems\nE: The package cache file is corrupted\n",
			"Reading package lists...\n", "E: Unable to parse package file /r/status (1)"},
		{"only W:", warning + "W: Unable to read /r/etc/apt/preferences.d/ - DirectoryExists (2: No such file or directory)\n", "Listing...\n",
			"W: Unable to read /r/etc/apt/preferences.d/ - DirectoryExists (2: No such file or directory)"},
		{"only the warning", warning, "Listing...\n", "Listing..."},
		{"nothing", "", "", "no output"},
		{"unmet dependencies on stdout's side", "E: Unmet dependencies. Try 'apt --fix-broken install' with no packages (or specify a solution).\n",
			"Reading package lists...\nBuilding dependency tree...\n", "E: Unmet dependencies. Try 'apt --fix-broken install' with no packages (or specify a solution)."},
	} {
		if got := aptError([]byte(tt.stderr), []byte(tt.stdout)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
