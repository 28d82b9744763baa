# SPDX-License-Identifier: MIT
# The argo plugin.
plugin_LTLIBRARIES += plugins/argo.la
plugins_argo_la_SOURCES = %reldir%/argo.c
plugins_argo_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_argo_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_argo_la_LIBADD = $(PLUGIN_LIBADD)
