#!/bin/sh
# SPDX-License-Identifier: MIT
# Which plugin a command goes to: 'run' and 'runs' to the local runner unless a KFP endpoint
# is named (--host, before or after the command word, or KF_PIPELINES_ENDPOINT); an explicitly
# loaded plugin wins; 'logs' and 'stop' are the local runner's.
. "$MP_TOP_SRCDIR/tests/lib.sh"
cd "$TMP" || exit 99
export XDG_STATE_HOME="$TMP/state" XDG_RUNTIME_DIR="$TMP/run"
unset KF_PIPELINES_ENDPOINT
M="$MNISTPIPE"
# Port 1 on loopback refuses at once: reaching it proves the kfp plugin took the command.
kfp=http://127.0.0.1:1

expect_exit 0 "runs list without an endpoint is the local runner's" -- mp runs list
expect_output "^RUN +STATE" "local runs table"
expect_exit 6 "runs list --host goes to KFP" -- mp runs list --host "$kfp"
expect_output "health check: GET $kfp" "the KFP client was asked"
expect_exit 6 "--host before the command word" -- mp --host "$kfp" runs list
expect_output "health check: GET $kfp" "the KFP client was asked"
expect_exit 6 "KF_PIPELINES_ENDPOINT names the cluster" -- \
    env KF_PIPELINES_ENDPOINT="$kfp" "$M" runs list
expect_output "health check: GET $kfp" "the KFP client was asked"
expect_exit 2 "an explicitly loaded kfp keeps 'run'" -- mp --plugin kfp run
expect_output "no KFP endpoint" "kfp asks for an endpoint"
expect_exit 2 "logs is the local runner's" -- mp logs
expect_output "logs RUN" "local usage of logs"
expect_exit 5 "stop of an unknown run" -- mp stop no-such-run
expect_output "no-such-run" "names the run"
expect_exit 2 "a word before the command" -- mp frob run
expect_output "unknown command 'frob'" "names the word"
finish
