# SPDX-License-Identifier: MIT
# libmnpm: the model.mnpm file format, inference, IDX reader and export (shared by train and serve).
noinst_LTLIBRARIES += %reldir%/libmnpm.la
%canon_reldir%_libmnpm_la_SOURCES = %reldir%/mnpm.h %reldir%/mnpm.c %reldir%/idx.c \
	core/sha256.c core/sha256.h
%canon_reldir%_libmnpm_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core $(OPENBLAS_CFLAGS) \
	$(ZLIB_CFLAGS)
%canon_reldir%_libmnpm_la_LIBADD = $(OPENBLAS_LIBS) $(ZLIB_LIBS) $(LIBM)

if HAVE_CHECK
check_PROGRAMS += tests/mnist/check_mnpm tests/mnist/check_idx tests/mnist/mnpm-validate
TESTS += tests/mnist/check_mnpm tests/mnist/check_idx
tests_mnist_check_mnpm_SOURCES = tests/mnist/check_mnpm.c
tests_mnist_check_mnpm_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir%
tests_mnist_check_mnpm_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_mnist_check_mnpm_LDADD = %reldir%/libmnpm.la $(CHECK_LIBS) $(LIBM) $(PTHREAD_LIBS)
tests_mnist_check_idx_SOURCES = tests/mnist/check_idx.c
tests_mnist_check_idx_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir% $(ZLIB_CFLAGS)
tests_mnist_check_idx_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_mnist_check_idx_LDADD = %reldir%/libmnpm.la $(ZLIB_LIBS) $(CHECK_LIBS) $(LIBM) $(PTHREAD_LIBS)
# mnpm-validate: used by tests/mnist/train-smoke.sh to check an exported model.mnpm.
tests_mnist_mnpm_validate_SOURCES = tests/mnist/mnpm-validate.c
tests_mnist_mnpm_validate_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir%
tests_mnist_mnpm_validate_LDADD = %reldir%/libmnpm.la $(LIBM)
endif
