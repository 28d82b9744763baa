# SPDX-License-Identifier: MIT
dist_man_MANS += %reldir%/mnistpipe.1 %reldir%/mnistpipe-plugin.7
dist_man_MANS += %reldir%/mnistpipe-pipeline.5
dist_man_MANS += %reldir%/mnist-train.1
EXTRA_DIST += %reldir%/pipeline-format.md

# bash completion, installed as 'mnistpipe' where bash-completion looks it up on demand.
EXTRA_DIST += %reldir%/mnistpipe.bash-completion
bashcompletiondir = $(BASH_COMPLETION_DIR)
if INSTALL_BASH_COMPLETION
install-data-local: install-bash-completion
uninstall-local: uninstall-bash-completion
endif
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) '$(srcdir)/%reldir%/mnistpipe.bash-completion' \
		'$(DESTDIR)$(bashcompletiondir)/mnistpipe'
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/mnistpipe'
.PHONY: install-bash-completion uninstall-bash-completion
