# SPDX-License-Identifier: MIT
"""Swagger 2.0 routes and request validation for the KFP stand-in server (kfp_stub.py).

Loads kfp-api/{v1beta1,v2beta1}/*.swagger.json, builds one route per (method, path
template), and checks query parameters, JSON bodies (definitions converted to JSON Schema
draft 7, $ref resolved) and the upload's multipart shape.  Stdlib + python3-jsonschema.
"""

import copy
import glob
import json
import os
import re

import jsonschema

# Definitions whose free-form shape must stay open (google.protobuf.Any/Struct/Value).
_OPEN_DEFS = {"protobufAny", "protobufNullValue"}


def _camel(name):
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def convert_schema(node):
    """Swagger 2.0 schema -> JSON Schema draft 7, as strict as the KFP 2.14+ gateway.

    - objects with declared properties reject unknown fields (DiscardUnknown: false);
    - lowerCamelCase spellings of each property are accepted (protojson);
    - string enums also accept their numeric value (protojson);
    - int64/uint64 (JSON strings) and int32 also accept the other JSON type.
    """
    if isinstance(node, list):
        return [convert_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}
    out = {}
    for key, value in node.items():
        if key in ("description", "title", "example", "default", "readOnly",
                   "x-nullable", "format"):
            continue
        if key == "properties":
            props = {}
            for pname, pschema in value.items():
                conv = convert_schema(pschema)
                props[pname] = conv
                alias = _camel(pname)
                if alias != pname and alias not in value:
                    props[alias] = conv
            out["properties"] = props
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            out[key] = convert_schema(value)
        else:
            out[key] = copy.deepcopy(value)
    fmt = node.get("format")
    if node.get("type") == "string" and fmt in ("int64", "uint64"):
        out["type"] = ["string", "integer"]
    elif node.get("type") == "integer":
        out["type"] = ["integer", "string"]
    if "enum" in node and all(isinstance(e, str) for e in node["enum"]):
        out["enum"] = list(node["enum"]) + list(range(len(node["enum"])))
        out.pop("type", None)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def convert_defs(defs):
    out = {}
    for name, schema in defs.items():
        if name in _OPEN_DEFS:
            out[name] = {k: v for k, v in schema.items() if k not in ("description", "title")}
            continue
        out[name] = convert_schema(schema)
    return out


class Route:
    def __init__(self, version, method, template, op, defs, source):
        self.version = version
        self.method = method
        self.template = template
        self.op = op
        self.source = source
        self.defs = defs
        self.params = op.get("parameters", [])
        self.path_names = []
        regex = ""
        for piece in re.split(r"(\{[^}]+\})", template):
            if piece.startswith("{"):
                self.path_names.append(piece[1:-1])
                regex += "([^/:]+)"
            else:
                regex += re.escape(piece)
        self.regex = re.compile("^" + regex + "$")
        self.literal = len(re.sub(r"\{[^}]+\}", "", template))
        self.query = {p["name"]: p for p in self.params if p.get("in") == "query"}
        self.body = next((p for p in self.params if p.get("in") == "body"), None)
        self.form = [p for p in self.params if p.get("in") == "formData"]
        self._validator = None

    def match(self, path):
        m = self.regex.match(path)
        if not m:
            return None
        return dict(zip(self.path_names, m.groups()))

    def body_validator(self):
        if self._validator is None and self.body is not None:
            schema = self.body.get("schema", {})
            root = convert_schema(schema)
            if "$ref" in root:
                root = {"$ref": root["$ref"]}
            root = dict(root)
            root["definitions"] = self.defs
            jsonschema.Draft7Validator.check_schema(root)
            self._validator = jsonschema.Draft7Validator(root)
        return self._validator


