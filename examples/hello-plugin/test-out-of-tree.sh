#!/bin/sh
# SPDX-License-Identifier: MIT
# Build hello.so against a DESTDIR install of mnistpipe with pkg-config only, then load it with
# the installed mnistpipe. Usage: test-out-of-tree.sh DESTDIR PREFIX
set -eu
destdir=$1
prefix=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/hello.c" "$here/Makefile" "$work/"
libdir=$destdir$prefix/lib
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$destdir"
export LD_LIBRARY_PATH="$libdir"
make -C "$work" >/dev/null
# pkg-config already puts PKG_CONFIG_SYSROOT_DIR in front of plugindir.
make -C "$work" install >/dev/null
plugindir=$(pkg-config --variable=plugindir mnistpipe)
test -f "$plugindir/hello.so"
export MNISTPIPE_PLUGIN_PATH="$plugindir"
mp="$destdir$prefix/bin/mnistpipe"
# The plugin carries the ABI of the headers it was built with.
abi=$(pkg-config --variable=plugin_abi mnistpipe)
"$mp" plugins | grep -E "^hello +platform +1\.0\.0 +$(echo "$abi" | sed 's/\./\\./') " >/dev/null
"$mp" --plugin gcp --plugin hello --greeting hi compile -o "$work/out.yaml"
grep -q 'example.com/greeting: hi' "$work/out.yaml"
# The built-in images are all tagged, so the check passes on MNIST:
"$mp" --plugin hello --require-tags --plugin onprem --pvc x compile -o "$work/ok.yaml"
echo "out-of-tree plugin: built with pkg-config (ABI $(pkg-config --variable=plugin_abi mnistpipe)), installed in $plugindir, loaded by the installed mnistpipe: ok"
