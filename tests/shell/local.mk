# SPDX-License-Identifier: MIT
# The bash completion, driven through COMP_WORDS; what a compile loads at start-up.
dist_check_SCRIPTS += %reldir%/completion.sh %reldir%/lazy-libs.sh
TESTS += %reldir%/completion.sh %reldir%/lazy-libs.sh
