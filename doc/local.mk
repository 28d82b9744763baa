# SPDX-License-Identifier: MIT
dist_man_MANS += %reldir%/mnistpipe.1 %reldir%/mnistpipe-plugin.7
