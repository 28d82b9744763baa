#!/bin/sh
# SPDX-License-Identifier: MIT
# Set up a fresh Debian 12 machine and run the main job:
#   1. install the packages listed in .ci/packages (the one dependency list);
#   2. build mnistpipe out of tree in _build/ (and npm-install the browser test's
#      playwright-core there);
#   3. compile the MNIST pipeline for on-prem (mnist_pipeline.tar.gz) and check it against
#      Argo's schema.
# Then run the tests with: make -C _build check
set -eu
cd "$(dirname "$0")"
top=$(pwd)

packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' .ci/packages | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
if [ -z "${MNISTPIPE_SKIP_APT:-}" ]; then
    echo "== installing: $packages"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages
fi

echo "== building in _build/"
./autogen.sh >/dev/null
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"

# The browser test drives the web UI with playwright-core (npm) and Debian's chromium.
browser="$top/_build/tests/mnist/browser"
if [ -z "${MNISTPIPE_SKIP_NPM:-}" ] && command -v npm >/dev/null 2>&1 &&
   [ ! -d "$browser/node_modules/playwright-core" ]; then
    echo "== npm install (tests/mnist/browser/package.json) in $browser"
    mkdir -p "$browser"
    cp "$top/tests/mnist/browser/package.json" "$browser/"
    (cd "$browser" && npm install --no-audit --no-fund --loglevel=error) ||
        echo "== warning: npm install failed; the browser test will be skipped" >&2
fi

echo "== main job: mnistpipe --plugin onprem --pvc my-pvc compile"
export MNISTPIPE_PLUGIN_PATH="$top/_build/plugins/.libs"
./core/mnistpipe --plugin onprem --pvc my-pvc compile
ls -l mnist_pipeline.tar.gz
tar tvzf mnist_pipeline.tar.gz
if [ -d "$top/../shared/tools" ]; then
    python3 "$top/../shared/tools/validate-argo" --strict mnist_pipeline.tar.gz
fi
echo "== done: _build/mnist_pipeline.tar.gz; run the tests with: make -C _build check"
