# SPDX-License-Identifier: MIT
# Tests: Check unit tests, fixture plugins, golden and CLI tests. Run with 'make check'.
include %reldir%/stub/local.mk
