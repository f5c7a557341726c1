package osinfo

import (
	"path"
	"slices"
	"strings"

	"github.com/demarc/demarc/collectors"
	"github.com/demarc/demarc/internal/hostfs"
)

// aptListsGlob finds the release files apt has fetched, one per source
// and suite, named after the source's URI and suite
// (esm.ubuntu.com_infra_ubuntu_dists_bionic-infra-security_InRelease).
const aptListsGlob = "/var/lib/apt/lists/*_InRelease"

// channels are the extended-support channels told by the list files of
// their repositories. Ubuntu Pro's ESM repositories answer only an
// attached machine (their credentials are written on attach), so a
// fetched index means the channel reaches the host.
var channels = []struct {
	os, channel, prefix string
}{
	{"ubuntu", "esm-infra", "esm.ubuntu.com_infra_ubuntu_dists_"},
	{"ubuntu", "esm-apps", "esm.ubuntu.com_apps_ubuntu_dists_"},
}

// channelFiles are the files readChannels reads.
var channelFiles = []string{aptListsGlob}

// readChannels lists the extended-support channels an OS of id receives;
// known is false when nothing can be told (another OS, or no fetched
// index at all: apt was never updated, or its lists are unreadable).
func readChannels(root hostfs.Root, id string, o *collectors.Recorder) (list []string, known bool) {
	if !slices.ContainsFunc(channels, func(c struct{ os, channel, prefix string }) bool { return c.os == id }) {
		return nil, false
	}
	files, err := root.Glob(aptListsGlob)
	if err != nil {
		o.Note("%s: %v; extended-support channels unknown", aptListsGlob, err)
		return nil, false
	}
	if len(files) == 0 {
		return nil, false
	}
	for _, f := range files {
		name := path.Base(f)
		for _, c := range channels {
			if c.os == id && strings.HasPrefix(name, c.prefix) && !slices.Contains(list, c.channel) {
				list = append(list, c.channel)
			}
		}
	}
	slices.Sort(list)
	return list, true
}