class Spec:
    """All routes of the selected API versions."""

    def __init__(self, swagger_dir, versions):
        self.routes = []
        self.filter_validators = {}
        for version in versions:
            files = sorted(glob.glob(os.path.join(swagger_dir, version, "*.swagger.json")))
            if not files:
                raise FileNotFoundError(f"no swagger files in {swagger_dir}/{version}")
            for path in files:
                with open(path, encoding="utf-8") as fh:
                    doc = json.load(fh)
                defs = convert_defs(doc.get("definitions", {}))
                for template, methods in doc.get("paths", {}).items():
                    for method, op in methods.items():
                        self.routes.append(Route(version, method.upper(), template, op,
                                                 defs, os.path.basename(path)))
                if os.path.basename(path) == "filter.swagger.json":
                    name = "apiFilter" if version == "v1beta1" else "v2beta1Filter"
                    root = {"$ref": "#/definitions/" + name, "definitions": defs}
                    self.filter_validators[version] = jsonschema.Draft7Validator(root)
        self.routes.sort(key=lambda r: -r.literal)

    def find(self, method, path):
        """(route, path_params, allowed_methods) — route None when nothing matches."""
        allowed = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method:
                return route, params, allowed
            allowed.append(route.method)
        return None, None, allowed


def schema_errors(validator, doc, limit=5):
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                             for p in err.absolute_path)
        msg = err.message
        if len(msg) > 300:
            msg = msg[:297] + "..."
        out.append(f"{path}: {msg}")
        if len(out) >= limit:
            break
    return out


def check_query(route, query):
    """query: dict name -> list of values. Returns a list of problems."""
    problems = []
    for name, values in query.items():
        param = route.query.get(name)
        if param is None:
            problems.append(f"query parameter {name!r} is not declared for "
                            f"{route.method} {route.template}")
            continue
        if len(values) > 1 and param.get("type") != "array":
            problems.append(f"query parameter {name!r} given {len(values)} times")
        for value in values:
            ptype = param.get("type")
            if ptype == "integer":
                if not re.fullmatch(r"-?[0-9]+", value):
                    problems.append(f"query parameter {name!r}: {value!r} is not an integer")
            elif ptype == "boolean":
                if value not in ("true", "false", "1", "0", "True", "False"):
                    problems.append(f"query parameter {name!r}: {value!r} is not a boolean")
            if "enum" in param and value not in param["enum"] and \
                    not (value.isdigit() and int(value) < len(param["enum"])):
                problems.append(f"query parameter {name!r}: {value!r} not one of "
                                f"{param['enum']}")
    for name, param in route.query.items():
        if param.get("required") and name not in query:
            problems.append(f"required query parameter {name!r} missing")
    return problems


def parse_multipart(content_type, body):
    """Returns (parts, problems); parts = [{name, filename, content_type, data}]."""
    problems = []
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        return [], [f"Content-Type must be multipart/form-data, got {content_type!r}"]
    m = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', content_type)
    if not m:
        return [], ["multipart Content-Type without boundary"]
    boundary = (m.group(1) or m.group(2)).encode("latin-1")
    delim = b"--" + boundary
    chunks = body.split(delim)
    if len(chunks) < 3:
        return [], ["multipart body has no parts or no closing boundary"]
    if not chunks[-1].startswith(b"--"):
        problems.append("multipart body lacks the closing boundary '--" +
                        boundary.decode("latin-1") + "--'")
    parts = []
    for raw in chunks[1:-1] if chunks[-1].startswith(b"--") else chunks[1:]:
        if not raw.startswith(b"\r\n"):
            problems.append("multipart boundary not followed by CRLF")
            continue
        raw = raw[2:]
        head, sep, data = raw.partition(b"\r\n\r\n")
        if not sep:
            problems.append("multipart part without header/body separator")
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        else:
            problems.append("multipart part data not terminated by CRLF before boundary")
        headers = {}
        for line in head.split(b"\r\n"):
            if b":" in line:
                k, v = line.split(b":", 1)
                headers[k.strip().lower().decode("latin-1")] = v.strip().decode("utf-8", "replace")
        disp = headers.get("content-disposition", "")
        if not disp.lower().startswith("form-data"):
            problems.append(f"multipart part Content-Disposition is {disp!r}")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', disp)
        filename = re.search(r'filename="([^"]*)"', disp)
        parts.append({"name": name.group(1) if name else None,
                      "filename": filename.group(1) if filename else None,
                      "content_type": headers.get("content-type"),
                      "data": data})
    return parts, problems
