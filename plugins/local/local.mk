# SPDX-License-Identifier: MIT
# The local plugin: runs the pipeline on this machine. MP_LIBEXECDIR is where the MNIST step
# programs are installed; MNISTPIPE_LIBEXEC_PATH overrides it (the tests point it at the
# build tree).
plugin_LTLIBRARIES += plugins/local.la
plugins_local_la_SOURCES = %reldir%/local.c %reldir%/local.h %reldir%/setup.c %reldir%/setup.h \
	%reldir%/runner.c %reldir%/state.c %reldir%/runs.c %reldir%/image_map.c %reldir%/progress.c \
	%reldir%/outputs.c %reldir%/tree.c %reldir%/gojson.c
plugins_local_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(JANSSON_CFLAGS) -DMP_LIBEXECDIR='"$(pkglibexecdir)"'
plugins_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_local_la_LIBADD = $(PLUGIN_LIBADD) $(JANSSON_LIBS)
