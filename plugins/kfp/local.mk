# SPDX-License-Identifier: MIT
# The kfp plugin: package output, and upload/run/runs/experiments over KFP's REST API.
plugin_LTLIBRARIES += plugins/kfp.la
plugins_kfp_la_SOURCES = %reldir%/kfp.c \
	%reldir%/kfp_api.c %reldir%/kfp_api.h \
	%reldir%/kfp_cmd.c %reldir%/kfp_cmd.h \
	%reldir%/kfp_wait.c %reldir%/kfp_wait.h \
	%reldir%/kfp_dex.c %reldir%/kfp_dex.h \
	%reldir%/kfp_http.c %reldir%/../common/http.h \
	%reldir%/kfp_curl.c %reldir%/../common/curl_lazy.h
plugins_kfp_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
plugins_kfp_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kfp_la_LIBADD = $(PLUGIN_LIBADD) $(JANSSON_LIBS) $(DL_LIBS)
EXTRA_DIST += %reldir%/../common/http.c %reldir%/../common/curl_lazy.c
# libcurl is not linked: plugins/common/curl_lazy.c loads it when a command first needs it.
