# SPDX-License-Identifier: MIT
# Benchmarks: `make bench` (BENCH_FLAGS=--quick|--all|--record) runs bench/run-all on this build.
EXTRA_DIST += %reldir%/RESULTS.md %reldir%/run-all %reldir%/compile.py %reldir%/genpipe.py \
	%reldir%/runstat.c %reldir%/serve.sh %reldir%/train.sh

bench: all
	nice -n 10 $(top_srcdir)/%reldir%/run-all $(abs_top_builddir) $(BENCH_FLAGS)
.PHONY: bench
