# SPDX-License-Identifier: MIT
# mnist-web-ui: the MNIST demo page and its API; the page's files are compiled into the binary.
pkglibexec_PROGRAMS += %reldir%/mnist-web-ui
%canon_reldir%_mnist_web_ui_SOURCES = %reldir%/main.c %reldir%/idx.c %reldir%/idx.h \
	%reldir%/assets.h examples/mnist/serve/util.c examples/mnist/serve/util.h
nodist_%canon_reldir%_mnist_web_ui_SOURCES = %reldir%/assets.c
%canon_reldir%_mnist_web_ui_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir% \
	-I$(srcdir)/examples/mnist/serve $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS) \
	$(ZLIB_CFLAGS)
%canon_reldir%_mnist_web_ui_LDADD = $(MHD_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) $(ZLIB_LIBS) \
	$(PTHREAD_LIBS)

# The page: plain files in the source tree, turned into C by a POSIX sh + awk script (works in
# VPATH builds and from the tarball; no xxd). The generated file lives in the build tree only.
EXTRA_DIST += %reldir%/gen-assets.sh %reldir%/page/index.html %reldir%/page/app.js \
	%reldir%/page/style.css
CLEANFILES += %reldir%/assets.c
%reldir%/assets.c: $(srcdir)/%reldir%/gen-assets.sh $(srcdir)/%reldir%/page/index.html \
		$(srcdir)/%reldir%/page/app.js $(srcdir)/%reldir%/page/style.css
	$(AM_V_GEN)$(MKDIR_P) %reldir% && \
	$(SHELL) $(srcdir)/%reldir%/gen-assets.sh \
	  /index.html=$(srcdir)/%reldir%/page/index.html \
	  /static/app.js=$(srcdir)/%reldir%/page/app.js \
	  /static/style.css=$(srcdir)/%reldir%/page/style.css > $@-t && mv $@-t $@

# Tests: the web-ui against a live mnist-serve, and the page in headless Chromium.
TESTS += tests/mnist/web-ui.sh tests/mnist/browser.sh
dist_check_SCRIPTS += tests/mnist/web-ui.sh tests/mnist/browser.sh
EXTRA_DIST += tests/mnist/lib-serve.sh tests/mnist/browser/page.test.js \
	tests/mnist/browser/package.json
