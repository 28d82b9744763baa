# SPDX-License-Identifier: MIT
# Fuzz targets (tests/fuzz/README.md). Every build replays each target's seed corpus
# (tests/fuzz/<target>/) through the target's entry point with a small driver (replay.c), as
# a test; ./configure --enable-fuzzing (clang) also builds the libFuzzer binaries fuzz_<target>.
# Included from tests/local.mk, so %reldir% is tests/fuzz.

FUZZ_COMMON = %reldir%/fuzz.h
FUZZ_REPLAY = %reldir%/replay.c
FUZZ_CORE_LDADD = core/libmnistpipe.la
FUZZ_PLUGIN_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)
FUZZ_PLUGIN_LDADD = core/libmnistpipe.la $(CURL_LIBS) $(JANSSON_LIBS) $(YAML_LIBS)
FUZZ_CLUSTER = %reldir%/cluster_target.c %reldir%/cluster_target.h %reldir%/fake_http.c \
	%reldir%/fake_http.h
FUZZ_KFP_SOURCES = %reldir%/fuzz_kfp.c $(FUZZ_CLUSTER) \
	plugins/kfp/kfp.c plugins/kfp/kfp_api.c plugins/kfp/kfp_cmd.c plugins/kfp/kfp_wait.c \
	plugins/kfp/kfp_dex.c
FUZZ_ARGO_SOURCES = %reldir%/fuzz_argo.c $(FUZZ_CLUSTER) \
	plugins/argo/argo.c plugins/argo/argo_submit.c plugins/argo/kubeconfig.c
FUZZ_SERVE_SOURCES = %reldir%/fuzz_serve.c examples/mnist/serve/rest.c \
	examples/mnist/serve/models.c examples/mnist/serve/tfjson.c \
	examples/mnist/serve/metrics.c examples/mnist/serve/util.c tests/mnist/stub_servable.c
FUZZ_SERVE_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/examples/mnist/serve
FUZZ_SERVE_LDADD = $(LIBM) $(PTHREAD_LIBS)
# The component loader is internal (libmpcore); the component test files are its seeds too.
FUZZ_COMPONENT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core

FUZZ_REPLAYS = %reldir%/replay_yaml_load %reldir%/replay_compile %reldir%/replay_kfp \
	%reldir%/replay_argo %reldir%/replay_serve %reldir%/replay_component
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

# The loader target also compares core/yaml_fast.c with the libyaml path (internal: libmpcore).
FUZZ_YAML_LOAD_SOURCES = %reldir%/fuzz_yaml_load.c %reldir%/memfile.c tests/yaml_same.c \
	tests/yaml_same.h
FUZZ_YAML_LOAD_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/tests \
	$(YAML_CFLAGS)
FUZZ_YAML_LOAD_LDADD = core/libmpcore.la $(YAML_LIBS)

%canon_reldir%_replay_yaml_load_SOURCES = $(FUZZ_YAML_LOAD_SOURCES) $(FUZZ_REPLAY) \
	$(FUZZ_COMMON)
%canon_reldir%_replay_yaml_load_CPPFLAGS = $(FUZZ_YAML_LOAD_CPPFLAGS) -DFUZZ_CORPUS='"yaml_load"'
%canon_reldir%_replay_yaml_load_LDADD = $(FUZZ_YAML_LOAD_LDADD)

%canon_reldir%_replay_compile_SOURCES = %reldir%/fuzz_compile.c %reldir%/memfile.c \
	$(FUZZ_REPLAY) $(FUZZ_COMMON)
%canon_reldir%_replay_compile_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS='"compile"' \
	-DMP_FUZZ_PLUGIN_PATH='"$(abs_top_builddir)/plugins/.libs"'
%canon_reldir%_replay_compile_LDADD = $(FUZZ_CORE_LDADD)

%canon_reldir%_replay_kfp_SOURCES = $(FUZZ_KFP_SOURCES) $(FUZZ_REPLAY) $(FUZZ_COMMON)
%canon_reldir%_replay_kfp_CPPFLAGS = $(FUZZ_PLUGIN_CPPFLAGS) -DFUZZ_CORPUS='"kfp"'
%canon_reldir%_replay_kfp_LDADD = $(FUZZ_PLUGIN_LDADD)

