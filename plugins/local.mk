# SPDX-License-Identifier: MIT
# Plugins: libtool modules installed in $(plugindir). Their include path is include/ only, so
# a plugin cannot reach a core header; they link the shared libmnistpipe.

PLUGIN_CPPFLAGS = -I$(top_srcdir)/include -I$(top_builddir)
PLUGIN_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-export-symbols-regex '^mp_plugin_describe$$' $(MP_NO_UNDEFINED_LDFLAGS)
PLUGIN_LIBADD = core/libmnistpipe.la

include %reldir%/gcp/local.mk
include %reldir%/onprem/local.mk
include %reldir%/argo/local.mk
include %reldir%/kfp/local.mk
include %reldir%/local/local.mk
