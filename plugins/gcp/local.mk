# SPDX-License-Identifier: MIT
# The gcp plugin.
plugin_LTLIBRARIES += plugins/gcp.la
plugins_gcp_la_SOURCES = %reldir%/gcp.c
plugins_gcp_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_gcp_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_gcp_la_LIBADD = $(PLUGIN_LIBADD)
