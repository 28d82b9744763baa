# SPDX-License-Identifier: MIT
# libmpcore (internal, static, for unit tests), libmnistpipe (shared, installed), mnistpipe.

noinst_LTLIBRARIES += %reldir%/libmpcore.la
%canon_reldir%_libmpcore_la_SOURCES = \
	%reldir%/arena.c %reldir%/arena.h %reldir%/pages.c %reldir%/pages.h \
	%reldir%/buf.c %reldir%/buf.h \
	%reldir%/error.c %reldir%/error.h \
	%reldir%/strmap.c %reldir%/strmap.h \
	%reldir%/placeholder.c %reldir%/placeholder.h \
	%reldir%/graph.c %reldir%/graph.h %reldir%/graph_io.c %reldir%/graph_pod.c \
	%reldir%/graph_settings.c %reldir%/graph_groups.c %reldir%/graph_resource.c \
	%reldir%/quantity.c \
	%reldir%/quantity.h \
	%reldir%/validate.c \
	%reldir%/doc.c %reldir%/doc.h \
	%reldir%/write.c %reldir%/write.h %reldir%/yaml_emit.c \
	%reldir%/workflow.c %reldir%/workflow.h %reldir%/workflow_pod.c \
	%reldir%/workflow_controlflow.c %reldir%/workflow_resource.c \
	%reldir%/package.c %reldir%/package.h %reldir%/tarzip.c %reldir%/tarzip.h \
	%reldir%/deflate_piece.c %reldir%/deflate_piece.h \
	%reldir%/builtin_mnist.c \
	%reldir%/plugin_ctx.c %reldir%/plugin_ctx.h \
	%reldir%/compile.c \
	%reldir%/diag.c %reldir%/diag.h %reldir%/textfile.c %reldir%/textfile.h \
	%reldir%/yaml_load.c %reldir%/yaml_load.h %reldir%/yaml_load_int.h \
	%reldir%/yaml_fast.c \
	%reldir%/yaml_step_pod.c %reldir%/yaml_groups.c %reldir%/yaml_resource.c \
	%reldir%/lint.c %reldir%/graph_dot.c \
	%reldir%/component.c %reldir%/component.h %reldir%/component_placeholders.c \
	%reldir%/component_op.c %reldir%/component_op.h %reldir%/component_yaml.c \
	%reldir%/component_yaml.h %reldir%/sha256.c %reldir%/sha256.h \
	%reldir%/version.c
%canon_reldir%_libmpcore_la_CPPFLAGS = $(AM_CPPFLAGS) $(YAML_CFLAGS) $(ZLIB_CFLAGS) \
	$(ISAL_CFLAGS) $(JANSSON_CFLAGS)
%canon_reldir%_libmpcore_la_LIBADD = %reldir%/libmploader.la $(YAML_LIBS) $(ZLIB_LIBS) \
	$(ISAL_LIBS) $(JANSSON_LIBS) \
	$(DL_LIBS) $(PTHREAD_LIBS)

# The loader alone gets the plugin directory, expanded by make (not configure), so that
# 'make prefix=...' and distcheck's temporary prefix work.
noinst_LTLIBRARIES += %reldir%/libmploader.la
%canon_reldir%_libmploader_la_SOURCES = %reldir%/plugin_loader.c %reldir%/plugin_loader.h
%canon_reldir%_libmploader_la_CPPFLAGS = $(AM_CPPFLAGS) -DMP_PLUGINDIR='"$(plugindir)"'

lib_LTLIBRARIES += %reldir%/libmnistpipe.la
%canon_reldir%_libmnistpipe_la_SOURCES =
%canon_reldir%_libmnistpipe_la_LIBADD = %reldir%/libmpcore.la
%canon_reldir%_libmnistpipe_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(MP_LT_VERSION) \
	-no-undefined -export-symbols-regex '^mp_' $(MP_NO_UNDEFINED_LDFLAGS)

pkginclude_HEADERS += include/mnistpipe/mnistpipe.h include/mnistpipe/plugin.h \
	include/mnistpipe/host.h

bin_PROGRAMS += %reldir%/mnistpipe
%canon_reldir%_mnistpipe_SOURCES = %reldir%/main.c
%canon_reldir%_mnistpipe_LDADD = %reldir%/libmnistpipe.la
