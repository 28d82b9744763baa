# SPDX-License-Identifier: MIT
# mnist-serve: TensorFlow Serving's REST API over model.mnpm exports (libmicrohttpd).
SERVE_REST_SOURCES = %reldir%/main.c %reldir%/rest.c %reldir%/rest.h %reldir%/models.c \
	%reldir%/models.h %reldir%/servable.h %reldir%/tfjson.c %reldir%/tfjson.h \
	%reldir%/tfstatus.h %reldir%/metrics.c %reldir%/metrics.h %reldir%/util.c %reldir%/util.h

pkglibexec_PROGRAMS += %reldir%/mnist-serve
%canon_reldir%_mnist_serve_SOURCES = $(SERVE_REST_SOURCES) %reldir%/servable.c
%canon_reldir%_mnist_serve_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir% \
	-I$(srcdir)/examples/mnist/common $(MHD_CFLAGS)
%canon_reldir%_mnist_serve_LDADD = examples/mnist/common/libmnpm.la $(MHD_LIBS) $(LIBM) \
	$(PTHREAD_LIBS)

# Tests: the REST contract against a live server, and the JSON reader's unit tests. Until
# mnist-serve and mnist-train are built, serve-api.sh runs the same REST layer with a stand-in
# model (tests/mnist/stub_servable.c) and skips the checks that need a trained model.
check_PROGRAMS += tests/mnist/mnist-serve-stub
tests_mnist_mnist_serve_stub_SOURCES = $(SERVE_REST_SOURCES) tests/mnist/stub_servable.c
tests_mnist_mnist_serve_stub_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir% $(MHD_CFLAGS)
tests_mnist_mnist_serve_stub_LDADD = $(MHD_LIBS) $(LIBM) $(PTHREAD_LIBS)
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
