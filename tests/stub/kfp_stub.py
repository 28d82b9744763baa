#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kfp_stub.py - stand-in KFP API server (v1beta1 + v2beta1), Argo Server and Kubernetes
Workflow API for mnistpipe's tests.  Binds 127.0.0.1 only.  Every request is checked
against the KFP swagger files; anything off-spec is answered 400 and recorded as a
violation, and the stub then exits 1 at shutdown.  See tests/stub/README.md.
"""

import argparse
import base64
import copy
import gzip
import http.server
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import signal
import socket
import ssl
import sys
import tarfile
import threading
import time
import urllib.parse
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # keep the source tree clean (distcheck: read-only)
sys.path.insert(0, HERE)

try:
    import yaml
    import jsonschema  # noqa: F401  (used by stub_spec)
except ImportError as exc:  # pragma: no cover
    sys.stderr.write(f"kfp_stub: missing Python module ({exc}); "
                     "apt-get install -y python3-yaml python3-jsonschema\n")
    sys.exit(3)

import stub_spec            # noqa: E402
import stub_faults          # noqa: E402
import stub_runs as R       # noqa: E402

MAX_BODY = 40 * 1024 * 1024          # request cap (upload limit 32 MiB + multipart)
MAX_FILE = 32 * 1024 * 1024          # common.MaxFileLength
MAX_LOG = 20000                      # requests kept for /_stub/requests
GRPC_CODE = {400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 6, 412: 9, 413: 3, 415: 3,
             422: 3, 429: 8, 499: 1, 500: 13, 501: 12, 503: 14, 504: 4}
K8S_REASON = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
              405: "MethodNotAllowed", 409: "AlreadyExists", 415: "UnsupportedMediaType",
              422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
              503: "ServiceUnavailable"}
PROXY_PREFIX = re.compile(r"^/api/v1/namespaces/[^/]+/services/(?:https?:)?ml-pipeline(?::[^/]+)?/proxy(?=/)")


class Violation(Exception):
    """A request that does not follow the spec: 400 + recorded."""

    def __init__(self, kind, problems, status=400, upload=False):
        super().__init__("; ".join(problems))
        self.kind = kind
        self.problems = problems
        self.status = status
        self.upload = upload


class ApiError(Exception):
    """A well-formed request the (real) server would refuse; not a violation."""

    def __init__(self, status, message, short=None, upload=False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.short = short or message
        self.upload = upload


def prune(obj):
    """Proto JSON omits zero values: drop None, "", 0, False, [], {} (recursively)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            v = prune(v)
            if v is None or v is False or (isinstance(v, (str, list, dict)) and not v) or \
                    (type(v) in (int, float) and v == 0):
                continue
            out[k] = v
        return out
    if isinstance(obj, list):
        return [prune(x) for x in obj]
    return obj


def redact_headers(headers):
    out = {}
    for k, v in headers.items():
        lk = k.lower()
        if lk in ("authorization", "proxy-authorization"):
            scheme = v.split(" ", 1)[0] if " " in v else ""
            out[k] = (scheme + " " if scheme else "") + "REDACTED"
        elif lk == "cookie":
            out[k] = "; ".join(c.split("=", 1)[0].strip() + "=REDACTED"
                               for c in v.split(";") if c.strip())
        else:
            out[k] = v
    return out


