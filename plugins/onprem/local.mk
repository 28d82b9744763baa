# SPDX-License-Identifier: MIT
# The onprem plugin.
plugin_LTLIBRARIES += plugins/onprem.la
plugins_onprem_la_SOURCES = %reldir%/onprem.c
plugins_onprem_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_onprem_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_onprem_la_LIBADD = $(PLUGIN_LIBADD)