%canon_reldir%_replay_argo_SOURCES = $(FUZZ_ARGO_SOURCES) $(FUZZ_REPLAY) $(FUZZ_COMMON)
%canon_reldir%_replay_argo_CPPFLAGS = $(FUZZ_PLUGIN_CPPFLAGS) -DFUZZ_CORPUS='"argo"'
%canon_reldir%_replay_argo_LDADD = $(FUZZ_PLUGIN_LDADD)

%canon_reldir%_replay_serve_SOURCES = $(FUZZ_SERVE_SOURCES) $(FUZZ_REPLAY) $(FUZZ_COMMON)
%canon_reldir%_replay_serve_CPPFLAGS = $(FUZZ_SERVE_CPPFLAGS) -DFUZZ_CORPUS='"serve"'
%canon_reldir%_replay_serve_LDADD = $(FUZZ_SERVE_LDADD)

%canon_reldir%_replay_component_SOURCES = %reldir%/fuzz_component.c $(FUZZ_REPLAY) \
	$(FUZZ_COMMON)
%canon_reldir%_replay_component_CPPFLAGS = $(FUZZ_COMPONENT_CPPFLAGS) \
	-DFUZZ_CORPUS='"component"' \
	-DFUZZ_EXTRA_SEEDS='"tests/data/components", "tests/data/components/bad", \
	"tests/data/components/bad-steps", "tests/data/bad"'
%canon_reldir%_replay_component_LDADD = core/libmpcore.la

if ENABLE_FUZZING
# The libFuzzer binaries: not installed, not run by 'make check' (see README.md).
noinst_PROGRAMS += %reldir%/fuzz_yaml_load %reldir%/fuzz_compile %reldir%/fuzz_kfp \
	%reldir%/fuzz_argo %reldir%/fuzz_serve %reldir%/fuzz_component

%canon_reldir%_fuzz_yaml_load_SOURCES = $(FUZZ_YAML_LOAD_SOURCES) $(FUZZ_COMMON)
%canon_reldir%_fuzz_yaml_load_CPPFLAGS = $(FUZZ_YAML_LOAD_CPPFLAGS)
%canon_reldir%_fuzz_yaml_load_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_yaml_load_LDADD = $(FUZZ_YAML_LOAD_LDADD)

%canon_reldir%_fuzz_compile_SOURCES = %reldir%/fuzz_compile.c %reldir%/memfile.c $(FUZZ_COMMON)
%canon_reldir%_fuzz_compile_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMP_FUZZ_PLUGIN_PATH='"$(abs_top_builddir)/plugins/.libs"'
%canon_reldir%_fuzz_compile_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_compile_LDADD = $(FUZZ_CORE_LDADD)

%canon_reldir%_fuzz_kfp_SOURCES = $(FUZZ_KFP_SOURCES) $(FUZZ_COMMON)
%canon_reldir%_fuzz_kfp_CPPFLAGS = $(FUZZ_PLUGIN_CPPFLAGS)
%canon_reldir%_fuzz_kfp_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_kfp_LDADD = $(FUZZ_PLUGIN_LDADD)

%canon_reldir%_fuzz_argo_SOURCES = $(FUZZ_ARGO_SOURCES) $(FUZZ_COMMON)
%canon_reldir%_fuzz_argo_CPPFLAGS = $(FUZZ_PLUGIN_CPPFLAGS)
%canon_reldir%_fuzz_argo_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_argo_LDADD = $(FUZZ_PLUGIN_LDADD)

%canon_reldir%_fuzz_serve_SOURCES = $(FUZZ_SERVE_SOURCES) $(FUZZ_COMMON)
%canon_reldir%_fuzz_serve_CPPFLAGS = $(FUZZ_SERVE_CPPFLAGS)
%canon_reldir%_fuzz_serve_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_serve_LDADD = $(FUZZ_SERVE_LDADD)

%canon_reldir%_fuzz_component_SOURCES = %reldir%/fuzz_component.c $(FUZZ_COMMON)
%canon_reldir%_fuzz_component_CPPFLAGS = $(FUZZ_COMPONENT_CPPFLAGS)
%canon_reldir%_fuzz_component_LDFLAGS = $(AM_LDFLAGS) $(MP_FUZZ_LDFLAGS)
%canon_reldir%_fuzz_component_LDADD = core/libmpcore.la
endif

EXTRA_DIST += %reldir%/README.md %reldir%/yaml_load %reldir%/compile %reldir%/kfp \
	%reldir%/argo %reldir%/serve %reldir%/component
