# SPDX-License-Identifier: MIT
dist_man_MANS += %reldir%/mnistpipe.1 %reldir%/mnistpipe-plugin.7
dist_man_MANS += %reldir%/mnistpipe-pipeline.5
EXTRA_DIST += %reldir%/pipeline-format.md
