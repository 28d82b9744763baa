# SPDX-License-Identifier: MIT
# mnist-train: native stand-in for the kubeflow/examples mnist model.py training step.
pkglibexec_PROGRAMS += %reldir%/mnist-train
%canon_reldir%_mnist_train_SOURCES = %reldir%/main.c %reldir%/net.c %reldir%/net.h
%canon_reldir%_mnist_train_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/examples/mnist/common \
	$(OPENBLAS_CFLAGS) $(ZLIB_CFLAGS) $(JANSSON_CFLAGS)
%canon_reldir%_mnist_train_CFLAGS = $(AM_CFLAGS) $(MP_VEC_CFLAGS)
%canon_reldir%_mnist_train_LDADD = examples/mnist/common/libmnpm.la $(OPENBLAS_LIBS) \
	$(ZLIB_LIBS) $(JANSSON_LIBS) $(LIBM)

TESTS += tests/mnist/train-smoke.sh
dist_check_SCRIPTS += tests/mnist/train-smoke.sh
EXTRA_DIST += bench/train.sh

if HAVE_CHECK
check_PROGRAMS += tests/mnist/check_net
TESTS += tests/mnist/check_net
tests_mnist_check_net_SOURCES = tests/mnist/check_net.c %reldir%/net.c %reldir%/net.h
tests_mnist_check_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir% \
	-I$(srcdir)/examples/mnist/common $(OPENBLAS_CFLAGS)
tests_mnist_check_net_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_mnist_check_net_LDADD = $(OPENBLAS_LIBS) $(CHECK_LIBS) $(LIBM) $(PTHREAD_LIBS)
endif
