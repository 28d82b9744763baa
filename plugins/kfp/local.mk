# SPDX-License-Identifier: MIT
# The kfp plugin.
plugin_LTLIBRARIES += plugins/kfp.la
plugins_kfp_la_SOURCES = %reldir%/kfp.c
plugins_kfp_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_kfp_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kfp_la_LIBADD = $(PLUGIN_LIBADD)
