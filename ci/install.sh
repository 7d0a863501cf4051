#!/bin/sh
# Installs iamsync: the release archive for this OS and CPU, verified against the release's
# checksums.txt, or, when there is no such archive to download, 'go install' of the module
# (which the Go checksum database verifies). A checksum mismatch is never worked around.
# POSIX sh, for GitHub runners (Linux, macOS, Windows' Git Bash) and Alpine images alike.
# ci/gitlab/iamsync.gitlab-ci.yml carries a copy of this script; a test keeps them equal.
#
#   IAMSYNC_VERSION      v1.2.3, or latest (the default)
#   IAMSYNC_INSTALL_DIR  where the binary goes (default: $HOME/.local/bin)
#   IAMSYNC_RELEASES     where releases are downloaded from (default: the GitHub releases)
set -eu
iamsync_version=${IAMSYNC_VERSION:-latest}
iamsync_dir=${IAMSYNC_INSTALL_DIR:-$HOME/.local/bin}
iamsync_releases=${IAMSYNC_RELEASES:-https://github.com/iamsync/iamsync/releases}
iamsync_module=github.com/iamsync/iamsync

say() { echo "iamsync install: $*" >&2; }

case $(uname -s) in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
*) os=unknown ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) arch=unknown ;;
esac
exe=iamsync
archive=iamsync_${os}_${arch}.tar.gz
if [ "$os" = windows ]; then
    exe=iamsync.exe
    archive=iamsync_${os}_${arch}.zip
fi
case $iamsync_version in
latest) base=$iamsync_releases/latest/download ;;
*) base=$iamsync_releases/download/$iamsync_version ;;
esac

fetch() { # URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        say "neither curl nor wget is installed"
        return 1
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        return 1
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$iamsync_dir"

if [ "$os" != unknown ] && [ "$arch" != unknown ] &&
    fetch "$base/$archive" "$tmp/$archive" && fetch "$base/checksums.txt" "$tmp/checksums.txt"; then
    want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
    got=$(sha256 "$tmp/$archive") || { say "error: no sha256sum or shasum to verify the download with"; exit 1; }
    if [ -z "$want" ]; then
        say "error: checksums.txt of $iamsync_version does not list $archive"
        exit 1
    fi
    if [ "$want" != "$got" ]; then
        say "error: $archive does not match checksums.txt (sha256 $got, want $want); nothing installed"
        say "hint: with IAMSYNC_VERSION=latest a release may have been published between the two downloads: run again, or pin a version"
        exit 1
    fi
    mkdir "$tmp/x"
    case $archive in
    *.zip) unzip -q "$tmp/$archive" -d "$tmp/x" ;;
    *) tar -xzf "$tmp/$archive" -C "$tmp/x" ;;
    esac
    cp "$tmp/x/$exe" "$iamsync_dir/$exe"
    chmod 755 "$iamsync_dir/$exe"
    say "installed $iamsync_version ($archive, sha256 verified) in $iamsync_dir"
elif command -v go >/dev/null 2>&1; then
    say "no release archive for $iamsync_version on $os/$arch; building it with go install"
    GOBIN=$iamsync_dir CGO_ENABLED=0 go install -trimpath "$iamsync_module@$iamsync_version"
    say "installed $iamsync_module@$iamsync_version in $iamsync_dir"
else
    say "error: could not download $base/$archive, and Go is not installed to build it instead"
    say "hint: check IAMSYNC_VERSION ($iamsync_version) names a release, or install Go for 'go install $iamsync_module@$iamsync_version'"
    exit 1
fi
"$iamsync_dir/$exe" version >&2
