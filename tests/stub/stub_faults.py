# SPDX-License-Identifier: MIT
"""Fault injection rules for kfp_stub.py.

A fault is a dict; on the command line it is written KIND[:key=value[,key=value]...].
Common keys: path (regex, re.search on the URL path), method, count (how many times it
fires; default 1, "inf" = always), after (let that many matching requests through first).
"""

import re
import threading

KINDS = {
    "status":       "answer HTTP `code` (500, 503, 429, 409, ...); `retry_after` sets Retry-After "
                    "(seconds, or an HTTP-date string sent as given)",
    "drop":         "close the connection without answering",
    "stall":        "sleep `seconds` then answer normally",
    "truncate":     "answer normally but close after sending part of a body whose "
                    "Content-Length promises more",
    "garbage":      "answer `code` (default 200) with a non-JSON body",
    "huge":         "answer 200 with a JSON-looking body of `bytes` bytes, streamed",
    "expire_token": "401 (Unauthenticated) for requests bearing `token` (default: any) "
                    "once `after` of them passed",
    "run_outcome":  "runs whose name matches `name` (regex) end in `state` (Succeeded, "
                    "Failed, Error, Canceled, Skipped); `step` names the failing step",
}

_INT_KEYS = {"code", "after", "bytes", "retry_after"}
_FLOAT_KEYS = {"seconds"}


def parse_spec(text):
    """'status:code=503,count=2,path=^/apis/' -> dict.  Raises ValueError."""
    kind, _, rest = text.partition(":")
    kind = kind.strip()
    fault = {"kind": kind}
    if rest:
        # values may contain ',' only if the whole rest is a single key=value (regexes)
        items = [rest] if rest.startswith("path=") and rest.count("=") == 1 else rest.split(",")
        for item in items:
            key, eq, value = item.partition("=")
            if not eq:
                raise ValueError(f"fault {text!r}: expected key=value, got {item!r}")
            fault[key.strip()] = value
    return normalize(fault)


def normalize(fault):
    if not isinstance(fault, dict):
        raise ValueError("a fault must be a JSON object or a KIND:key=value string")
    fault = dict(fault)
    kind = fault.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
    for key in list(fault):
        if key == "retry_after" and isinstance(fault[key], str) and \
                not fault[key].strip().isdigit():
            continue                  # an HTTP-date, sent as given
        if key in _INT_KEYS and fault[key] is not None:
            fault[key] = int(fault[key])
        elif key in _FLOAT_KEYS:
            fault[key] = float(fault[key])
    count = fault.get("count", "inf" if kind in ("expire_token",) else 1)
    fault["count"] = None if count in ("inf", None, -1, "-1") else int(count)
    fault.setdefault("after", 0)
    if kind == "status":
        if "code" not in fault:
            raise ValueError("status fault needs code=N")
        if fault["code"] == 429 and "retry_after" not in fault:
            fault["retry_after"] = 1
    if kind == "stall":
        fault.setdefault("seconds", 2.0)
    if kind == "huge":
        fault.setdefault("bytes", 64 * 1024 * 1024)
    if kind == "garbage":
        fault.setdefault("code", 200)
    if kind == "run_outcome":
        state = str(fault.get("state", "Failed")).capitalize()
        if state == "Cancelled":
            state = "Canceled"
        if state not in ("Succeeded", "Failed", "Error", "Canceled", "Skipped"):
            raise ValueError(f"run_outcome state {state!r} unknown")
        fault["state"] = state
        fault.setdefault("name", ".*")
    if "path" in fault:
        re.compile(fault["path"])
    fault.setdefault("fired", 0)
    fault.setdefault("seen", 0)
    return fault


class FaultTable:
    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []
        self.next_id = 1

    def add(self, fault):
        with self.lock:
            fault["id"] = self.next_id
            self.next_id += 1
            self.faults.append(fault)
            return fault

    def clear(self):
        with self.lock:
            self.faults = []

    def snapshot(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def take(self, method, path, kinds, token=None):
        """First request-level fault that fires for this request, or None."""
        with self.lock:
            for fault in self.faults:
                if fault["kind"] not in kinds:
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if fault.get("path") and not re.search(fault["path"], path):
                    continue
                if fault["kind"] == "expire_token" and fault.get("token") and \
                        fault["token"] != token:
                    continue
                if fault["count"] is not None and fault["fired"] >= fault["count"]:
                    continue
                fault["seen"] += 1
                if fault["seen"] <= fault["after"]:
                    continue
                fault["fired"] += 1
                return dict(fault)
        return None

    def run_outcome(self, run_name):
        """Consume a run_outcome fault for a newly created run (name matched by regex)."""
        with self.lock:
            for fault in self.faults:
                if fault["kind"] != "run_outcome":
                    continue
                if not re.search(fault.get("name", ".*"), run_name or ""):
                    continue
                if fault["count"] is not None and fault["fired"] >= fault["count"]:
                    continue
                fault["seen"] += 1
                if fault["seen"] <= fault["after"]:
                    continue
                fault["fired"] += 1
                return dict(fault)
        return None
