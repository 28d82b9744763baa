#!/bin/bash
# SPDX-License-Identifier: MIT
# The bash completion (doc/mnistpipe.bash-completion) driven as bash drives it: COMP_WORDS and
# COMP_CWORD set, _mnistpipe called, COMPREPLY checked. Plugins come from the build tree
# (MNISTPIPE_PLUGIN_PATH), including a fixture plugin given by path.
if [ -z "${BASH_VERSION:-}" ]; then
    command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash" >&2; exit 77; }
    exec bash "$0" "$@"
fi
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/doc/mnistpipe.bash-completion"
complete -p mnistpipe >/dev/null 2>&1 && pass "registered for mnistpipe" ||
    fail "no 'complete' for mnistpipe"

# comp WORD... : complete the last word; the answers, sorted, one line.
comp() {
    COMP_WORDS=("$MNISTPIPE" "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _mnistpipe
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# want WHAT GOT WORD... : every WORD is among the answers GOT
want() {
    what=$1 got=" $2 "; shift 2
    for w in "$@"; do
        case $got in *" $w "*) ;; *) fail "$what: '$w' missing from:$got"; return ;; esac
    done
    pass "$what"
}
# lacks WHAT GOT WORD...
lacks() {
    what=$1 got=" $2 "; shift 2
    for w in "$@"; do
        case $got in *" $w "*) fail "$what: '$w' offered:$got"; return ;; esac
    done
    pass "$what"
}

got=$(comp "")
want "commands" "$got" compile lint graph plugins help upload submit
lacks "no local-runner command without --plugin local" "$got" logs stop
want "--plugin local adds its commands" "$(comp --plugin local "")" run logs stop
[ "$(comp com)" = compile ] && pass "a prefix completes to one command" ||
    fail "'com' gave '$(comp com)'"

want "plugin names after --plugin" "$(comp --plugin "")" gcp onprem kfp argo local
[ "$(comp --plugin=gcp --plugin o)" = onprem ] && pass "--plugin o -> onprem" ||
    fail "--plugin o gave '$(comp --plugin o)'"

got=$(comp --plugin onprem --)
want "core options and the loaded plugin's" "$got" --plugin --file --output --param --pvc --version
lacks "options of plugins not loaded" "$got" --secret --image-map
want "--plugin gcp adds --secret" "$(comp --plugin gcp --s)" --secret --stamp
lacks "the value of --pvc is not taken for the command" "$(comp --plugin onprem --pvc x "")" x
want "a command after an option value" "$(comp --plugin onprem --pvc x "")" compile lint

want "the command's options (kfp run)" "$(comp --plugin kfp run --)" --host --wait --experiment
got=$(comp --plugin local run --)
want "the loaded plugin's run (local)" "$got" --image-map --jobs
lacks "not kfp's run options with --plugin local" "$got" --host --experiment
want "upload loads kfp by itself" "$(comp upload --tok)" --token --token-file

[ "$(comp lint --format "")" = "json text" ] && pass "lint --format: text json" ||
    fail "lint --format gave '$(comp lint --format "")'"
[ "$(comp graph --format "")" = "dot text" ] && pass "graph --format: dot text" ||
    fail "graph --format gave '$(comp graph --format "")'"
[ "$(comp plugins --format t)" = "text tsv" ] && pass "plugins --format: text tsv" ||
    fail "plugins --format gave '$(comp plugins --format t)'"

mkdir "$TMP/dir" && : >"$TMP/dir/my-pipeline.yaml"
[ "$(comp -f "$TMP/dir/my")" = "$TMP/dir/my-pipeline.yaml" ] && pass "-f completes file names" ||
    fail "-f gave '$(comp -f "$TMP/dir/my")'"

# A plugin given by path, outside the plugin path, is loaded for the listing: its options
# complete too.
mkdir "$TMP/third" && cp "$MP_TOP_BUILDDIR/tests/plugins/.libs/fx_good.so" "$TMP/third/" ||
    fail "no fixture plugin"
got=$(MNISTPIPE_PLUGIN_PATH=$MP_TOP_BUILDDIR/plugins/.libs comp --plugin "$TMP/third/fx_good.so" --fx)
want "options of a plugin given by path" "$got" --fx-value --fx-flag
got=$(MNISTPIPE_PLUGIN_PATH=$MP_TOP_BUILDDIR/plugins/.libs comp --plugin gcp --fx)
lacks "not without it" "$got" --fx-value
finish
