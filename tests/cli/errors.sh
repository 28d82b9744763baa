#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage errors, plugin errors and bad values: exit codes and messages; nothing written.
. "$MP_TOP_SRCDIR/tests/lib.sh"
cd "$TMP" || exit 99
M="$MNISTPIPE"
expect_exit 2 "no command" -- "$M"
expect_output "no command given" "says no command"
expect_exit 2 "unknown command" -- "$M" frobnicate
expect_output "unknown command 'frobnicate'" "names the command"
expect_exit 2 "unknown plugin" -- "$M" --plugin nosuch compile
expect_output "nosuch" "names the plugin"
expect_exit 2 "unknown option" -- "$M" --plugin gcp --bogus compile
expect_output "unknown option '--bogus'" "names the option"
expect_exit 2 "plugin option without its plugin" -- "$M" --pvc x compile
expect_output "unknown option '--pvc'" "--pvc needs onprem"
expect_exit 2 "missing option value" -- "$M" --plugin onprem compile --pvc
expect_output "option --pvc needs a value" "names the option"
expect_exit 2 "missing --plugin value" -- "$M" --plugin
expect_exit 2 "flag given a value" -- "$M" --stamp=yes compile
expect_exit 2 "bad -p" -- "$M" compile -p novalue
expect_exit 2 "unknown parameter" -- "$M" --plugin gcp compile -p nosuch=1 -o x.yaml
expect_output "no such parameter" "names it"
expect_exit 2 "unknown extension" -- "$M" --plugin gcp compile -o out.txt
expect_output "unknown package type" "explains the extensions"
expect_exit 3 "bad gs:// default" -- "$M" --plugin gcp compile -p model_export_dir=gs://Bad_Bucket/x -o x.yaml
expect_output "plugin 'gcp': parameter 'model_export_dir': 'Bad_Bucket'" "names the bucket"
expect_exit 3 "gs:/ typo" -- "$M" --plugin gcp compile -p model_export_dir=gs:/bucket/x -o x.yaml
expect_exit 2 "bad claim name" -- "$M" --plugin onprem --pvc Bad_Claim compile -o x.yaml
expect_exit 2 "two output plugins" -- "$M" --plugin kfp --plugin argo compile -o x.yaml
expect_exit 5 "unwritable output dir" -- "$M" --plugin gcp compile -o no/such/dir/x.yaml
expect_output "no/such/dir/x.yaml" "names the path"
expect_exit 4 "wrong-kind plugin by path" -- "$M" --plugin "$MP_TOP_BUILDDIR/tests/plugins/.libs/abi_major.so" compile
expect_output "built for plugin ABI 2.0, this mnistpipe provides 1.2" "both ABI versions"
[ "$(ls)" = out ] && pass "nothing written by failed commands" || fail "left behind: $(ls)"
# On-prem without a claim name: a warning (it can be given at run time), still compiles.
expect_exit 0 "onprem without --pvc" -- "$M" --plugin onprem compile -o w.yaml
expect_output "warning: onprem: the claim name \(parameter pvc_name\) is empty" "warns"
expect_exit 0 "--help" -- "$M" --help
expect_output "--pvc NAME" "--help shows plugin options"
expect_output "--secret NAME" "--help shows gcp's option"
expect_exit 0 "--version" -- "$M" --version
expect_output "^mnistpipe [0-9.]+ \(plugin ABI 1\.2\)" "--version names the ABI"
expect_exit 0 "plugins" -- env MNISTPIPE_PLUGIN_PATH="$MP_TOP_BUILDDIR/plugins/.libs" "$M" plugins
expect_output "^onprem +platform +[0-9.]+ +1\.2 +/" "plugins lists onprem"
expect_output "^kfp +output" "plugins lists kfp"
expect_output "--pvc NAME" "plugins lists options"
finish
