#!/usr/bin/env bash
# packaging/build.sh: build the demarc and demarc-server packages (.deb and
# .rpm, linux/amd64 and linux/arm64) and the host binary for freebsd/amd64
# into dist/. `make packages` runs it.
#
#   - version from `git describe` (tags v*; untagged: v0.0.0-<commits>-g<sha>),
#     stamped with -ldflags -X .../internal/version.Version
#   - -trimpath, CGO off, SOURCE_DATE_EPOCH = the last commit's time: the same
#     commit gives byte-identical packages (packaging/test.sh checks it)
#   - man pages and bash/zsh/fish completions generated from the CLI
#     definitions (the hidden gendocs command, build tag gendocs)
#   - nfpm from the Go module proxy at a pinned version, not in go.mod
#
# Environment (all optional):
#   ARCHES="amd64 arm64"  FORMATS="deb rpm"  PACKAGES="demarc demarc-server"
#   FREEBSD=1 (0 skips the freebsd/amd64 binary)  DIST=dist
#   VERSION=v1.2.3 (instead of git describe)  SOURCE_DATE_EPOCH=<seconds>
set -euo pipefail
cd "$(dirname "$0")/.."

NFPM_VERSION=v2.45.2
ARCHES=${ARCHES:-amd64 arm64}
FORMATS=${FORMATS:-deb rpm}
PACKAGES=${PACKAGES:-demarc demarc-server}
FREEBSD=${FREEBSD:-1}
DIST=${DIST:-dist}
MODULE=github.com/demarc/demarc

log() { printf 'build.sh: %s\n' "$*" >&2; }

# version: what the binaries print. pkg_version: the package version, which
# must sort like the releases: v1.2.3 -> 1.2.3, v1.2.3-4-gabc -> 1.2.3+git4.gabc
# (after 1.2.3, before 1.2.4), v1.2.3-rc1 -> 1.2.3~rc1 (before 1.2.3).
version=${VERSION:-}
if [ -z "$version" ]; then
	version=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || true)
fi
if [ -z "$version" ]; then
	version="v0.0.0-$(git rev-list --count HEAD)-g$(git rev-parse --short=12 HEAD)"
	git diff --quiet HEAD -- 2>/dev/null || version="$version-dirty"
fi
pkg_version=${version#v}
dirty=""
case $pkg_version in *-dirty) pkg_version=${pkg_version%-dirty} dirty=1 ;; esac
if [[ $pkg_version =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
	pkg_version="${BASH_REMATCH[1]//-/\~}+git${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
else
	pkg_version=${pkg_version//-/\~}
fi
if [ -n "$dirty" ]; then
	case $pkg_version in *+*) pkg_version="$pkg_version.dirty" ;; *) pkg_version="$pkg_version+dirty" ;; esac
fi
if ! [[ $pkg_version =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
	log "cannot make a package version from '$version' (got '$pkg_version')"
	exit 2
fi

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export CGO_ENABLED=0
ldflags="-s -w -buildid= -X $MODULE/internal/version.Version=$version"
stage=$DIST/stage
rm -rf "$stage"
mkdir -p "$stage"
log "version $version, package version $pkg_version, SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH"

# Binaries.
for arch in $ARCHES; do
	for pkg in $PACKAGES; do
		log "go build $pkg linux/$arch"
		GOOS=linux GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$stage/$arch/$pkg" "./cmd/$pkg"
	done
done
if [ "$FREEBSD" = 1 ]; then
	log "go build demarc freebsd/amd64"
	fb=demarc_${pkg_version}_freebsd_amd64
	mkdir -p "$stage/$fb"
	GOOS=freebsd GOARCH=amd64 go build -trimpath -ldflags "$ldflags" -o "$stage/$fb/demarc" ./cmd/demarc
	cp docs/INSTALL.md packaging/doc/copyright "$stage/$fb/"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
		--mode=u+rwX,go+rX,go-w -C "$stage" -cf - "$fb" | gzip -9n > "$DIST/$fb.tar.gz"
fi

# Man pages, completions and the changelog, from the host-architecture
# build with the gendocs tag.
changelog_date=$(date -u -d "@$SOURCE_DATE_EPOCH" -R)
commit=$(git rev-parse HEAD)
for pkg in $PACKAGES; do
	log "gendocs $pkg"
	go run -tags gendocs -trimpath -ldflags "-X $MODULE/internal/version.Version=$version" \
		"./cmd/$pkg" gendocs --source-date-epoch "$SOURCE_DATE_EPOCH" "$stage/docs/$pkg"
	printf '%s (%s) unstable; urgency=medium\n\n  * Built from commit %s\n    (%s).\n\n -- demarc maintainers <maintainers@demarc.dev>  %s\n' \
		"$pkg" "$pkg_version" "$commit" "$version" "$changelog_date" | gzip -9n > "$stage/docs/$pkg/changelog.gz"
done

# Packages, with nfpm built from the module proxy (cached in dist/tools).
mkdir -p "$DIST/tools/nfpm-$NFPM_VERSION"
tools=$(cd "$DIST/tools/nfpm-$NFPM_VERSION" && pwd)
nfpm=$tools/nfpm
if [ ! -x "$nfpm" ]; then
	log "go install nfpm $NFPM_VERSION"
	GOBIN=$tools GOFLAGS='' CGO_ENABLED=0 go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
fi
for arch in $ARCHES; do
	for pkg in $PACKAGES; do
		for format in $FORMATS; do
			PKG_ARCH=$arch PKG_VERSION=$pkg_version STAGE=$stage \
				"$nfpm" package --config "packaging/nfpm/$pkg.yaml" --packager "$format" --target "$DIST/" >&2
		done
	done
done

(cd "$DIST" && sha256sum -- *.deb *.rpm *.tar.gz 2>/dev/null > SHA256SUMS || true)
log "done:"
(cd "$DIST" && ls -l -- *.deb *.rpm *.tar.gz 2>/dev/null) >&2 || true
echo "$pkg_version" >"$DIST/VERSION"
echo "$version" >"$DIST/BINARY_VERSION"
