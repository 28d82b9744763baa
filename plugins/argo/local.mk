# SPDX-License-Identifier: MIT
# The argo plugin: Workflow output, and submit to an Argo Server or the Kubernetes API.
plugin_LTLIBRARIES += plugins/argo.la
plugins_argo_la_SOURCES = %reldir%/argo.c %reldir%/argo_submit.c %reldir%/argo_submit.h \
	%reldir%/argo_http.c %reldir%/../common/http.h \
	%reldir%/argo_curl.c %reldir%/../common/curl_lazy.h \
	%reldir%/kubeconfig.c %reldir%/kubeconfig.h
plugins_argo_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)
plugins_argo_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_argo_la_LIBADD = $(PLUGIN_LIBADD) $(JANSSON_LIBS) $(YAML_LIBS) $(DL_LIBS)
# libcurl is not linked: plugins/common/curl_lazy.c loads it when a command first needs it.