def load_validate_argo(path):
    if not path or not os.path.isfile(path):
        return None
    try:
        loader = importlib.machinery.SourceFileLoader("validate_argo", path)
        spec = importlib.util.spec_from_loader("validate_argo", loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        return mod
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        sys.stderr.write(f"kfp_stub: cannot load {path}: {exc}\n")
        return None


class Store:
    """All server state; guarded by Stub.lock."""

    def __init__(self):
        self.counter = 0
        self.pipelines = {}      # id -> dict
        self.versions = {}       # id -> dict
        self.experiments = {}    # id -> dict
        self.runs = {}           # id -> dict
        self.workflows = {}      # (ns, name) -> dict
        self.order = {}          # id -> creation counter

    def new_id(self):
        self.counter += 1
        return "00000000-0000-4000-8000-%012d" % self.counter, self.counter


class Stub:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.store = Store()
        self.faults = stub_faults.FaultTable()
        self.requests = []
        self.violations = []
        self.seq = 0
        self.backend = args.backend
        self.legacy_errors = args.backend in ("1.8", "2.5")
        self.api_versions = ["v1beta1", "v2beta1"] if args.api == "both" else [args.api]
        if self.backend == "1.8":
            self.api_versions = [v for v in self.api_versions if v == "v1beta1"]
        self.spec = stub_spec.Spec(args.swagger_dir, self.api_versions)
        self.tokens = list(args.token or [])
        self.cookie = None
        if args.cookie:
            name, _, value = args.cookie.partition("=")
            self.cookie = (name.strip(), value.strip())
        self.multi_user = args.multi_user
        self.pending_polls = args.pending_polls
        self.running_polls = args.running_polls
        self.dex_requests = {}   # req id -> {redirect_uri, state}
        self.dex_codes = {}      # code -> state
        self.oauth_states = {}   # state -> rd
        self.auth_counter = 0
        self.log_fh = open(args.log, "a", encoding="utf-8") if args.log else None
        self.varg = load_validate_argo(args.validate_argo)
        self.argo_validator = None
        if self.varg is not None:
            try:
                self.argo_validator = self.varg.build_validator(
                    self.varg.find_schema(args.argo_schema), False, False)
            except Exception as exc:  # noqa: BLE001
                sys.stderr.write(f"kfp_stub: Argo schema unavailable: {exc}\n")
        for text in args.fault or []:
            self.faults.add(stub_faults.parse_spec(text))

    # ------------------------------------------------------------------ logging
    def log(self, line):
        if self.log_fh:
            with self.lock:
                self.log_fh.write(time.strftime("%H:%M:%S ") + line + "\n")
                self.log_fh.flush()

    def record(self, handler, method, path, query, body_len):
        with self.lock:
            self.seq += 1
            rec = {"seq": self.seq, "time": time.time(), "method": method, "path": path,
                   "query": query, "headers": redact_headers(dict(handler.headers.items())),
                   "body_size": body_len, "status": None, "fault": None, "violation": False}
            self.requests.append(rec)
            if len(self.requests) > MAX_LOG:
                del self.requests[: len(self.requests) - MAX_LOG]
            return rec

    def add_violation(self, rec, kind, problems):
        with self.lock:
            rec["violation"] = True
            v = {"seq": rec["seq"], "method": rec["method"], "path": rec["path"],
                 "kind": kind, "problems": list(problems)}
            self.violations.append(v)
        self.log(f"VIOLATION #{rec['seq']} {rec['method']} {rec['path']} [{kind}] "
                 + " | ".join(problems))
        sys.stderr.write(f"kfp_stub: VIOLATION {rec['method']} {rec['path']} [{kind}]: "
                         + " | ".join(problems) + "\n")

    # ------------------------------------------------------------------ argo
    def workflow_problems(self, doc):
        """validate-argo's schema + lint checks (basic checks without it)."""
        if not isinstance(doc, dict):
            return ["workflow is not an object"]
        if self.varg is None or self.argo_validator is None:
            out = []
            if doc.get("apiVersion") != "argoproj.io/v1alpha1":
                out.append("$.apiVersion: must be 'argoproj.io/v1alpha1'")
            if doc.get("kind") != "Workflow":
                out.append("$.kind: must be 'Workflow'")
            return out
        probs = self.varg.schema_problems(self.argo_validator, doc)
        probs += self.varg.lint_problems(doc, [])
        return [f"{self.varg.format_path(p)}: {m} [{k}]" for p, m, k in probs][:20]

    def parse_workflow_text(self, text):
        """YAML/JSON text -> (doc, problems)."""
        try:
            if self.varg is not None:
                docs = self.varg.load_documents(text)
                if not docs:
                    return None, ["empty pipeline file"]
                doc, _, dups = docs[0]
                probs = [f"duplicate YAML key {k!r} (line {ln})" for k, ln in dups]
            else:
                doc = yaml.safe_load(text)
                probs = []
        except Exception as exc:  # noqa: BLE001
            return None, [f"cannot parse pipeline YAML: {str(exc).splitlines()[0]}"]
        doc = json.loads(json.dumps(doc, default=str))
        return doc, probs + self.workflow_problems(doc)

    # ------------------------------------------------------------------ state
    def dump_state(self):
        s = self.store
        with self.lock:
            runs = []
            for r in s.runs.values():
                st = r["prog"].state(self.pending_polls, self.running_polls)
                runs.append({"id": r["id"], "name": r["name"], "api": r["api"],
                             "experiment_id": r["experiment_id"],
                             "pipeline_id": r.get("pipeline_id"),
                             "version_id": r.get("version_id"),
                             "workflow_name": r["wf_name"], "polls": r["prog"].polls,
                             "state": st, "argo_phase": R.argo_phase(st),
                             "parameters": r.get("parameters"),
                             "ignored_parameters": r.get("ignored_parameters"),
                             "service_account": r.get("service_account"),
                             "terminated": r["prog"].terminated_at is not None})
            wfs = []
            for (ns, name), w in s.workflows.items():
                st = w["prog"].state(self.pending_polls, self.running_polls)
                wfs.append({"namespace": ns, "name": name, "via": w["via"],
                            "polls": w["prog"].polls, "state": st,
                            "phase": R.argo_phase(st) if w["prog"].polls else "",
                            "workflow": w["obj"]})
            return {
                "counter": s.counter,
                "pipelines": [dict(p) for p in s.pipelines.values()],
                "versions": [{k: v for k, v in x.items() if k not in ("workflow", "text")}
                             for x in s.versions.values()],
                "experiments": [dict(e) for e in s.experiments.values()],
                "runs": runs, "workflows": wfs,
                "faults": self.faults.snapshot(),
                "violations": len(self.violations),
                "settings": self.settings()}

    def settings(self):
        return {"pending_polls": self.pending_polls, "running_polls": self.running_polls,
                "multi_user": self.multi_user, "backend": self.backend,
                "api": self.api_versions, "tokens": len(self.tokens),
                "cookie": self.cookie[0] if self.cookie else None,
                "argo_validation": self.argo_validator is not None}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kfp-stub/1"
    timeout = 120            # idle keep-alive connections are closed after this

    # ------------------------------------------------------------------ plumbing
    def log_message(self, fmt, *args):   # quiet stderr; keep a log file if asked
        self.server.stub.log("http: " + (fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ValueError("connection closed inside chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:     # trailers
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise OverflowError()
                out += self.rfile.read(size)
                self.rfile.readline(8)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n > MAX_BODY:
            raise OverflowError()
        data = self.rfile.read(n)
        if len(data) != n:
            raise ValueError("body shorter than Content-Length")
        return data

    def send_raw(self, status, body, ctype="application/json", headers=None):
        stub = self.server.stub
        rf = self._rfault
        if self.rec is not None:
            self.rec["status"] = status
        if isinstance(body, str):
            body = body.encode("utf-8")
        if rf and rf["kind"] == "garbage":
            status = rf.get("code", 200)
            body = b"<html><body>502 upstream garbage \x00\xff not json"
            ctype = "text/html"
        if rf and rf["kind"] == "huge":
            return self.send_huge(rf["bytes"])
        if rf and rf["kind"] == "drop":       # when=after: the work is done, no answer
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or []):
            self.send_header(k, v)
        if rf and rf["kind"] == "truncate":
            self.send_header("Content-Length", str(len(body) + 1024))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        stub.log(f"#{self.rec['seq'] if self.rec else '-'} {self.command} {self.path} -> {status}")

    def send_huge(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        head = b'{"pipelines":[{"id":"'
        chunk = b"x" * 65536
        sent = 0
        try:
            self.wfile.write(head[:size])
            sent = min(len(head), size)
            while sent < size:
                n = min(len(chunk), size - sent)
                self.wfile.write(chunk[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            pass
        self.close_connection = True

    def send_json(self, status, obj, headers=None):
        self.send_raw(status, json.dumps(obj, indent=None, separators=(",", ":")),
                      "application/json", headers)

    def grpc_error(self, status, message, short=None, headers=None):
        code = GRPC_CODE.get(status, 2)
        short = short or message
        if self.server.stub.legacy_errors:
            body = {"error": message, "code": code, "message": message,
                    "details": [{"@type": "type.googleapis.com/api.Error",
                                 "error_message": short, "error_details": message}]}
        else:
            body = {"code": code, "message": message,
                    "details": [{"@type": "type.googleapis.com/google.rpc.Status",
                                 "code": code, "message": short}]}
        self.send_json(status, body, headers)

    def upload_error(self, status, message, short=None, headers=None):
        self.send_json(status, {"error_message": short or message, "error_details": message},
                       headers)

    def k8s_error(self, status, message, headers=None):
        self.send_json(status, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                "status": "Failure", "message": message,
                                "reason": K8S_REASON.get(status, "Unknown"),
                                "code": status}, headers)

    def argo_error(self, status, message, headers=None):
        self.send_json(status, {"code": GRPC_CODE.get(status, 2), "message": message},
                       headers)

    def error_for(self, family, status, message, short=None, headers=None, upload=False):
        if family == "k8s":
            self.k8s_error(status, message, headers)
        elif family == "argo":
            self.argo_error(status, message, headers)
        elif family == "kfp" and upload:
            self.upload_error(status, message, short, headers)
        elif family == "kfp":
            self.grpc_error(status, message, short, headers)
        else:
            self.send_raw(status, message + "\n", "text/plain; charset=utf-8", headers)

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, method):
        stub = self.server.stub
        self._rfault = None
        self.rec = None
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        try:
            body = self.read_body()
        except OverflowError:
            self.rec = stub.record(self, method, path, query, -1)
            self.close_connection = True
            return self.send_raw(413, "request body too large\n", "text/plain")
        except (ValueError, socket.timeout) as exc:
            self.rec = stub.record(self, method, path, query, -1)
            stub.add_violation(self.rec, "http", [f"bad request body framing: {exc}"])
            self.close_connection = True
            return self.send_raw(400, "bad request body\n", "text/plain")
        self.rec = stub.record(self, method, path, query, len(body))
        self.body = body
        if path.startswith("/_stub/"):
            return self.control(method, path, query, body)

        family, subpath = self.classify(path)
        token = self.bearer()
        fault = stub.faults.take(method, path, {"status", "drop", "stall", "truncate",
                                                "garbage", "huge", "expire_token"}, token)
        if fault:
            self.rec["fault"] = fault["kind"]
            stub.log(f"#{self.rec['seq']} fault {fault}")
            kind = fault["kind"]
            if kind == "drop" and fault.get("when") == "after":
                self._rfault = fault      # handle the request, lose the answer
            elif kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if kind == "stall":
                time.sleep(fault["seconds"])
            elif kind == "status":
                hdrs = []
                if fault.get("retry_after") is not None:
                    hdrs.append(("Retry-After", str(fault["retry_after"])))
                msg = fault.get("message") or f"stub: injected HTTP {fault['code']}"
                upload = family == "kfp" and subpath.endswith(("/upload", "/upload_version"))
                return self.error_for(family, fault["code"], msg, headers=hdrs, upload=upload)
            elif kind == "expire_token":
                return self.unauthenticated(family, "token expired")
            else:
                self._rfault = fault

        try:
            if family in ("dex", "oauth"):
                return self.auth_flow(method, path, query, body)
            if stub.cookie and not self.has_cookie():
                return self.redirect_to_login(path, url.query)
            if family != "kfp" or not subpath.rstrip("/").endswith("/healthz"):
                if stub.tokens and token not in stub.tokens:
                    return self.unauthenticated(family, "no or invalid bearer token")
            if family == "kfp":
                return self.kfp(method, subpath, query, body)
            if family == "argo":
                return self.argo_server(method, subpath, query, body)
            if family == "k8s":
                return self.k8s(method, subpath, query, body)
            raise Violation("route", [f"no such endpoint: {method} {path}"], status=404)
        except Violation as v:
            stub.add_violation(self.rec, v.kind, v.problems)
            msg = "stub: request does not match the API spec: " + "; ".join(v.problems)
            self.error_for(family, v.status, msg, upload=v.upload)
        except ApiError as e:
            self.error_for(family, e.status, e.message, e.short, upload=e.upload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a stub bug must not look like a spec issue
            import traceback
            traceback.print_exc()
            stub.log(f"stub internal error: {exc!r}")
            with stub.lock:
                stub.violations.append({"seq": self.rec["seq"], "method": method,
                                        "path": path, "kind": "stub-bug",
                                        "problems": [repr(exc)]})
            self.send_raw(500, f"stub internal error: {exc!r}\n", "text/plain")

    def classify(self, path):
        m = PROXY_PREFIX.match(path)
        if m:
            path = path[m.end():]
        if path.startswith("/pipeline/apis/"):
            path = path[len("/pipeline"):]
        if path.startswith(("/apis/v1beta1/", "/apis/v2beta1/")) or \
                path in ("/apis/v1beta1", "/apis/v2beta1"):
            return "kfp", path
        if path.startswith("/apis/argoproj.io/"):
            return "k8s", path
        if path.startswith("/api/v1/"):
            return "argo", path
        if path.startswith("/dex/"):
            return "dex", path
        if path.startswith("/oauth2/") or path == "/login/oidc":
            return "oauth", path
        return "other", path

    def bearer(self):
        h = self.headers.get("Authorization") or ""
        if h[:7].lower() == "bearer ":
            return h[7:].strip()
        return None

    def unauthenticated(self, family, why):
        if family == "k8s":
            return self.k8s_error(401, "Unauthorized")
        if family == "argo":
            return self.argo_error(401, "token not valid. see https://argo-workflows."
                                   "readthedocs.io/en/latest/faq/")
        return self.grpc_error(401, "Unauthenticated: Request header error: there is no "
                               "user identity header.: Authentication failure (" + why + ")",
                               "Request header error: there is no user identity header.")

    # ------------------------------------------------------------------ gateway auth
    def has_cookie(self):
        name, value = self.server.stub.cookie
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == name and v == value:
                return True
        return False

    def oauth2_proxy_style(self):
        return self.server.stub.cookie[0].startswith("oauth2_proxy")

    def next_token(self, prefix):
        stub = self.server.stub
        with stub.lock:
            stub.auth_counter += 1
            return "%s%022d" % (prefix, stub.auth_counter)

    def dex_auth_url(self, state):
        stub = self.server.stub
        if self.oauth2_proxy_style():
            q = {"approval_prompt": "force", "client_id": "kubeflow-oidc-authservice",
                 "redirect_uri": "/oauth2/callback", "response_type": "code",
                 "scope": "openid email groups profile offline_access", "state": state}
        else:
            q = {"client_id": "kubeflow-oidc-authservice", "redirect_uri": "/login/oidc",
                 "response_type": "code", "scope": "profile email groups openid",
                 "state": state}
        del stub
        return "/dex/auth?" + urllib.parse.urlencode(q)

    def redirect(self, location, extra=None, status=302):
        hdrs = [("Location", location)] + (extra or [])
        body = f'<a href="{location}">Found</a>.\n'
        self.send_raw(status, body, "text/html; charset=utf-8", hdrs)

    def redirect_to_login(self, path, raw_query):
        stub = self.server.stub
        original = path + ("?" + raw_query if raw_query else "")
        state = self.next_token("st")
        with stub.lock:
            stub.oauth_states[state] = original
        if self.oauth2_proxy_style():
            return self.redirect("/oauth2/start?rd=" + urllib.parse.quote(original, safe=""))
        return self.redirect(self.dex_auth_url(state))

    def login_form(self, req, invalid=False, status=200):
        action = "/dex/auth/local/login?back=&amp;state=" + req
        err = ('<div id="login-error" class="dex-error-box">Invalid Email Address and '
               'password.</div>') if invalid else ""
        html = f"""<!DOCTYPE html>
<html><head><title>dex</title></head><body>
<div class="theme-panel"><h2 class="theme-heading">Log in to Your Account</h2>
<form method="post" action="{action}">
<div class="theme-form-row"><div class="theme-form-label"><label for="userid">Email Address</label></div>
<input tabindex="1" required id="login" name="login" type="text" class="theme-form-input" placeholder="email address" autofocus /></div>
<div class="theme-form-row"><div class="theme-form-label"><label for="password">Password</label></div>
<input tabindex="2" required id="password" name="password" type="password" class="theme-form-input" placeholder="password" /></div>
<input type="hidden" name="req" value="{req}"/>
{err}
<button tabindex="3" id="submit-login" type="submit" class="dex-btn theme-btn--primary">Login</button>
</form></div></body></html>
"""
        self.send_raw(status, html, "text/html; charset=utf-8")

    def auth_flow(self, method, path, query, body):
        stub = self.server.stub
        q = {k: v[0] for k, v in query.items()}
        if path == "/oauth2/start" and method == "GET":
            state = self.next_token("st")
            with stub.lock:
                stub.oauth_states[state] = q.get("rd") or "/"
            return self.redirect(self.dex_auth_url(state))
        if path in ("/dex/auth", "/dex/auth/local") and method == "GET" and "state" in q \
                and "client_id" in q:
            missing = [k for k in ("client_id", "redirect_uri", "response_type") if not q.get(k)]
            if missing or q.get("response_type") != "code":
                return self.send_raw(400, "Invalid request: " + ", ".join(missing) + "\n",
                                     "text/plain")
            if path == "/dex/auth":   # single connector: straight to it
                return self.redirect("/dex/auth/local?" + urllib.parse.urlencode(q), status=303)
            req = self.next_token("r")
            with stub.lock:
                stub.dex_requests[req] = {"redirect_uri": q["redirect_uri"], "state": q["state"]}
            return self.redirect("/dex/auth/local/login?" +
                                 urllib.parse.urlencode({"back": "", "state": req}), status=303)
        if path in ("/dex/auth/local/login", "/dex/auth/local"):
            req = q.get("state") or q.get("req")
            with stub.lock:
                areq = stub.dex_requests.get(req)
            if areq is None:
                return self.send_raw(400, "Database error: auth request not found\n",
                                     "text/plain")
            if method == "GET":
                return self.login_form(req)
            if method == "POST":
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ctype != "application/x-www-form-urlencoded":
                    stub.add_violation(self.rec, "dex", [f"login form posted as {ctype!r}"])
                form = {k: v[0] for k, v in urllib.parse.parse_qs(
                    body.decode("utf-8", "replace"), keep_blank_values=True).items()}
                if form.get("login") != stub.args.dex_user or \
                        form.get("password") != stub.args.dex_password or \
                        stub.args.dex_user is None:
                    return self.login_form(req, invalid=True)
                code = self.next_token("c")
                with stub.lock:
                    stub.dex_codes[code] = areq
                sep = "&" if "?" in areq["redirect_uri"] else "?"
                return self.redirect(areq["redirect_uri"] + sep + urllib.parse.urlencode(
                    {"code": code, "state": areq["state"]}), status=303)
        if path == "/dex/approval":
            req = q.get("req")
            with stub.lock:
                areq = stub.dex_requests.get(req)
            if areq is None:
                return self.send_raw(400, "Database error\n", "text/plain")
            code = self.next_token("c")
            with stub.lock:
                stub.dex_codes[code] = areq
            return self.redirect(areq["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": areq["state"]}), status=303)
        if path in ("/oauth2/callback", "/login/oidc") and method == "GET":
            with stub.lock:
                areq = stub.dex_codes.pop(q.get("code"), None)
                rd = stub.oauth_states.pop(q.get("state"), None)
            if areq is None or rd is None:
                return self.send_raw(403, "Invalid authentication via OAuth2: unable to "
                                     "verify state/code\n", "text/plain")
            name, value = stub.cookie if stub.cookie else ("authservice_session", "stub")
            cookie = f"{name}={value}; Path=/; HttpOnly; SameSite=Lax"
            if isinstance(self.connection, ssl.SSLSocket):
                cookie += "; Secure"
            return self.redirect(rd, [("Set-Cookie", cookie)])
        raise Violation("dex", [f"no such login endpoint: {method} {path}"], status=404)

    # ------------------------------------------------------------------ control API
    def control(self, method, path, query, body):
        stub = self.server.stub
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            data = body.decode("utf-8", "replace").strip()
        if path == "/_stub/requests":
            if method == "DELETE":
                with stub.lock:
                    stub.requests = []
                return self.send_json(200, {})
            since = int((query.get("since") or ["0"])[0])
            with stub.lock:
                reqs = [dict(r) for r in stub.requests if r["seq"] > since]
            return self.send_json(200, {"requests": reqs})
        if path == "/_stub/violations":
            with stub.lock:
                if method == "DELETE":
                    stub.violations = []
                return self.send_json(200, {"count": len(stub.violations),
                                            "violations": list(stub.violations)})
        if path == "/_stub/state":
            return self.send_json(200, stub.dump_state())
        if path == "/_stub/faults":
            if method == "GET":
                return self.send_json(200, {"faults": stub.faults.snapshot()})
            if method == "DELETE":
                stub.faults.clear()
                return self.send_json(200, {"faults": []})
            items = data
            replace = False
            if isinstance(data, dict) and "faults" in data:
                items, replace = data["faults"], bool(data.get("replace"))
            if not isinstance(items, list):
                items = [items]
            try:
                parsed = [stub_faults.parse_spec(x) if isinstance(x, str)
                          else stub_faults.normalize(x) for x in items]
            except (ValueError, re.error, TypeError) as exc:
                return self.send_json(400, {"error": str(exc)})
            if replace:
                stub.faults.clear()
            added = [stub.faults.add(f) for f in parsed]
            return self.send_json(200, {"faults": added})
        if path == "/_stub/config" and method == "POST" and isinstance(data, dict):
            with stub.lock:
                for key in ("pending_polls", "running_polls"):
                    if key in data:
                        setattr(stub, key, int(data[key]))
                if "multi_user" in data:
                    stub.multi_user = bool(data["multi_user"])
                if "tokens" in data:
                    stub.tokens = [str(t) for t in data["tokens"]]
            return self.send_json(200, stub.settings())
        if path == "/_stub/config" and method == "GET":
            return self.send_json(200, stub.settings())
        if path == "/_stub/shutdown" and method == "POST":
            with stub.lock:
                n = len(stub.violations)
            self.send_json(200, {"violations": n})
            self.close_connection = True
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        return self.send_json(404, {"error": f"unknown stub control endpoint {method} {path}"})

    # ------------------------------------------------------------------ KFP
    def kfp(self, method, path, query, body):
        stub = self.server.stub
        version = path.split("/")[2]
        if version not in stub.api_versions:
            # Not a violation: clients may probe v2beta1 to detect a 1.8 backend (section 7).
            return self.send_raw(404, "404 page not found\n", "text/plain; charset=utf-8")
        route, params, allowed = stub.spec.find(method, path)
        if route is None:
            if allowed:
                raise Violation("route", [f"{method} not allowed on {path} (swagger has "
                                          f"{', '.join(sorted(set(allowed)))})"], status=405)
            raise Violation("route", [f"{method} {path}: no such path in the "
                                      f"{version} swagger"], status=404)
        upload = bool(route.form)
        problems = stub_spec.check_query(route, query)
        if problems:
            raise Violation("query", problems, upload=upload)
        filt = None
        if "filter" in query:
            filt = self.decode_filter(version, query["filter"][0], upload)
        payload = None
        if route.form:
            parts, probs = stub_spec.parse_multipart(self.headers.get("Content-Type"), body)
            files = [p for p in parts if p["name"] == "uploadfile"]
            others = [p["name"] for p in parts if p["name"] != "uploadfile"]
            if not files:
                probs.append("multipart body has no part named 'uploadfile'")
            elif len(files) > 1:
                probs.append("multipart body has several 'uploadfile' parts")
            elif files[0]["filename"] is None:
                probs.append("the 'uploadfile' part has no filename (Go's FormFile needs one)")
            if others:
                probs.append(f"unexpected multipart fields {others}: metadata goes in the "
                             "query string")
            if probs:
                raise Violation("multipart", probs, upload=True)
            payload = files[0]
        elif route.body is not None:
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise Violation("body", [f"Content-Type must be application/json, got "
                                         f"{ctype or 'none'!r}"])
            try:
                payload = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise Violation("body", [f"body is not JSON: {exc}"])
            errs = stub_spec.schema_errors(route.body_validator(), payload)
            if errs:
                raise Violation("body", [f"body does not match {route.body.get('schema')}: "
                                         + e for e in errs])
        elif body.strip() not in (b"", b"{}"):
            raise Violation("body", [f"{method} {route.template} takes no request body"])
        key = (method, route.template)
        fn = KFP_ROUTES.get(key)
        if fn is None:
            raise ApiError(501, f"stub: {method} {route.template} is not implemented")
        q = {k: v[0] for k, v in query.items()}
        with stub.lock:
            status, out = fn(self, version, params, q, payload, filt)
        if status is None:
            return None
        return self.send_json(status, out)

    def decode_filter(self, version, raw, upload):
        """The server URL-decodes `filter` twice (KFP-API.md section 6)."""
        stub = self.server.stub
        try:
            text = urllib.parse.unquote_plus(raw)
            doc = json.loads(text)
        except ValueError as exc:
            raise Violation("filter", [f"filter is not JSON after the server's second "
                                       f"URL-decoding: {exc} (value {raw[:120]!r})"],
                            upload=upload)
        v = stub.spec.filter_validators.get(version)
        if v is not None:
            errs = stub_spec.schema_errors(v, doc)
            if errs:
                raise Violation("filter", ["filter: " + e for e in errs], upload=upload)
        return doc


# ====================================================================== KFP model helpers
def _created(store, oid):
    return R.ts(store.order.get(oid, 0))


def wf_parameters(wf):
    out = []
    for p in (((wf or {}).get("spec") or {}).get("arguments") or {}).get("parameters") or []:
        if isinstance(p, dict) and "name" in p:
            item = {"name": p["name"]}
            if p.get("value") is not None:
                v = p["value"]
                item["value"] = v if isinstance(v, str) else json.dumps(v)
            out.append(item)
    return out


def ns_ref(ns):
    return [{"key": {"type": "NAMESPACE", "id": ns}, "relationship": "OWNER"}] if ns else []


def version_v1(h, v):
    s = h.server.stub.store
    return prune({"id": v["id"], "name": v["name"], "created_at": _created(s, v["id"]),
                  "parameters": wf_parameters(v.get("workflow")),
                  "code_source_url": v.get("code_source_url"),
                  "description": v.get("description"),
                  "resource_references": [{"key": {"type": "PIPELINE", "id": v["pipeline_id"]},
                                           "relationship": "OWNER"}]})


def pipeline_v1(h, p):
    s = h.server.stub.store
    dv = s.versions.get(p.get("default_version_id"))
    return prune({"id": p["id"], "created_at": _created(s, p["id"]), "name": p["name"],
                  "description": p.get("description"),
                  "parameters": wf_parameters(dv.get("workflow")) if dv else [],
                  "default_version": version_v1(h, dv) if dv else None,
                  "resource_references": ns_ref(p.get("namespace"))})


def pipeline_v2(h, p):
    s = h.server.stub.store
    return prune({"pipeline_id": p["id"], "name": p["name"],
                  "display_name": p.get("display_name") or p["name"],
                  "description": p.get("description"), "created_at": _created(s, p["id"]),
                  "namespace": p.get("namespace"), "tags": p.get("tags")})


def version_v2(h, v):
    s = h.server.stub.store
    return prune({"pipeline_id": v["pipeline_id"], "pipeline_version_id": v["id"],
                  "name": v["name"], "display_name": v.get("display_name") or v["name"],
                  "description": v.get("description"), "created_at": _created(s, v["id"]),
                  "code_source_url": v.get("code_source_url"),
                  "pipeline_spec": v.get("workflow") or v.get("ir"), "tags": v.get("tags")})


def experiment_v1(h, e):
    s = h.server.stub.store
    return prune({"id": e["id"], "name": e["name"], "description": e.get("description"),
                  "created_at": _created(s, e["id"]),
                  "resource_references": ns_ref(e.get("namespace")),
                  "storage_state": "STORAGESTATE_" + e.get("storage", "AVAILABLE")})


def experiment_v2(h, e):
    s = h.server.stub.store
    return prune({"experiment_id": e["id"], "display_name": e["name"],
                  "description": e.get("description"), "created_at": _created(s, e["id"]),
                  "namespace": e.get("namespace"), "storage_state": e.get("storage", "AVAILABLE"),
                  "last_run_created_at": e.get("last_run_created_at")})


def run_live_workflow(h, r):
    stub = h.server.stub
    wf = copy.deepcopy(r["workflow"])
    wf.setdefault("metadata", {})
    wf["metadata"]["name"] = r["wf_name"]
    wf["metadata"].pop("generateName", None)
    wf["metadata"]["namespace"] = r.get("namespace") or "kubeflow"
    wf["metadata"]["uid"] = r["id"].replace("4000-8000", "4000-9000")
    labels = wf["metadata"].setdefault("labels", {})
    labels["pipeline/runid"] = r["id"]
    wf["metadata"]["creationTimestamp"] = _created(stub.store, r["id"])
    st = r["prog"].state(stub.pending_polls, stub.running_polls)
    if st in R.TERMINAL:
        labels["workflows.argoproj.io/completed"] = "true"
    labels["workflows.argoproj.io/phase"] = R.argo_phase(st)
    wf["status"] = r["prog"].status(r["wf_name"], r["steps"], r["root_type"],
                                    stub.pending_polls, stub.running_polls)
    return wf


def run_v1(h, r):
    stub = h.server.stub
    s = stub.store
    st = r["prog"].state(stub.pending_polls, stub.running_polls)
    refs = []
    e = s.experiments.get(r["experiment_id"])
    if e:
        refs.append({"key": {"type": "EXPERIMENT", "id": e["id"]}, "name": e["name"],
                     "relationship": "OWNER"})
    v = s.versions.get(r.get("version_id"))
    if v:
        refs.append({"key": {"type": "PIPELINE_VERSION", "id": v["id"]}, "name": v["name"],
                     "relationship": "CREATOR"})
    refs += ns_ref(r.get("namespace"))
    p = s.pipelines.get(r.get("pipeline_id"))
    finished = R.ts(r["prog"].finished_n) if st in R.TERMINAL and r["prog"].finished_n \
        else R.ZERO_TIME
    run = prune({
        "id": r["id"], "name": r["name"], "description": r.get("description"),
        "storage_state": "STORAGESTATE_" + r.get("storage", "AVAILABLE"),
        "pipeline_spec": {"pipeline_id": r.get("pipeline_id"),
                          "pipeline_name": p["name"] if p else None,
                          "workflow_manifest": json.dumps(r["workflow"]),
                          "parameters": r.get("v1_parameters")},
        "resource_references": refs, "service_account": r.get("service_account"),
        "created_at": _created(s, r["id"]), "scheduled_at": _created(s, r["id"]),
        "status": R.v1_status(st, stub.backend) if r["prog"].polls > 0 or
        r["prog"].terminated_at is not None else None,
        "error": None})
    run["finished_at"] = finished
    return {"run": run,
            "pipeline_runtime": {"workflow_manifest": json.dumps(run_live_workflow(h, r))}}


def run_v2(h, r):
    stub = h.server.stub
    s = stub.store
    st = r["prog"].state(stub.pending_polls, stub.running_polls)
    finished = R.ts(r["prog"].finished_n) if st in R.TERMINAL and r["prog"].finished_n \
        else R.ZERO_TIME
    status = r["prog"].status(r["wf_name"], r["steps"], r["root_type"],
                              stub.pending_polls, stub.running_polls)
    tasks = []
    for node in (status.get("nodes") or {}).values():
        phase = node["phase"]
        state = {"Succeeded": "SUCCEEDED", "Running": "RUNNING", "Pending": "PENDING",
                 "Failed": "FAILED", "Error": "FAILED", "Skipped": "SKIPPED",
                 "Omitted": "SKIPPED"}.get(phase, "RUNTIME_STATE_UNSPECIFIED")
        t = {"run_id": r["id"], "task_id": node["id"], "display_name": node["displayName"],
             "create_time": node.get("startedAt"), "start_time": node.get("startedAt"),
             "end_time": node.get("finishedAt") or R.ZERO_TIME, "state": state,
             "pod_name": node["id"] if node.get("type") == "Pod" else None,
             "child_tasks": [{"pod_name": c} for c in node.get("children", [])]}
        if node.get("message") and state == "FAILED":
            t["error"] = {"code": 2, "message": node["message"]}
        tasks.append(prune(t))
    out = {"experiment_id": r["experiment_id"], "run_id": r["id"], "display_name": r["name"],
           "storage_state": r.get("storage", "AVAILABLE"), "description": r.get("description"),
           "service_account": r.get("service_account"),
           "created_at": _created(s, r["id"]), "scheduled_at": _created(s, r["id"]),
           "state": R.v2_state(st),
           "state_history": [{"update_time": R.ts(t), "state": R.v2_state(x)}
                             for t, x in r["prog"].history] or
           [{"update_time": _created(s, r["id"]), "state": "PENDING"}],
           "run_details": {"task_details": tasks}}
    if r.get("version_id") or r.get("pipeline_id"):
        out["pipeline_version_reference"] = {"pipeline_id": r.get("pipeline_id"),
                                             "pipeline_version_id": r.get("version_id")}
    else:
        out["pipeline_spec"] = r.get("ir") or r["workflow"]
    if r.get("runtime_config"):
        out["runtime_config"] = r["runtime_config"]
    if st in (R.FAILED, R.ERROR, R.TERMINATED, R.CANCELED):
        out["error"] = {"code": 2 if st != R.TERMINATED else 1,
                        "message": status.get("message", "run failed")}
    out = prune(out)
    out["finished_at"] = finished
    return out


# ---------------------------------------------------------------- list / filter / paging
def field_map(kind, h):
    stub = h.server.stub
    s = stub.store
    pp, rp = stub.pending_polls, stub.running_polls
    if kind == "pipelines":
        return {"name": lambda o: o["name"], "display_name": lambda o: o.get("display_name")
                or o["name"], "created_at": lambda o: _created(s, o["id"]),
                "namespace": lambda o: o.get("namespace") or "", "id": lambda o: o["id"],
                "pipeline_id": lambda o: o["id"], "description": lambda o: o.get("description", "")}
    if kind == "versions":
        return {"name": lambda o: o["name"], "display_name": lambda o: o.get("display_name")
                or o["name"], "created_at": lambda o: _created(s, o["id"]),
                "id": lambda o: o["id"], "pipeline_version_id": lambda o: o["id"],
                "pipeline_id": lambda o: o["pipeline_id"]}
    if kind == "experiments":
        return {"name": lambda o: o["name"], "display_name": lambda o: o["name"],
                "created_at": lambda o: _created(s, o["id"]), "id": lambda o: o["id"],
                "experiment_id": lambda o: o["id"],
                "namespace": lambda o: o.get("namespace") or "",
                "storage_state": lambda o: o.get("storage", "AVAILABLE")}
    return {"name": lambda o: o["name"], "display_name": lambda o: o["name"],
            "created_at": lambda o: _created(s, o["id"]), "id": lambda o: o["id"],
            "run_id": lambda o: o["id"], "experiment_id": lambda o: o["experiment_id"],
            "namespace": lambda o: o.get("namespace") or "",
            "status": lambda o: R.v1_status(o["prog"].state(pp, rp), stub.backend),
            "state": lambda o: R.v2_state(o["prog"].state(pp, rp)),
            "finished_at": lambda o: R.ts(o["prog"].finished_n) if o["prog"].finished_n
            else R.ZERO_TIME,
            "storage_state": lambda o: o.get("storage", "AVAILABLE")}


def eval_predicate(pred, getter, version):
    op = pred.get("op" if version == "v1beta1" else "operation", "")
    if isinstance(op, int):
        op = ["UNKNOWN", "EQUALS", "NOT_EQUALS", "GREATER_THAN", "GREATER_THAN_EQUALS",
              "LESS_THAN", "LESS_THAN_EQUALS", "IN", "IS_SUBSTRING"][op]
    val = None
    for k in ("string_value", "stringValue", "timestamp_value", "timestampValue"):
        if k in pred:
            val = str(pred[k])
    for k in ("int_value", "intValue", "long_value", "longValue"):
        if k in pred:
            val = float(pred[k])
    values = None
    for k in ("string_values", "stringValues", "int_values", "intValues",
              "long_values", "longValues"):
        if k in pred:
            values = [str(x) for x in (pred[k] or {}).get("values", [])]

    def cmp(o):
        field = getter(o)
        if isinstance(val, float):
            try:
                return float(field), val
            except (TypeError, ValueError):
                return str(field), str(val)
        return field if field is not None else "", val if val is not None else ""
    if op == "IN":
        return lambda o: str(getter(o)) in (values or [])
    if op == "IS_SUBSTRING":
        return lambda o: str(val or "") in str(getter(o))
    ops = {"EQUALS": lambda a, b: a == b, "NOT_EQUALS": lambda a, b: a != b,
           "GREATER_THAN": lambda a, b: a > b, "GREATER_THAN_EQUALS": lambda a, b: a >= b,
           "LESS_THAN": lambda a, b: a < b, "LESS_THAN_EQUALS": lambda a, b: a <= b}
    if op not in ops:
        raise Violation("filter", [f"filter predicate has no valid operator: {pred}"])
    return lambda o: ops[op](*cmp(o))


def paginate(h, version, kind, items, q, filt, list_key, render):
    fm = field_map(kind, h)
    size = int(q.get("page_size") or 0)
    if size < 0:
        raise ApiError(400, "Invalid input error: The page size should be greater than 0. "
                       f"Got {size}", "Invalid input error")
    size = 20 if size == 0 else min(size, 200)
    offset, sort_by = 0, q.get("sort_by", "")
    if q.get("page_token"):
        try:
            tok = json.loads(base64.urlsafe_b64decode(q["page_token"].encode()).decode())
            offset, sort_by, filt = int(tok["o"]), tok["s"], tok["f"]
        except Exception:  # noqa: BLE001
            raise Violation("query", [f"page_token {q['page_token'][:60]!r} was not "
                                      "issued by this server"])
    preds = []
    for pred in (filt or {}).get("predicates") or []:
        key = pred.get("key")
        if key not in fm:
            raise Violation("filter", [f"filter key {key!r} is not valid for {kind} "
                                       f"(valid: {', '.join(sorted(fm))})"])
        preds.append(eval_predicate(pred, fm[key], version))
    items = [o for o in items if all(p(o) for p in preds)]
    field, _, direction = (sort_by or "created_at").strip().partition(" ")
    direction = direction.strip().lower()
    if field not in fm or direction not in ("", "asc", "desc"):
        raise Violation("query", [f"sort_by {sort_by!r}: use 'field', 'field asc' or "
                                  f"'field desc' with a field of {sorted(fm)}"])
    items.sort(key=lambda o: (fm[field](o), o["id"]), reverse=direction == "desc")
    page = items[offset: offset + size]
    out = {list_key: [render(h, o) for o in page], "total_size": len(items)}
    if offset + size < len(items):
        out["next_page_token"] = base64.urlsafe_b64encode(json.dumps(
            {"o": offset + size, "s": sort_by, "f": filt}).encode()).decode()
    return prune(out)


def ref_of(refs, rtype):
    for ref in refs or []:
        key = ref.get("key") or {}
        if key.get("type") in (rtype, ["UNKNOWN_RESOURCE_TYPE", "EXPERIMENT", "JOB",
                                       "PIPELINE", "PIPELINE_VERSION", "NAMESPACE"]
                               .index(rtype)):
            return key.get("id")
    return None


def ns_filter(h, items, ns):
    if not h.server.stub.multi_user:
        return items
    return [o for o in items if (o.get("namespace") or "") == (ns or "")]


# ---------------------------------------------------------------- pipeline packages
def read_package(filename, data):
    """KFP ReadPipelineFile rules (KFP-API.md section 8) -> YAML text."""
    low = (filename or "").lower()
    if low.endswith((".yaml", ".yml", ".json")):
        return data.decode("utf-8", "replace")
    if data[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(data)
            with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
                members = [m for m in tf.getmembers() if m.isfile()]
                pick = next((m for m in members if m.name == "pipeline.yaml"), None)
                if pick is None and members and members[0].name.endswith((".yaml", ".yml")):
                    pick = members[0]
                if pick is None:
                    raise ApiError(400, "Invalid package: the tarball has no member named "
                                   "'pipeline.yaml' (a './pipeline.yaml' entry does not match) "
                                   f"and its first member is not YAML; members: "
                                   f"{[m.name for m in members][:10]}",
                                   "Failed to create a pipeline", upload=True)
                return tf.extractfile(pick).read().decode("utf-8", "replace")
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise ApiError(400, f"Invalid package: cannot read the tarball: {exc}",
                           "Failed to create a pipeline", upload=True)
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                pick = "pipeline.yaml" if "pipeline.yaml" in names else (
                    names[0] if names and names[0].endswith((".yaml", ".yml")) else None)
                if pick is None:
                    raise ApiError(400, "Invalid package: no pipeline.yaml in the zip",
                                   "Failed to create a pipeline", upload=True)
                return zf.read(pick).decode("utf-8", "replace")
        except zipfile.BadZipFile as exc:
            raise ApiError(400, f"Invalid package: {exc}", "Failed to create a pipeline",
                           upload=True)
    raise ApiError(400, "Invalid input error: Unexpected pipeline file format. Support "
                   ".zip, .tar.gz or YAML.", "Failed to create a pipeline", upload=True)


def workflow_from_upload(h, filefield):
    stub = h.server.stub
    if len(filefield["data"]) > MAX_FILE:
        raise ApiError(400, f"File size too large. Maximum supported size: {MAX_FILE}",
                       "Failed to create a pipeline", upload=True)
    text = read_package(filefield["filename"], filefield["data"])
    doc, probs = stub.parse_workflow_text(text)
    if probs:
        raise Violation("argo", ["uploaded pipeline: " + p for p in probs], upload=True)
    if stub.args.block_v1:
        raise ApiError(400, "Invalid input error: v1 (Argo) pipelines are blocked on this "
                       "server (BLOCK_V1_PIPELINES)", "Failed to create a pipeline",
                       upload=True)
    return doc, text


# ---------------------------------------------------------------- KFP handlers
def h_healthz(h, version, params, q, body, filt):
    stub = h.server.stub
    tag = {"1.8": "1.8.22", "2.5": "2.5.0"}.get(stub.backend, "2.17.0")
    out = {"commit_sha": "0000000stub", "tag_name": tag, "multi_user": stub.multi_user}
    if version == "v2beta1":
        out["pipeline_store"] = "database"
    return 200, out


def _dup_status(h):
    return 500 if h.server.stub.backend == "1.8" else 409


def _new_version(h, pipeline, name, description, doc, text, extra=None):
    s = h.server.stub.store
    for v in s.versions.values():
        if v["pipeline_id"] == pipeline["id"] and v["name"] == name:
            return None
    vid, n = s.new_id()
    s.order[vid] = n
    v = {"id": vid, "pipeline_id": pipeline["id"], "name": name, "description": description,
         "workflow": doc, "text": text}
    v.update(extra or {})
    s.versions[vid] = v
    pipeline["default_version_id"] = vid
    return v


def h_upload(h, version, params, q, body, filt):
    stub = h.server.stub
    s = stub.store
    doc, text = workflow_from_upload(h, body)
    name = q.get("name") or (q.get("display_name") if stub.backend != "1.8" else None) \
        or body["filename"]
    if len(name) > 128:
        raise ApiError(400, "Invalid input error: pipeline name too long", upload=True)
    ns = q.get("namespace", "") if stub.multi_user else ""
    if any(p["name"] == name and (p.get("namespace") or "") == ns
           for p in s.pipelines.values()):
        msg = (f"Failed to create a pipeline and a pipeline version. The pipeline already "
               f"exist.: Failed to create a pipeline and a pipeline version: Already exist "
               f"error: Failed to create a new pipeline. The name {name} already exists. "
               f"Please specify a new name")
        raise ApiError(_dup_status(h), msg, "Failed to create a pipeline", upload=True)
    pid, n = s.new_id()
    s.order[pid] = n
    p = {"id": pid, "name": name, "display_name": q.get("display_name") or name,
         "description": q.get("description", ""), "namespace": ns}
    if q.get("tags"):
        try:
            p["tags"] = json.loads(q["tags"])
        except ValueError:
            raise Violation("query", ["tags must be a JSON object string"], upload=True)
    s.pipelines[pid] = p
    _new_version(h, p, name, q.get("description", ""), doc, text,
                 {"code_source_url": q.get("code_source_url")})
    return 200, pipeline_v1(h, p) if version == "v1beta1" else pipeline_v2(h, p)


def h_upload_version(h, version, params, q, body, filt):
    s = h.server.stub.store
    pid = q.get("pipelineid")
    if not pid:
        raise ApiError(400, "Invalid input error: Pipeline ID is empty. Please specify a "
                       "valid ID", "Failed to create a pipeline version", upload=True)
    p = s.pipelines.get(pid)
    if p is None:
        raise ApiError(404, f"Failed to create a pipeline version: ResourceNotFoundError: "
                       f"Pipeline {pid} not found", "Failed to create a pipeline version",
                       upload=True)
    doc, text = workflow_from_upload(h, body)
    name = q.get("name") or q.get("display_name") or body["filename"]
    if len(name) > 127:
        raise ApiError(400, "Invalid input error: version name too long", upload=True)
    v = _new_version(h, p, name, q.get("description", ""), doc, text,
                     {"display_name": q.get("display_name"),
                      "code_source_url": q.get("code_source_url")})
    if v is None:
        raise ApiError(_dup_status(h), f"Failed to create a pipeline version: Already exist "
                       f"error: The name {name} already exist. Please specify a new name",
                       "Failed to create a pipeline version", upload=True)
    return 200, version_v1(h, v) if version == "v1beta1" else version_v2(h, v)


def _get_pipeline(h, pid):
    p = h.server.stub.store.pipelines.get(pid)
    if p is None:
        raise ApiError(404, f"Failed to get pipeline: ResourceNotFoundError: Pipeline {pid} "
                       "not found", "Pipeline not found")
    return p


def h_pipeline_get(h, version, params, q, body, filt):
    p = _get_pipeline(h, params.get("id") or params.get("pipeline_id"))
    return 200, pipeline_v1(h, p) if version == "v1beta1" else pipeline_v2(h, p)


def h_pipeline_by_name(h, version, params, q, body, filt):
    s = h.server.stub.store
    name = params["name"]
    ns = params.get("namespace", q.get("namespace", ""))
    ns = "" if ns == "-" else ns
    if not h.server.stub.multi_user:
        ns = None
    hits = [p for p in s.pipelines.values() if p["name"] == name and
            (ns is None or (p.get("namespace") or "") == ns)]
    if not hits:
        raise ApiError(404, f"Failed to get a pipeline by name: ResourceNotFoundError: "
                       f"Pipeline {name} not found", "Pipeline not found")
    p = hits[0]
    return 200, pipeline_v1(h, p) if version == "v1beta1" else pipeline_v2(h, p)


def h_pipeline_list(h, version, params, q, body, filt):
    s = h.server.stub.store
    if version == "v1beta1":
        ns = q.get("resource_reference_key.id") if \
            q.get("resource_reference_key.type") in ("NAMESPACE", "5") else ""
        items = ns_filter(h, list(s.pipelines.values()), ns)
        return 200, paginate(h, version, "pipelines", items, q, filt, "pipelines", pipeline_v1)
    items = ns_filter(h, list(s.pipelines.values()), q.get("namespace", ""))
    return 200, paginate(h, version, "pipelines", items, q, filt, "pipelines", pipeline_v2)


def h_pipeline_create_v2(h, version, params, q, body, filt):
    s = h.server.stub.store
    pl = body if "pipeline" not in body or version == "v1beta1" else body["pipeline"]
    name = pl.get("name") or pl.get("display_name") or pl.get("displayName")
    if not name:
        raise ApiError(400, "Invalid input error: pipeline name is empty", "Invalid input")
    ns = (pl.get("namespace") or "") if h.server.stub.multi_user else ""
    if any(p["name"] == name and (p.get("namespace") or "") == ns for p in s.pipelines.values()):
        raise ApiError(409, f"Failed to create a pipeline: Already exist error: The name "
                       f"{name} already exists. Please specify a new name", "Already exists")
    if version == "v1beta1" or "pipeline_version" in body:
        pv = body.get("pipeline_version") or {}
        url = (pv.get("package_url") or body.get("url") or {}).get("pipeline_url")
        spec = pv.get("pipeline_spec")
        if spec is None:
            raise ApiError(400, f"stub: fetching package_url {url!r} is not supported; "
                           "upload the package or give pipeline_spec")
    pid, n = s.new_id()
    s.order[pid] = n
    p = {"id": pid, "name": name, "display_name": pl.get("display_name") or name,
         "description": pl.get("description", ""), "namespace": ns, "tags": pl.get("tags")}
    s.pipelines[pid] = p
    if "pipeline_version" in body:
        pv = body["pipeline_version"]
        _version_from_spec(h, p, pv)
    return 200, pipeline_v2(h, p)


def _version_from_spec(h, p, pv):
    stub = h.server.stub
    spec = pv.get("pipeline_spec")
    if spec is None:
        url = (pv.get("package_url") or {}).get("pipeline_url")
        raise ApiError(400, f"stub: fetching package_url {url!r} is not supported; upload the "
                       "package or give pipeline_spec")
    doc, ir = (spec, None) if isinstance(spec, dict) and spec.get("kind") == "Workflow" \
        else (None, spec)
    if doc is not None:
        probs = stub.workflow_problems(doc)
        if probs:
            raise Violation("argo", probs)
    name = pv.get("name") or pv.get("display_name") or p["name"]
    v = _new_version(h, p, name, pv.get("description", ""), doc, None,
                     {"display_name": pv.get("display_name"), "ir": ir,
                      "code_source_url": pv.get("code_source_url")})
    if v is None:
        raise ApiError(409, f"Failed to create a pipeline version: Already exist error: The "
                       f"name {name} already exist", "Already exists")
    return v


def h_version_create_v2(h, version, params, q, body, filt):
    p = _get_pipeline(h, params["pipeline_id"])
    return 200, version_v2(h, _version_from_spec(h, p, body))


def h_version_create_v1(h, version, params, q, body, filt):
    pid = ref_of(body.get("resource_references"), "PIPELINE")
    p = _get_pipeline(h, pid)
    url = (body.get("package_url") or {}).get("pipeline_url")
    raise ApiError(400, f"stub: fetching package_url {url!r} is not supported for pipeline "
                   f"{p['id']}; use upload_version")


def _get_version(h, vid, pid=None):
    v = h.server.stub.store.versions.get(vid)
    if v is None or (pid and v["pipeline_id"] != pid):
        raise ApiError(404, f"Failed to get pipeline version: ResourceNotFoundError: "
                       f"PipelineVersion {vid} not found", "Pipeline version not found")
    return v


def h_version_get(h, version, params, q, body, filt):
    if version == "v1beta1":
        return 200, version_v1(h, _get_version(h, params["version_id"]))
    return 200, version_v2(h, _get_version(h, params["pipeline_version_id"],
                                           params["pipeline_id"]))


def h_version_list(h, version, params, q, body, filt):
    s = h.server.stub.store
    if version == "v1beta1":
        if q.get("resource_key.type") not in ("PIPELINE", "3") or not q.get("resource_key.id"):
            raise ApiError(400, "Invalid input error: ResourceKey must be set and its type "
                           "must be PIPELINE", "Invalid input")
        pid = q["resource_key.id"]
        _get_pipeline(h, pid)
        items = [v for v in s.versions.values() if v["pipeline_id"] == pid]
        return 200, paginate(h, version, "versions", items, q, filt, "versions", version_v1)
    pid = params["pipeline_id"]
    _get_pipeline(h, pid)
    items = [v for v in s.versions.values() if v["pipeline_id"] == pid]
    return 200, paginate(h, version, "versions", items, q, filt, "pipeline_versions",
                         version_v2)


def h_template(h, version, params, q, body, filt):
    s = h.server.stub.store
    if "version_id" in params:
        v = _get_version(h, params["version_id"])
    else:
        p = _get_pipeline(h, params["id"])
        v = s.versions.get(p.get("default_version_id"))
    text = (v or {}).get("text") or yaml.safe_dump((v or {}).get("workflow") or {})
    return 200, {"template": text}


def h_default_version(h, version, params, q, body, filt):
    p = _get_pipeline(h, params["pipeline_id"])
    _get_version(h, params["version_id"], p["id"])
    p["default_version_id"] = params["version_id"]
    return 200, {}


def h_pipeline_delete(h, version, params, q, body, filt):
    s = h.server.stub.store
    p = _get_pipeline(h, params.get("id") or params.get("pipeline_id"))
    vers = [v for v in s.versions.values() if v["pipeline_id"] == p["id"]]
    if version == "v2beta1" and vers and q.get("cascade") not in ("true", "1", "True"):
        raise ApiError(400, f"Failed to delete pipeline {p['id']}: it has "
                       f"{len(vers)} versions; delete them first or use cascade=true",
                       "Invalid input")
    for v in vers:
        del s.versions[v["id"]]
    del s.pipelines[p["id"]]
    return 200, {}


def h_version_delete(h, version, params, q, body, filt):
    s = h.server.stub.store
    v = _get_version(h, params.get("version_id") or params["pipeline_version_id"],
                     params.get("pipeline_id"))
    del s.versions[v["id"]]
    p = s.pipelines.get(v["pipeline_id"])
    if p and p.get("default_version_id") == v["id"]:
        rest = sorted((x for x in s.versions.values() if x["pipeline_id"] == p["id"]),
                      key=lambda x: s.order[x["id"]])
        p["default_version_id"] = rest[-1]["id"] if rest else None
    return 200, {}


# experiments
def _experiment_ns(h, ns):
    if not h.server.stub.multi_user:
        return ""
    if not ns:
        raise ApiError(400, "Invalid input error: In multi-user mode, experiment must "
                       "specify a namespace", "Invalid input")
    return ns


def _create_experiment(h, name, description, ns):
    s = h.server.stub.store
    if not name:
        raise ApiError(400, "Invalid input error: Experiment name is empty. Please specify a "
                       "valid experiment name", "Invalid input")
    if any(e["name"] == name and (e.get("namespace") or "") == ns
           for e in s.experiments.values()):
        raise ApiError(409, f"Failed to create a new experiment: Already exist error: "
                       f"Failed to create a new experiment. The name {name} already exists. "
                       f"Please specify a new name", "Already exists")
    eid, n = s.new_id()
    s.order[eid] = n
    e = {"id": eid, "name": name, "description": description or "", "namespace": ns}
    s.experiments[eid] = e
    return e


def h_experiment_create(h, version, params, q, body, filt):
    if version == "v1beta1":
        ns = _experiment_ns(h, ref_of(body.get("resource_references"), "NAMESPACE"))
        e = _create_experiment(h, body.get("name"), body.get("description"), ns)
        return 200, experiment_v1(h, e)
    ns = _experiment_ns(h, body.get("namespace"))
    e = _create_experiment(h, body.get("display_name") or body.get("displayName"),
                           body.get("description"), ns)
    return 200, experiment_v2(h, e)


def _get_experiment(h, eid):
    e = h.server.stub.store.experiments.get(eid)
    if e is None:
        raise ApiError(404, f"Failed to get experiment: ResourceNotFoundError: Experiment "
                       f"{eid} not found", "Experiment not found")
    return e


def h_experiment_get(h, version, params, q, body, filt):
    e = _get_experiment(h, params.get("id") or params.get("experiment_id"))
    return 200, experiment_v1(h, e) if version == "v1beta1" else experiment_v2(h, e)


def h_experiment_list(h, version, params, q, body, filt):
    s = h.server.stub.store
    if version == "v1beta1":
        ns = q.get("resource_reference_key.id") if \
            q.get("resource_reference_key.type") in ("NAMESPACE", "5") else ""
        if h.server.stub.multi_user and not ns:
            raise ApiError(400, "Invalid input error: In multi-user mode, ListExperiment "
                           "must filter by namespace", "Invalid input")
        items = ns_filter(h, list(s.experiments.values()), ns)
        return 200, paginate(h, version, "experiments", items, q, filt, "experiments",
                             experiment_v1)
    ns = q.get("namespace", "")
    if h.server.stub.multi_user and not ns:
        raise ApiError(400, "Invalid input error: In multi-user mode, ListExperiment must "
                       "filter by namespace", "Invalid input")
    items = ns_filter(h, list(s.experiments.values()), ns)
    return 200, paginate(h, version, "experiments", items, q, filt, "experiments",
                         experiment_v2)


def h_experiment_delete(h, version, params, q, body, filt):
    e = _get_experiment(h, params.get("id") or params.get("experiment_id"))
    del h.server.stub.store.experiments[e["id"]]
    return 200, {}


def h_experiment_archive(h, version, params, q, body, filt, state="ARCHIVED"):
    e = _get_experiment(h, params.get("id") or params.get("experiment_id"))
    e["storage"] = state
    return 200, {}


def h_experiment_unarchive(h, version, params, q, body, filt):
    return h_experiment_archive(h, version, params, q, body, filt, "AVAILABLE")


# runs
def _default_experiment(h):
    s = h.server.stub.store
    if h.server.stub.multi_user:
        raise ApiError(400, "Invalid input error: In multi-user mode, a run must belong to an "
                       "experiment (namespace)", "Invalid input")
    for e in s.experiments.values():
        if e["name"] == "Default" and not e.get("namespace"):
            return e
    return _create_experiment(h, "Default", "All runs created without specifying an "
                              "experiment will be grouped here.", "")


def _apply_v1_parameters(wf, params):
    declared = (((wf.get("spec") or {}).get("arguments") or {}).get("parameters")) or []
    names = {p.get("name") for p in declared if isinstance(p, dict)}
    for p in params or []:
        if p.get("name") not in names:
            raise ApiError(400, f"Invalid input error: Unrecognized input parameter: "
                           f"{p.get('name')}", "Invalid input")
    given = {p["name"]: p.get("value", "") for p in params or []}
    for d in declared:
        if d.get("name") in given:
            d["value"] = given[d["name"]]
        elif d.get("value") is None:
            raise ApiError(500, f"Internal Server Error: Failed to create a run: "
                           f"InternalServerError: Failed to validate workflow: "
                           f"spec.arguments.{d.get('name')}.value is required",
                           "Internal Server Error")


def _new_run(h, api, name, description, exp, pipeline, version_obj, wf, extra):
    stub = h.server.stub
    s = stub.store
    if stub.args.block_v1 and wf is not None:
        raise ApiError(400, "Invalid input error: v1 (Argo) pipelines are blocked on this "
                       "server (BLOCK_V1_PIPELINES)", "Invalid input")
    rid, n = s.new_id()
    s.order[rid] = n
    fault = stub.faults.run_outcome(name)
    prog = R.Progress(n, fault["state"] if fault else "Succeeded",
                      fault.get("step") if fault else None)
    gen = ((wf or {}).get("metadata") or {}).get("generateName") or \
        (((wf or {}).get("metadata") or {}).get("name") or "run") + "-"
    wf_name = f"{gen}{n:05d}"[:63].lower()
    if wf is not None:
        steps, root_type = R.plan_steps(wf)
    else:
        steps, root_type = R.v2_ir_steps(extra.get("ir")), "DAG"
        wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
              "metadata": {"generateName": gen}, "spec": {"entrypoint": "entrypoint"}}
    sa = extra.pop("service_account", None)
    if sa:
        wf.setdefault("spec", {})["serviceAccountName"] = sa
    elif not (wf.get("spec") or {}).get("serviceAccountName"):
        wf.setdefault("spec", {})["serviceAccountName"] = "pipeline-runner"
    r = {"id": rid, "api": api, "name": name, "description": description or "",
         "experiment_id": exp["id"], "namespace": exp.get("namespace") or "",
         "pipeline_id": pipeline["id"] if pipeline else None,
         "version_id": version_obj["id"] if version_obj else None,
         "workflow": wf, "wf_name": wf_name, "steps": steps, "root_type": root_type,
         "prog": prog, "service_account": sa or "", "storage": "AVAILABLE"}
    r.update(extra)
    s.runs[rid] = r
    exp["last_run_created_at"] = R.ts(n)
    return r


def _resolve_version(h, pipeline_id, version_id):
    s = h.server.stub.store
    if version_id:
        v = s.versions.get(version_id)
        if v is None or (pipeline_id and v["pipeline_id"] != pipeline_id):
            raise ApiError(500, f"Internal Server Error: Failed to create a run: "
                           f"InternalServerError: Failed to fetch a pipeline version "
                           f"{version_id}" + (f" of pipeline {pipeline_id}" if pipeline_id
                                              else "") + ": not found",
                           "Internal Server Error")
        return s.pipelines.get(v["pipeline_id"]), v
    p = s.pipelines.get(pipeline_id)
    if p is None:
        raise ApiError(500, f"Internal Server Error: Failed to create a run: "
                       f"InternalServerError: Failed to fetch pipeline {pipeline_id}",
                       "Internal Server Error")
    if h.server.stub.backend == "1.8":
        v = s.versions.get(p.get("default_version_id"))
    else:
        vs = sorted((x for x in s.versions.values() if x["pipeline_id"] == p["id"]),
                    key=lambda x: s.order[x["id"]])
        v = vs[-1] if vs else None
    if v is None:
        raise ApiError(500, f"Internal Server Error: pipeline {pipeline_id} has no versions",
                       "Internal Server Error")
    return p, v


def h_run_create_v1(h, version, params, q, body, filt):
    stub = h.server.stub
    name = body.get("name")
    if not name:
        raise ApiError(400, "Invalid input error: The run name is empty. Please specify a "
                       "valid name", "Invalid input")
    spec = body.get("pipeline_spec") or body.get("pipelineSpec") or {}
    refs = body.get("resource_references") or body.get("resourceReferences") or []
    exp_id = ref_of(refs, "EXPERIMENT")
    exp = _get_experiment(h, exp_id) if exp_id else _default_experiment(h)
    vid = ref_of(refs, "PIPELINE_VERSION")
    manifest = spec.get("workflow_manifest") or spec.get("workflowManifest")
    pid = spec.get("pipeline_id") or spec.get("pipelineId")
    pipeline = version_obj = None
    if manifest:
        try:
            wf = json.loads(manifest)
        except ValueError:
            try:
                wf = yaml.safe_load(manifest)
            except yaml.YAMLError as exc:
                raise ApiError(400, f"Invalid input error: workflow_manifest: {exc}",
                               "Invalid input")
        probs = stub.workflow_problems(wf)
        if probs:
            raise Violation("argo", ["pipeline_spec.workflow_manifest: " + p for p in probs])
        wf = copy.deepcopy(wf)
    elif vid or pid:
        pipeline, version_obj = _resolve_version(h, pid, vid)
        wf = copy.deepcopy(version_obj.get("workflow"))
        if wf is None:
            raise ApiError(400, "Invalid input error: the pipeline version is a v2 IR "
                           "pipeline; the stub only runs Argo pipelines via v1beta1",
                           "Invalid input")
    else:
        raise ApiError(400, "Invalid input error: Neither pipeline spec nor pipeline version "
                       "is specified", "Invalid input")
    params_v1 = spec.get("parameters") or []
    _apply_v1_parameters(wf, params_v1)
    r = _new_run(h, "v1beta1", name, body.get("description"), exp, pipeline, version_obj, wf,
                 {"service_account": body.get("service_account") or
                  body.get("serviceAccount"), "v1_parameters": params_v1,
                  "parameters": {p["name"]: p.get("value", "") for p in params_v1}})
    return 200, run_v1(h, r)


def h_run_create_v2(h, version, params, q, body, filt):
    stub = h.server.stub
    name = body.get("display_name") or body.get("displayName")
    if not name:
        raise ApiError(400, "Invalid input error: The run display name is empty",
                       "Invalid input")
    exp_id = body.get("experiment_id") or body.get("experimentId") or q.get("experiment_id")
    exp = _get_experiment(h, exp_id) if exp_id else _default_experiment(h)
    ref = body.get("pipeline_version_reference") or body.get("pipelineVersionReference")
    spec = body.get("pipeline_spec") or body.get("pipelineSpec")
    old_vid = body.get("pipeline_version_id") or body.get("pipelineVersionId")
    sources = [x for x in (ref, spec, old_vid) if x]
    if len(sources) != 1:
        raise ApiError(400, "Invalid input error: exactly one of pipeline_version_reference, "
                       "pipeline_spec or pipeline_version_id must be set", "Invalid input")
    rc = body.get("runtime_config") or body.get("runtimeConfig") or {}
    pipeline = version_obj = None
    ir = None
    if ref:
        pid = ref.get("pipeline_id") or ref.get("pipelineId")
        if not pid:
            raise ApiError(400, "Invalid input error: pipeline_version_reference.pipeline_id "
                           "is empty", "Invalid input")
        pipeline, version_obj = _resolve_version(h, pid, ref.get("pipeline_version_id") or
                                                 ref.get("pipelineVersionId"))
        wf, ir = copy.deepcopy(version_obj.get("workflow")), version_obj.get("ir")
    elif old_vid:
        pipeline, version_obj = _resolve_version(h, None, old_vid)
        wf, ir = copy.deepcopy(version_obj.get("workflow")), version_obj.get("ir")
    elif spec.get("kind") == "Workflow":
        probs = stub.workflow_problems(spec)
        if probs:
            raise Violation("argo", ["pipeline_spec: " + p for p in probs])
        wf = copy.deepcopy(spec)
    else:
        wf, ir = None, spec
    extra = {"service_account": body.get("service_account") or body.get("serviceAccount"),
             "runtime_config": rc, "ir": ir}
    if wf is not None:
        # KFP-API.md section 10: runtime_config.parameters do not reach Argo pipelines.
        extra["parameters"] = {}
        extra["ignored_parameters"] = rc.get("parameters") or {}
        _apply_v1_parameters(wf, [])
    else:
        extra["parameters"] = rc.get("parameters") or {}
    r = _new_run(h, "v2beta1", name, body.get("description"), exp, pipeline, version_obj, wf,
                 extra)
    out = run_v2(h, r)
    return 200, out


def _get_run(h, rid):
    r = h.server.stub.store.runs.get(rid)
    if r is None:
        raise ApiError(404, f"Failed to get a run: ResourceNotFoundError: Run {rid} not "
                       "found", "Run not found")
    return r


def _poll(h, r):
    stub = h.server.stub
    r["prog"].polls += 1
    r["prog"].observe(stub.pending_polls, stub.running_polls)


def h_run_get(h, version, params, q, body, filt):
    r = _get_run(h, params.get("run_id") or params.get("id"))
    _poll(h, r)
    return 200, run_v1(h, r) if version == "v1beta1" else run_v2(h, r)


def h_run_list(h, version, params, q, body, filt):
    s = h.server.stub.store
    items = list(s.runs.values())
    if version == "v1beta1":
        t, i = q.get("resource_reference_key.type"), q.get("resource_reference_key.id")
        if t in ("EXPERIMENT", "1") and i:
            items = [r for r in items if r["experiment_id"] == i]
        elif t in ("NAMESPACE", "5"):
            items = ns_filter(h, items, i)
        render = lambda hh, r: run_v1(hh, r)["run"]  # noqa: E731
        return 200, paginate(h, version, "runs", items, q, filt, "runs", render)
    if q.get("experiment_id"):
        items = [r for r in items if r["experiment_id"] == q["experiment_id"]]
    if q.get("namespace"):
        items = ns_filter(h, items, q["namespace"])
    return 200, paginate(h, version, "runs", items, q, filt, "runs", run_v2)


def h_run_terminate(h, version, params, q, body, filt):
    r = _get_run(h, params["run_id"])
    if r["prog"].terminated_at is None:
        r["prog"].terminated_at = r["prog"].polls
    return 200, {}


def h_run_retry(h, version, params, q, body, filt):
    stub = h.server.stub
    r = _get_run(h, params["run_id"])
    st = r["prog"].state(stub.pending_polls, stub.running_polls)
    if st not in (R.FAILED, R.ERROR, R.TERMINATED, R.CANCELED):
        raise ApiError(400, f"Failed to retry run {r['id']}: the run is not in a failed "
                       "state", "Invalid input")
    r["prog"] = R.Progress(r["prog"].created_n)
    return 200, {}


def h_run_delete(h, version, params, q, body, filt):
    r = _get_run(h, params.get("run_id") or params.get("id"))
    del h.server.stub.store.runs[r["id"]]
    return 200, {}


def h_run_archive(h, version, params, q, body, filt, state="ARCHIVED"):
    r = _get_run(h, params.get("run_id") or params.get("id"))
    r["storage"] = state
    return 200, {}


def h_run_unarchive(h, version, params, q, body, filt):
    return h_run_archive(h, version, params, q, body, filt, "AVAILABLE")


V1, V2 = "/apis/v1beta1", "/apis/v2beta1"
KFP_ROUTES = {
    ("GET", V1 + "/healthz"): h_healthz, ("GET", V2 + "/healthz"): h_healthz,
    ("POST", V1 + "/pipelines/upload"): h_upload, ("POST", V2 + "/pipelines/upload"): h_upload,
    ("POST", V1 + "/pipelines/upload_version"): h_upload_version,
    ("POST", V2 + "/pipelines/upload_version"): h_upload_version,
    ("GET", V1 + "/pipelines"): h_pipeline_list, ("GET", V2 + "/pipelines"): h_pipeline_list,
    ("GET", V1 + "/pipelines/{id}"): h_pipeline_get,
    ("GET", V2 + "/pipelines/{pipeline_id}"): h_pipeline_get,
    ("DELETE", V1 + "/pipelines/{id}"): h_pipeline_delete,
    ("DELETE", V2 + "/pipelines/{pipeline_id}"): h_pipeline_delete,
    ("GET", V1 + "/namespaces/{namespace}/pipelines/{name}"): h_pipeline_by_name,
    ("GET", V2 + "/pipelines/names/{name}"): h_pipeline_by_name,
    ("POST", V1 + "/pipelines"): h_pipeline_create_v2,
    ("POST", V2 + "/pipelines"): h_pipeline_create_v2,
    ("POST", V2 + "/pipelines/create"): h_pipeline_create_v2,
    ("GET", V1 + "/pipelines/{id}/templates"): h_template,
    ("GET", V1 + "/pipeline_versions/{version_id}/templates"): h_template,
    ("POST", V1 + "/pipelines/{pipeline_id}/default_version/{version_id}"): h_default_version,
    ("GET", V1 + "/pipeline_versions"): h_version_list,
    ("GET", V2 + "/pipelines/{pipeline_id}/versions"): h_version_list,
    ("GET", V1 + "/pipeline_versions/{version_id}"): h_version_get,
    ("GET", V2 + "/pipelines/{pipeline_id}/versions/{pipeline_version_id}"): h_version_get,
    ("POST", V1 + "/pipeline_versions"): h_version_create_v1,
    ("POST", V2 + "/pipelines/{pipeline_id}/versions"): h_version_create_v2,
    ("DELETE", V1 + "/pipeline_versions/{version_id}"): h_version_delete,
    ("DELETE", V2 + "/pipelines/{pipeline_id}/versions/{pipeline_version_id}"): h_version_delete,
    ("POST", V1 + "/experiments"): h_experiment_create,
    ("POST", V2 + "/experiments"): h_experiment_create,
    ("GET", V1 + "/experiments"): h_experiment_list,
    ("GET", V2 + "/experiments"): h_experiment_list,
    ("GET", V1 + "/experiments/{id}"): h_experiment_get,
    ("GET", V2 + "/experiments/{experiment_id}"): h_experiment_get,
    ("DELETE", V1 + "/experiments/{id}"): h_experiment_delete,
    ("DELETE", V2 + "/experiments/{experiment_id}"): h_experiment_delete,
    ("POST", V1 + "/experiments/{id}:archive"): h_experiment_archive,
    ("POST", V2 + "/experiments/{experiment_id}:archive"): h_experiment_archive,
    ("POST", V1 + "/experiments/{id}:unarchive"): h_experiment_unarchive,
    ("POST", V2 + "/experiments/{experiment_id}:unarchive"): h_experiment_unarchive,
    ("POST", V1 + "/runs"): h_run_create_v1, ("POST", V2 + "/runs"): h_run_create_v2,
    ("GET", V1 + "/runs"): h_run_list, ("GET", V2 + "/runs"): h_run_list,
    ("GET", V1 + "/runs/{run_id}"): h_run_get, ("GET", V2 + "/runs/{run_id}"): h_run_get,
    ("POST", V1 + "/runs/{run_id}/terminate"): h_run_terminate,
    ("POST", V2 + "/runs/{run_id}:terminate"): h_run_terminate,
    ("POST", V1 + "/runs/{run_id}/retry"): h_run_retry,
    ("POST", V2 + "/runs/{run_id}:retry"): h_run_retry,
    ("DELETE", V1 + "/runs/{id}"): h_run_delete, ("DELETE", V2 + "/runs/{run_id}"): h_run_delete,
    ("POST", V1 + "/runs/{id}:archive"): h_run_archive,
    ("POST", V2 + "/runs/{run_id}:archive"): h_run_archive,
    ("POST", V1 + "/runs/{id}:unarchive"): h_run_unarchive,
    ("POST", V2 + "/runs/{run_id}:unarchive"): h_run_unarchive,
}


# ====================================================================== Argo / Kubernetes
def _argo_workflow_view(h, w):
    stub = h.server.stub
    obj = copy.deepcopy(w["obj"])
    st = w["prog"].state(stub.pending_polls, stub.running_polls)
    status = w["prog"].status(obj["metadata"]["name"], w["steps"], w["root_type"],
                              stub.pending_polls, stub.running_polls, argo=True)
    if status:
        obj["status"] = status
        labels = obj["metadata"].setdefault("labels", {})
        labels["workflows.argoproj.io/phase"] = status["phase"]
        if st in R.TERMINAL:
            labels["workflows.argoproj.io/completed"] = "true"
    return obj


def _select_fields(obj, fields):
    if not fields:
        return obj
    out = {}
    for f in fields.split(","):
        f = f.strip()
        if not f or f.startswith("-"):
            continue
        src, dst = obj, out
        keys = f.split(".")
        for i, k in enumerate(keys):
            if not isinstance(src, dict) or k not in src:
                break
            if i == len(keys) - 1:
                dst[k] = copy.deepcopy(src[k])
            else:
                src = src[k]
                dst = dst.setdefault(k, {})
    return out


def _create_workflow(h, ns, wf, via, dry_run=False):
    stub = h.server.stub
    s = stub.store
    meta = wf.setdefault("metadata", {})
    if meta.get("namespace") and meta["namespace"] != ns:
        raise ApiError(400, f"the namespace of the provided object ({meta['namespace']}) does "
                       f"not match the namespace sent on the request ({ns})")
    uid, n = s.new_id()
    if not meta.get("name"):
        if not meta.get("generateName"):
            raise ApiError(422, "metadata.name: Required value: name or generateName is "
                           "required")
        meta["name"] = f"{meta['generateName']}{n:05d}"[:63]
    if (ns, meta["name"]) in s.workflows:
        raise ApiError(409, f'workflows.argoproj.io "{meta["name"]}" already exists')
    meta["namespace"] = ns
    meta["uid"] = uid
    meta["resourceVersion"] = str(1000 + n)
    meta["creationTimestamp"] = R.ts(n)
    meta.setdefault("labels", {})
    wf.pop("status", None)
    if dry_run:
        return wf
    s.order[uid] = n
    fault = stub.faults.run_outcome(meta["name"])
    steps, root_type = R.plan_steps(wf)
    w = {"obj": wf, "via": via, "steps": steps, "root_type": root_type,
         "prog": R.Progress(n, fault["state"] if fault else "Succeeded",
                            fault.get("step") if fault else None)}
    s.workflows[(ns, meta["name"])] = w
    return copy.deepcopy(wf)


def _get_workflow(h, ns, name):
    w = h.server.stub.store.workflows.get((ns, name))
    if w is None:
        raise ApiError(404, f'workflows.argoproj.io "{name}" not found')
    return w


def _check_wf(h, wf, where):
    probs = h.server.stub.workflow_problems(wf)
    if probs:
        raise Violation("argo", [f"{where}: {p}" for p in probs])


ARGO_CREATE_KEYS = {"namespace", "workflow", "instanceID", "serverDryRun", "createOptions"}


def _json_body(h, body):
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise Violation("body", [f"Content-Type must be application/json, got {ctype!r}"])
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Violation("body", [f"body is not JSON: {exc}"])


def _argo_query(query, allowed):
    bad = [k for k in query if k not in allowed and not k.startswith(tuple(
        a for a in allowed if a.endswith(".")))]
    if bad:
        raise Violation("query", [f"query parameter(s) {bad} not accepted here "
                                  f"(allowed: {sorted(allowed)})"])


def argo_server(h, method, path, query, body):
    stub = h.server.stub
    q = {k: v[0] for k, v in query.items()}
    if path == "/api/v1/version" and method == "GET":
        return h.send_json(200, {"version": "v3.5.14", "buildDate": "2024-01-01T00:00:00Z",
                                 "gitCommit": "stub", "gitTreeState": "clean",
                                 "goVersion": "go1.21", "platform": "linux/amd64"})
    if path == "/api/v1/info" and method == "GET":
        return h.send_json(200, {"managedNamespace": "", "modals": {}})
    m = re.fullmatch(r"/api/v1/workflows/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?", path)
    if not m:
        raise Violation("route", [f"{method} {path}: not an Argo Server endpoint the stub "
                                  "knows"], status=404)
    ns, name, action = m.groups()
    with stub.lock:
        if name is None and method == "POST":
            _argo_query(query, set())
            req = _json_body(h, body)
            if not isinstance(req, dict):
                raise Violation("body", ["WorkflowCreateRequest must be an object"])
            extra = set(req) - ARGO_CREATE_KEYS
            if extra:
                raise Violation("body", [f"unknown WorkflowCreateRequest field(s) "
                                         f"{sorted(extra)} (the Workflow goes in "
                                         f"'workflow')"])
            if not isinstance(req.get("workflow"), dict):
                raise Violation("body", ["WorkflowCreateRequest.workflow is missing"])
            if req.get("namespace") and req["namespace"] != ns:
                raise ApiError(400, "namespace in body does not match the URL")
            _check_wf(h, req["workflow"], "workflow")
            out = _create_workflow(h, ns, copy.deepcopy(req["workflow"]), "argo-server",
                                   dry_run=bool(req.get("serverDryRun")))
            return h.send_json(200, out)
        if name == "lint" and method == "POST" and action is None:
            req = _json_body(h, body)
            if not isinstance(req, dict) or not isinstance(req.get("workflow"), dict):
                raise Violation("body", ["lint request needs 'workflow'"])
            probs = stub.workflow_problems(req["workflow"])
            if probs:
                return h.argo_error(400, "; ".join(probs))
            return h.send_json(200, req["workflow"])
        if name is None and method == "GET":
            _argo_query(query, {"listOptions.", "fields", "nameFilter"})
            items = [_argo_workflow_view(h, w) for (wns, _), w in stub.store.workflows.items()
                     if wns == ns]
            return h.send_json(200, {"metadata": {"resourceVersion": str(stub.store.counter)},
                                     "items": items or None})
        if name and action is None and method == "GET":
            _argo_query(query, {"fields", "getOptions.resourceVersion"})
            w = _get_workflow(h, ns, name)
            w["prog"].polls += 1
            w["prog"].observe(stub.pending_polls, stub.running_polls)
            return h.send_json(200, _select_fields(_argo_workflow_view(h, w), q.get("fields")))
        if name and action is None and method == "DELETE":
            _get_workflow(h, ns, name)
            del stub.store.workflows[(ns, name)]
            return h.send_json(200, {})
        if name and action in ("terminate", "stop") and method == "PUT":
            w = _get_workflow(h, ns, name)
            if w["prog"].terminated_at is None:
                w["prog"].terminated_at = w["prog"].polls
            return h.send_json(200, _argo_workflow_view(h, w))
    raise Violation("route", [f"{method} {path}: not an Argo Server endpoint"], status=405)


def k8s(h, method, path, query, body):
    stub = h.server.stub
    m = re.fullmatch(r"/apis/argoproj\.io/v1alpha1/namespaces/([^/]+)/workflows(?:/([^/]+))?",
                     path)
    if not m:
        raise Violation("route", [f"{method} {path}: only argoproj.io/v1alpha1 namespaced "
                                  "workflows are served"], status=404)
    ns, name = m.groups()
    q = {k: v[0] for k, v in query.items()}
    with stub.lock:
        if name is None and method == "POST":
            _argo_query(query, {"dryRun", "fieldManager", "fieldValidation", "pretty"})
            if q.get("dryRun") not in (None, "All"):
                raise Violation("query", ["dryRun must be 'All'"])
            wf = _json_body(h, body)
            if not isinstance(wf, dict):
                raise Violation("body", ["body must be a Workflow object"])
            if wf.get("apiVersion") != "argoproj.io/v1alpha1" or wf.get("kind") != "Workflow":
                raise Violation("body", ["body must carry apiVersion argoproj.io/v1alpha1 and "
                                         "kind Workflow"])
            _check_wf(h, wf, "workflow")
            out = _create_workflow(h, ns, copy.deepcopy(wf), "kubernetes",
                                   dry_run=q.get("dryRun") == "All")
            return h.send_json(201, out)
        if name is None and method == "GET":
            _argo_query(query, {"labelSelector", "fieldSelector", "limit", "continue",
                                "resourceVersion", "pretty"})
            items = [_argo_workflow_view(h, w) for (wns, _), w in stub.store.workflows.items()
                     if wns == ns]
            return h.send_json(200, {"apiVersion": "argoproj.io/v1alpha1",
                                     "kind": "WorkflowList",
                                     "metadata": {"resourceVersion": str(stub.store.counter)},
                                     "items": items})
        if name and method == "GET":
            _argo_query(query, {"resourceVersion", "pretty"})
            w = _get_workflow(h, ns, name)
            w["prog"].polls += 1
            w["prog"].observe(stub.pending_polls, stub.running_polls)
            return h.send_json(200, _argo_workflow_view(h, w))
        if name and method == "DELETE":
            _get_workflow(h, ns, name)
            del stub.store.workflows[(ns, name)]
            return h.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                     "status": "Success",
                                     "details": {"name": name, "group": "argoproj.io",
                                                 "kind": "workflows"}})
    raise Violation("route", [f"{method} {path}: not supported by the stub"], status=405)


Handler.argo_server = argo_server
Handler.k8s = k8s


# ====================================================================== server
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, stub, tls_ctx):
        self.stub = stub
        self.tls_ctx = tls_ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        if self.tls_ctx is None:
            return super().finish_request(request, client_address)
        request.settimeout(30)
        try:
            tls = self.tls_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.stub.log(f"TLS handshake failed from {client_address}: {exc}")
            return None
        try:
            tls.settimeout(Handler.timeout)
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass
        return None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def default_shared():
    env = os.environ.get("MNISTPIPE_SHARED")
    if env:
        return env
    return os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))


