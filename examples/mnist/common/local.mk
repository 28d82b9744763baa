# SPDX-License-Identifier: MIT
# libmnpm: the model.mnpm file format, inference, IDX reader and export (shared by train and serve).
noinst_HEADERS += %reldir%/mnpm.h
