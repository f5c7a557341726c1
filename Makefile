# Packaging entry points (everything else is plain `go` commands: see README.md).

.PHONY: packages package-test

# .deb and .rpm of demarc and demarc-server for linux/amd64 and linux/arm64,
# and the demarc binary for freebsd/amd64, into dist/ (packaging/build.sh).
packages:
	packaging/build.sh

# Build, lintian, install, remove and purge on this machine (root, Debian/Ubuntu).
package-test:
	packaging/test.sh
