# SPDX-License-Identifier: MIT
# Tests: Check unit tests, fixture plugins, golden and CLI tests. Run with 'make check'.

# Every test sees the build tree's plugins (never an installed copy), the source tree, and
# ../shared (tests that need it skip with 77 when it is absent, as in distcheck).
AM_TESTS_ENVIRONMENT = \
	export MP_TOP_SRCDIR='$(abs_top_srcdir)'; \
	export MP_TOP_BUILDDIR='$(abs_top_builddir)'; \
	export MNISTPIPE_PLUGIN_PATH='$(abs_top_builddir)/plugins/.libs:$(abs_top_builddir)/tests/plugins/.libs'; \
	export MNISTPIPE='$(abs_top_builddir)/core/mnistpipe'; \
	export LIBTOOL='$(SHELL) $(abs_top_builddir)/libtool'; \
	export PYTHON3='$(PYTHON3)'; \
	if test -z "$$MNISTPIPE_SHARED" && test -d '$(abs_top_srcdir)/../shared'; then \
	  export MNISTPIPE_SHARED='$(abs_top_srcdir)/../shared'; fi; \
	export CK_DEFAULT_TIMEOUT=60;
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/run-test.sh
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/run-test.sh
EXTRA_DIST += %reldir%/run-test.sh %reldir%/lib.sh %reldir%/tools/wfcompare.py \
	%reldir%/golden/mnist.gcp.yaml %reldir%/golden/mnist.onprem.yaml \
	%reldir%/golden/mnist.gcp.argo.yaml %reldir%/golden/mnist.onprem.argo.yaml

if HAVE_CHECK
CHECK_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -Wno-format-truncation
CHECK_CORE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core

# Unit tests of core modules link the static internal library to reach mpi_* functions.
check_PROGRAMS += %reldir%/check_buf %reldir%/check_graph %reldir%/check_write \
	%reldir%/check_yaml_emit %reldir%/check_workflow %reldir%/check_package
TESTS += %reldir%/check_buf %reldir%/check_graph %reldir%/check_write \
	%reldir%/check_yaml_emit %reldir%/check_workflow %reldir%/check_package

%canon_reldir%_check_buf_SOURCES = %reldir%/check_buf.c
%canon_reldir%_check_buf_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_buf_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_buf_LDADD = core/libmpcore.la $(CHECK_LIBS)

%canon_reldir%_check_graph_SOURCES = %reldir%/check_graph.c
%canon_reldir%_check_graph_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_graph_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_graph_LDADD = core/libmpcore.la $(CHECK_LIBS)

%canon_reldir%_check_write_SOURCES = %reldir%/check_write.c
%canon_reldir%_check_write_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_write_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_write_LDADD = core/libmpcore.la $(CHECK_LIBS)

# libyaml's emitter, the reference that mp_write_yaml()'s own emitter must match byte for byte.
%canon_reldir%_check_yaml_emit_SOURCES = %reldir%/check_yaml_emit.c %reldir%/yaml_ref.c \
	%reldir%/yaml_ref.h
%canon_reldir%_check_yaml_emit_CPPFLAGS = $(CHECK_CORE_CPPFLAGS) $(YAML_CFLAGS)
%canon_reldir%_check_yaml_emit_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_yaml_emit_LDADD = core/libmpcore.la $(YAML_LIBS) $(CHECK_LIBS)

%canon_reldir%_check_workflow_SOURCES = %reldir%/check_workflow.c
%canon_reldir%_check_workflow_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_workflow_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_workflow_LDADD = core/libmpcore.la $(CHECK_LIBS)
check_PROGRAMS += %reldir%/check_resource
TESTS += %reldir%/check_resource
%canon_reldir%_check_resource_SOURCES = %reldir%/check_resource.c
%canon_reldir%_check_resource_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_resource_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_resource_LDADD = core/libmpcore.la $(CHECK_LIBS)

%canon_reldir%_check_package_SOURCES = %reldir%/check_package.c
%canon_reldir%_check_package_CPPFLAGS = $(CHECK_CORE_CPPFLAGS) $(ARCHIVE_CFLAGS) $(ZLIB_CFLAGS) \
	$(ISAL_CFLAGS)
%canon_reldir%_check_package_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_package_LDADD = core/libmpcore.la $(ARCHIVE_LIBS) $(ZLIB_LIBS) $(ISAL_LIBS) \
	$(CHECK_LIBS)

# The loader test links the shared library, as the command does, so the fixture plugins and
# the test share one core.
check_PROGRAMS += %reldir%/check_plugin_loader
TESTS += %reldir%/check_plugin_loader
%canon_reldir%_check_plugin_loader_SOURCES = %reldir%/check_plugin_loader.c
%canon_reldir%_check_plugin_loader_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_plugin_loader_LDADD = core/libmnistpipe.la $(CHECK_LIBS)
else
check-local: check-needs-check
check-needs-check:
	@echo "make check needs the Check unit test framework (Debian: apt-get install check)"; exit 1
endif

