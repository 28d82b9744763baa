# SPDX-License-Identifier: MIT
# mnist-serve: TensorFlow Serving's REST API over model.mnpm exports (libmicrohttpd).
# The mnist-serve program is added here once examples/mnist/common provides mnpm.h (the model
# library); its sources are committed beside this file.

# Tests: the REST contract against a live server, and the JSON reader's unit tests.
TESTS += tests/mnist/serve-api.sh
dist_check_SCRIPTS += tests/mnist/serve-api.sh
if HAVE_CHECK
check_PROGRAMS += tests/mnist/check_tfjson
TESTS += tests/mnist/check_tfjson
tests_mnist_check_tfjson_SOURCES = tests/mnist/check_tfjson.c %reldir%/tfjson.c \
	%reldir%/tfjson.h %reldir%/util.c %reldir%/util.h
tests_mnist_check_tfjson_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir%
tests_mnist_check_tfjson_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_mnist_check_tfjson_LDADD = $(CHECK_LIBS) $(LIBM) $(PTHREAD_LIBS)
endif

# bench/serve.sh: run by hand (see the script); shipped in the tarball.
EXTRA_DIST += bench/serve.sh
