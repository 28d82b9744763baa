#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wfcompare - do two Argo Workflows (YAML files or KFP .tar.gz/.tgz/.zip packages) describe
the same workflow?

Compares the parsed documents, not their text. Ignored: the compile-time stamp annotation and
the SDK-version strings (pipelines.kubeflow.org/kfp_sdk_version in annotations and labels).
The pipeline_spec annotation (JSON in a string) is compared parsed as well.
Exit 0 same, 1 different (the differences are printed), 2 usage or read error.

  wfcompare.py [--default NAME=VALUE]... LEFT RIGHT

--default sets a pipeline parameter's default in RIGHT before comparing (in spec.arguments
and in the pipeline_spec run-form inputs), e.g. kfp's on-prem reference compiled with
pvc_name='' compared with a compile given --pvc my-pvc.
"""
import io
import json
import sys
import tarfile
import zipfile

import yaml

IGNORED = {"pipelines.kubeflow.org/pipeline_compilation_time",
           "pipelines.kubeflow.org/kfp_sdk_version"}


def load(path):
    if path.endswith((".tar.gz", ".tgz")):
        with tarfile.open(path, "r:gz") as t:
            names = t.getnames()
            if names != ["pipeline.yaml"]:
                raise ValueError(f"{path}: members {names}, expected ['pipeline.yaml']")
            data = t.extractfile("pipeline.yaml").read()
    elif path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            if z.namelist() != ["pipeline.yaml"]:
                raise ValueError(f"{path}: members {z.namelist()}, expected ['pipeline.yaml']")
            data = z.read("pipeline.yaml")
    else:
        with open(path, "rb") as f:
            data = f.read()
    return yaml.safe_load(io.BytesIO(data))


def normalise(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in IGNORED:
                continue
            if k == "pipelines.kubeflow.org/pipeline_spec" and isinstance(v, str):
                v = json.loads(v)
            out[k] = normalise(v)
        return out
    if isinstance(node, list):
        return [normalise(x) for x in node]
    return node


def diff(a, b, path, out):
    if type(a) is not type(b):
        out.append(f"{path}: {a!r} ({type(a).__name__}) != {b!r} ({type(b).__name__})")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}.{k}: missing on the left")
            elif k not in b:
                out.append(f"{path}.{k}: missing on the right")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


def set_default(wf, name, value):
    found = False
    for p in wf.get("spec", {}).get("arguments", {}).get("parameters", []):
        if p.get("name") == name:
            p["value"] = value
            found = True
    spec = wf.get("metadata", {}).get("annotations", {}).get("pipelines.kubeflow.org/pipeline_spec")
    if isinstance(spec, dict):
        for i in spec.get("inputs", []):
            if i.get("name") == name:
                i["default"] = value
    if not found:
        raise ValueError(f"--default {name}: no such parameter in the right-hand workflow")


def main(argv):
    defaults = []
    args = argv[1:]
    while len(args) >= 2 and args[0] == "--default":
        if "=" not in args[1]:
            print("wfcompare: --default needs NAME=VALUE", file=sys.stderr)
            return 2
        defaults.append(args[1].split("=", 1))
        args = args[2:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        left, right = (normalise(load(p)) for p in args)
        for name, value in defaults:
            set_default(right, name, value)
    except (OSError, ValueError, yaml.YAMLError, tarfile.TarError, zipfile.BadZipFile) as e:
        print(f"wfcompare: {e}", file=sys.stderr)
        return 2
    out = []
    diff(left, right, "$", out)
    for line in out:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
