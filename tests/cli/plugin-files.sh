#!/bin/sh
# SPDX-License-Identifier: MIT
# Through the command: plugins from an explicit path, MNISTPIPE_PLUGIN_PATH, and refusals.
. "$MP_TOP_SRCDIR/tests/lib.sh"
M="$MNISTPIPE"
libs="$MP_TOP_BUILDDIR/plugins/.libs"
fx="$MP_TOP_BUILDDIR/tests/plugins/.libs"
cd "$TMP" || exit 99
mkdir priv && cp "$libs/onprem.so" priv/ && chmod 755 priv
expect_exit 0 "plugin by path" -- "$M" --plugin "$TMP/priv/onprem.so" --pvc c compile -o a.yaml
grep -q "claimName: '{{inputs.parameters.pvc_name}}'" a.yaml && pass "onprem by path mounts" ||
    fail "no claim in a.yaml"
chmod 777 priv
expect_exit 4 "plugin in a world-writable directory" -- "$M" --plugin "$TMP/priv/onprem.so" compile -o b.yaml
expect_output "world-writable directory" "says why"
chmod 755 priv
: >empty.so
expect_exit 4 "zero-byte .so" -- "$M" --plugin "$TMP/empty.so" compile -o b.yaml
expect_output "$TMP/empty.so" "names the file"
echo "not a plugin" >text.so
expect_exit 4 "text file named .so" -- "$M" --plugin "$TMP/text.so" compile -o b.yaml
expect_exit 4 "missing entry symbol" -- "$M" --plugin "$fx/no_entry.so" compile -o b.yaml
expect_output "no entry symbol mp_plugin_describe" "says which symbol"
expect_exit 4 "newer minor" -- "$M" --plugin "$fx/abi_newer_minor.so" compile -o b.yaml
expect_output "built for plugin ABI 1.3, this mnistpipe provides 1.2" "both versions"
[ -f "$fx/unresolved.so" ] && {
    expect_exit 4 "unresolved symbol" -- "$M" --plugin "$fx/unresolved.so" compile -o b.yaml
    expect_output "mp_symbol_that_does_not_exist" "names the symbol"; }
# The plugin path: an empty entry never means the current directory.
cp "$libs/gcp.so" ./gcp.so
expect_exit 2 "no plugin from the current directory" -- env MNISTPIPE_PLUGIN_PATH=":" "$M" --plugin gcp compile -o c.yaml
# Several platform plugins apply in order: fx_good sees what onprem added.
expect_exit 0 "two platform plugins" -- "$M" --plugin onprem --pvc d --plugin fx_good --fx-value hi --fx-flag compile -o d.yaml
expect_output "warning: fx_good: fx-flag was given" "plugin warnings are prefixed"
grep -q "{name: FX_VALUE, value: hi}" d.yaml && pass "fx_good's env" || fail "no FX_VALUE"
[ ! -e b.yaml ] && pass "no output from failed loads" || fail "b.yaml written"
finish