def parse_args(argv):
    shared = default_shared()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 = ephemeral (default)")
    ap.add_argument("--port-file", help="written (atomically) with the port once listening")
    ap.add_argument("--api", choices=("v1beta1", "v2beta1", "both"), default="both")
    ap.add_argument("--backend", choices=("2.17", "2.5", "1.8"), default="2.17",
                    help="KFP version whose quirks to mimic (error bodies, duplicates, "
                    "v2beta1 availability, v1 status strings)")
    ap.add_argument("--swagger-dir", default=os.path.join(shared, "reference", "kfp-api"))
    ap.add_argument("--validate-argo", default=os.path.join(shared, "tools", "validate-argo"),
                    help="path of shared/tools/validate-argo (Argo checks; basic checks "
                    "without it)")
    ap.add_argument("--argo-schema", default=None, help="validate-argo --schema value")
    ap.add_argument("--state-file", help="JSON state dump written at shutdown")
    ap.add_argument("--log", help="append a line per request / event here")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca", help="require client certificates signed by this CA")
    ap.add_argument("--token", action="append", help="accepted bearer token (repeatable)")
    ap.add_argument("--cookie", help="NAME=VALUE session cookie the gateway requires")
    ap.add_argument("--dex-user")
    ap.add_argument("--dex-password")
    ap.add_argument("--multi-user", action="store_true", help="healthz multi_user: true; "
                    "namespaces required for experiments")
    ap.add_argument("--pending-polls", type=int, default=1)
    ap.add_argument("--running-polls", type=int, default=2)
    ap.add_argument("--block-v1", action="store_true", help="BLOCK_V1_PIPELINES=true")
    ap.add_argument("--fault", action="append", help="KIND[:key=value,...] (repeatable)")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if args.cookie and "=" not in args.cookie:
        ap.error("--cookie wants NAME=VALUE")
    return args


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        stub = Stub(args)
    except (OSError, ValueError, re.error) as exc:
        sys.stderr.write(f"kfp_stub: {exc}\n")
        return 2
    tls_ctx = None
    if args.tls_cert:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            tls_ctx.verify_mode = ssl.CERT_REQUIRED
            tls_ctx.load_verify_locations(args.tls_client_ca)
    httpd = Server(("127.0.0.1", args.port), Handler, stub, tls_ctx)
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    stub.log(f"listening on 127.0.0.1:{port} ({'https' if tls_ctx else 'http'}) "
             f"api={stub.api_versions} backend={stub.backend}")

    def on_signal(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    if args.state_file:
        tmp = args.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(stub.dump_state(), fh, indent=1, default=str)
        os.replace(tmp, args.state_file)
    n = len(stub.violations)
    stub.log(f"shutdown: {n} violation(s)")
    if n:
        sys.stderr.write(f"kfp_stub: {n} request(s) violated the API spec:\n")
        for v in stub.violations:
            sys.stderr.write(f"  #{v['seq']} {v['method']} {v['path']} [{v['kind']}]: "
                             + " | ".join(v["problems"]) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
