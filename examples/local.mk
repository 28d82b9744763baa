# SPDX-License-Identifier: MIT
# Example pipelines and the native MNIST step programs the local runner uses.
include %reldir%/mnist/common/local.mk
include %reldir%/mnist/train/local.mk
include %reldir%/mnist/serve/local.mk
include %reldir%/mnist/web-ui/local.mk
EXTRA_DIST += %reldir%/hello-plugin/hello.c %reldir%/hello-plugin/Makefile %reldir%/hello-plugin/test-out-of-tree.sh %reldir%/hello-plugin/README.md
EXTRA_DIST += %reldir%/mnist/pipeline.yaml
