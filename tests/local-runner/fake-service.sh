#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for mnist-serve and mnist-web-ui in the local-runner tests: records its arguments
# and stays up until it is stopped.
echo "fake service: $*"
[ -n "${FAKE_SERVICE_LOG:-}" ] && echo "$$ $*" >>"$FAKE_SERVICE_LOG"
trap 'echo "fake service: stopping"; exit 0' TERM INT
while :; do sleep 1 & wait $!; done