# Fixture plugins, one per loader failure; built for tests only, never installed.
FIXTURE_LDFLAGS = -module -avoid-version -rpath /nowhere $(AM_LDFLAGS)
FIXTURE_CPPFLAGS = -I$(top_srcdir)/include -I$(top_builddir)
check_LTLIBRARIES += %reldir%/plugins/fx_good.la %reldir%/plugins/abi_major.la \
	%reldir%/plugins/abi_newer_minor.la %reldir%/plugins/no_entry.la \
	%reldir%/plugins/null_desc.la %reldir%/plugins/wrong_name.la \
	%reldir%/plugins/wrong_kind.la %reldir%/plugins/null_ops.la %reldir%/plugins/short_ops.la \
	%reldir%/plugins/no_transform.la %reldir%/plugins/option_clash.la \
	%reldir%/plugins/fx_fail.la
if CAN_BUILD_UNRESOLVED
check_LTLIBRARIES += %reldir%/plugins/unresolved.la
%canon_reldir%_plugins_unresolved_la_SOURCES = %reldir%/plugins/unresolved.c
%canon_reldir%_plugins_unresolved_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_unresolved_la_LDFLAGS = $(FIXTURE_LDFLAGS)
endif
EXTRA_DIST += %reldir%/plugins/fixture.h

%canon_reldir%_plugins_fx_good_la_SOURCES = %reldir%/plugins/fx_good.c
%canon_reldir%_plugins_fx_good_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_fx_good_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_fx_good_la_LIBADD = core/libmnistpipe.la
%canon_reldir%_plugins_fx_fail_la_SOURCES = %reldir%/plugins/fx_fail.c
%canon_reldir%_plugins_fx_fail_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_fx_fail_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_fx_fail_la_LIBADD = core/libmnistpipe.la
%canon_reldir%_plugins_abi_major_la_SOURCES = %reldir%/plugins/abi_major.c
%canon_reldir%_plugins_abi_major_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_abi_major_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_abi_newer_minor_la_SOURCES = %reldir%/plugins/abi_newer_minor.c
%canon_reldir%_plugins_abi_newer_minor_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_abi_newer_minor_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_no_entry_la_SOURCES = %reldir%/plugins/no_entry.c
%canon_reldir%_plugins_no_entry_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_no_entry_la_LDFLAGS = -module -avoid-version -rpath /nowhere
%canon_reldir%_plugins_null_desc_la_SOURCES = %reldir%/plugins/null_desc.c
%canon_reldir%_plugins_null_desc_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_null_desc_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_wrong_name_la_SOURCES = %reldir%/plugins/wrong_name.c
%canon_reldir%_plugins_wrong_name_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_wrong_name_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_wrong_kind_la_SOURCES = %reldir%/plugins/wrong_kind.c
%canon_reldir%_plugins_wrong_kind_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_wrong_kind_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_null_ops_la_SOURCES = %reldir%/plugins/null_ops.c
%canon_reldir%_plugins_null_ops_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_null_ops_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_short_ops_la_SOURCES = %reldir%/plugins/short_ops.c
%canon_reldir%_plugins_short_ops_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_short_ops_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_no_transform_la_SOURCES = %reldir%/plugins/no_transform.c
%canon_reldir%_plugins_no_transform_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_no_transform_la_LDFLAGS = $(FIXTURE_LDFLAGS)
%canon_reldir%_plugins_option_clash_la_SOURCES = %reldir%/plugins/option_clash.c
%canon_reldir%_plugins_option_clash_la_CPPFLAGS = $(FIXTURE_CPPFLAGS)
%canon_reldir%_plugins_option_clash_la_LDFLAGS = $(FIXTURE_LDFLAGS)

# Command-line, golden and packaging tests.
dist_check_SCRIPTS += %reldir%/cli/golden.sh %reldir%/cli/determinism.sh \
	%reldir%/cli/errors.sh %reldir%/cli/symbols.sh %reldir%/cli/headers.sh \
	%reldir%/cli/plugin-files.sh %reldir%/cli/command-routing.sh %reldir%/banned.sh
TESTS += %reldir%/cli/golden.sh %reldir%/cli/determinism.sh %reldir%/cli/errors.sh \
	%reldir%/cli/symbols.sh %reldir%/cli/headers.sh %reldir%/cli/plugin-files.sh \
	%reldir%/cli/command-routing.sh \
	%reldir%/banned.sh

# Rewrite the golden files from the current build; reviewers read every diff. 'make check'
# never does this.
update-golden: all
	$(AM_TESTS_ENVIRONMENT) MP_UPDATE_GOLDEN=1 $(SHELL) $(top_srcdir)/tests/cli/golden.sh

include %reldir%/stub/local.mk
include %reldir%/kfp/local.mk
include %reldir%/pipeline-files.mk
include %reldir%/kfp-cases.mk
include %reldir%/components.mk
include %reldir%/local-runner/local.mk
include %reldir%/shell/local.mk
include %reldir%/fuzz/local.mk
include %reldir%/reliability/local.mk
