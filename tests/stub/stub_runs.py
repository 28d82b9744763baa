# SPDX-License-Identifier: MIT
"""Run / workflow state progression for kfp_stub.py.

A run (KFP) or workflow (Argo) advances only when a client GETs it: with P pending polls
and R running polls, GET number 1..P shows Pending, P+1..P+R Running (steps completing
one by one), later ones the outcome (Succeeded unless a run_outcome fault says otherwise).
A terminated run shows Terminating/CANCELING for one more GET, then Failed.
"""

import datetime
import re
import zlib

BASE_TIME = datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc)
ZERO_TIME = "1970-01-01T00:00:00Z"

# internal states
PENDING, RUNNING, SUCCEEDED, FAILED, ERROR, CANCELING, CANCELED, SKIPPED, TERMINATED = (
    "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "ERROR", "CANCELING", "CANCELED",
    "SKIPPED", "TERMINATED")
TERMINAL = {SUCCEEDED, FAILED, ERROR, CANCELED, SKIPPED, TERMINATED}
OUTCOME = {"Succeeded": SUCCEEDED, "Failed": FAILED, "Error": ERROR,
           "Canceled": CANCELED, "Skipped": SKIPPED}


def ts(n):
    """Deterministic timestamp: BASE_TIME + n seconds (n = creation counter or tick)."""
    return (BASE_TIME + datetime.timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def argo_phase(state):
    return {PENDING: "Pending", RUNNING: "Running", SUCCEEDED: "Succeeded",
            FAILED: "Failed", ERROR: "Error", CANCELING: "Running", CANCELED: "Failed",
            SKIPPED: "Succeeded", TERMINATED: "Failed"}[state]


def v1_status(state, backend):
    """run.status in v1beta1 (KFP-API.md section 10 table)."""
    if backend == "1.8":
        return {PENDING: "Pending", RUNNING: "Running", SUCCEEDED: "Succeeded",
                FAILED: "Failed", ERROR: "Error", CANCELING: "Terminating",
                CANCELED: "Failed", SKIPPED: "Skipped", TERMINATED: "Failed"}[state]
    return {PENDING: "Pending", RUNNING: "Running", SUCCEEDED: "Succeeded",
            FAILED: "Failed", ERROR: "Failed", CANCELING: "Terminating",
            CANCELED: "Failed", SKIPPED: "Skipped", TERMINATED: "Failed"}[state]


def v2_state(state):
    return {PENDING: "PENDING", RUNNING: "RUNNING", SUCCEEDED: "SUCCEEDED",
            FAILED: "FAILED", ERROR: "FAILED", CANCELING: "CANCELING",
            CANCELED: "CANCELED", SKIPPED: "SKIPPED", TERMINATED: "FAILED"}[state]


def plan_steps(wf):
    """[(step name, template name, [dependency names])] in execution order, and root type."""
    spec = wf.get("spec") if isinstance(wf, dict) else None
    if not isinstance(spec, dict):
        return [], "Pod"
    templates = {t.get("name"): t for t in spec.get("templates") or [] if isinstance(t, dict)}
    entry = templates.get(spec.get("entrypoint"))
    if entry is None:
        return [], "Pod"
    steps = []
    if isinstance(entry.get("dag"), dict):
        tasks = [t for t in entry["dag"].get("tasks") or [] if isinstance(t, dict)]
        names = [t.get("name") for t in tasks]
        deps = {}
        for t in tasks:
            d = list(t.get("dependencies") or [])
            if isinstance(t.get("depends"), str):
                d += [w.split(".")[0] for w in re.findall(r"[A-Za-z0-9_.-]+", t["depends"])
                      if w.split(".")[0] in names]
            deps[t.get("name")] = [x for x in dict.fromkeys(d) if x in names]
        done, order = set(), []
        while len(order) < len(tasks):
            progressed = False
            for t in tasks:
                n = t.get("name")
                if n not in done and all(x in done for x in deps[n]):
                    done.add(n)
                    order.append((n, t.get("template") or n, deps[n]))
                    progressed = True
            if not progressed:     # cycle: keep the rest in file order
                order += [(t.get("name"), t.get("template"), deps[t.get("name")])
                          for t in tasks if t.get("name") not in done]
                break
        return order, "DAG"
    if isinstance(entry.get("steps"), list):
        prev = []
        for group in entry["steps"]:
            group = group if isinstance(group, list) else [group]
            names = []
            for st in group:
                if isinstance(st, dict):
                    steps.append((st.get("name"), st.get("template") or st.get("name"), prev))
                    names.append(st.get("name"))
            prev = names
        return steps, "Steps"
    return [(entry.get("name"), entry.get("name"), [])], "Pod"


def v2_ir_steps(spec):
    """Steps of a KFP v2 IR pipeline_spec (root.dag.tasks), for inline v2 runs."""
    tasks = (((spec or {}).get("root") or {}).get("dag") or {}).get("tasks") or {}
    out = []
    for name, task in tasks.items():
        deps = list((task or {}).get("dependentTasks") or [])
        out.append((name, name, deps))
    return out


class Progress:
    """Mutable progression record shared by KFP runs and Argo workflows."""

    def __init__(self, created_n, outcome="Succeeded", fail_step=None):
        self.created_n = created_n
        self.polls = 0
        self.outcome = OUTCOME[outcome]
        self.fail_step = fail_step
        self.terminated_at = None    # polls value when terminate was asked
        self.finished_n = None
        self.history = []            # [(tick, state)]

    def state(self, pending, running, polls=None):
        p = self.polls if polls is None else polls
        if self.terminated_at is not None and (polls is None or p > self.terminated_at):
            before = self.state(pending, running, self.terminated_at)
            if before in TERMINAL:
                return before
            return CANCELING if p <= self.terminated_at + 1 else TERMINATED
        if p <= pending:
            return PENDING
        if p <= pending + running:
            return RUNNING
        return self.outcome

    def observe(self, pending, running):
        st = self.state(pending, running)
        if not self.history or self.history[-1][1] != st:
            self.history.append((self.created_n + self.polls, st))
        if st in TERMINAL and self.finished_n is None:
            self.finished_n = self.created_n + max(self.polls, 1) + 1
        return st

    def nodes(self, wf_name, steps, root_type, pending, running):
        """Argo status.nodes for the current state (empty while Pending)."""
        st = self.state(pending, running)
        if st == PENDING or not steps:
            return {}
        n = len(steps)
        phases = {}
        messages = {}

        def running_done(p):
            k = max(0, min(p - pending, running))
            return (n * k) // (running + 1)

        if st in (RUNNING, CANCELING):
            done = running_done(self.polls if st == RUNNING else self.terminated_at)
            for i, (name, _, _) in enumerate(steps):
                if i < done:
                    phases[name] = "Succeeded"
                elif i == done:
                    phases[name] = "Running"
        elif st in (SUCCEEDED,):
            for name, _, _ in steps:
                phases[name] = "Succeeded"
        elif st == SKIPPED:
            for name, _, _ in steps:
                phases[name] = "Skipped"
        elif st in (FAILED, ERROR, CANCELED):
            names = [s[0] for s in steps]
            fail = names.index(self.fail_step) if self.fail_step in names else n - 1
            for i, name in enumerate(names):
                if i < fail:
                    phases[name] = "Succeeded"
                elif i == fail:
                    if st == CANCELED:
                        phases[name] = "Failed"
                        messages[name] = "Stopped with strategy 'Terminate'"
                    else:
                        phases[name] = "Failed" if st == FAILED else "Error"
                        messages[name] = ("Error (exit code 1)" if st == FAILED
                                          else "failed to start container")
        elif st == TERMINATED:
            tp = self.terminated_at
            done = running_done(tp) if tp > pending else 0
            for i, (name, _, _) in enumerate(steps):
                if i < done:
                    phases[name] = "Succeeded"
                elif i == done:
                    phases[name] = "Failed"
                    messages[name] = "terminated"
        start = ts(self.created_n + 1)
        end = ts(self.finished_n) if self.finished_n else None

        def node_id(name):
            return "%s-%010d" % (wf_name, zlib.crc32(name.encode()) % 10**10)

        nodes = {}
        children_of = {s[0]: [] for s in steps}
        roots = []
        for name, _, deps in steps:
            if not deps:
                roots.append(name)
            for d in deps:
                if d in children_of:
                    children_of[d].append(name)
        for i, (name, tmpl, deps) in enumerate(steps):
            if name not in phases:
                continue
            ph = phases[name]
            node = {"id": node_id(name), "name": f"{wf_name}.{name}", "displayName": name,
                    "type": "Pod", "templateName": tmpl, "phase": ph,
                    "boundaryID": wf_name, "startedAt": ts(self.created_n + 1 + i)}
            if ph not in ("Running", "Pending"):
                node["finishedAt"] = end or ts(self.created_n + 2 + i)
            if name in messages:
                node["message"] = messages[name]
            kids = [node_id(c) for c in children_of.get(name, []) if c in phases]
            if kids:
                node["children"] = kids
            nodes[node["id"]] = node
        root_phase = argo_phase(st)
        root = {"id": wf_name, "name": wf_name, "displayName": wf_name,
                "type": root_type if root_type != "Pod" else "Pod",
                "templateName": wf_name, "phase": root_phase, "startedAt": start}
        if st in TERMINAL:
            root["finishedAt"] = end
        kids = [node_id(r) for r in roots if r in phases]
        if kids and root_type != "Pod":
            root["children"] = kids
        if root_type == "Pod" and steps:
            root = dict(nodes.pop(node_id(steps[0][0]), root), id=wf_name, name=wf_name,
                        displayName=wf_name)
        nodes[wf_name] = root
        return nodes

    def status(self, wf_name, steps, root_type, pending, running, argo=False):
        """Argo Workflow .status; {} before the first reconcile (Argo direct only)."""
        if argo and self.polls == 0 and self.terminated_at is None:
            return {}
        st = self.state(pending, running)
        out = {"phase": argo_phase(st), "startedAt": ts(self.created_n + 1)}
        if st == PENDING:
            out = {"phase": "Pending"}
        if st in TERMINAL:
            out["finishedAt"] = ts(self.finished_n or self.created_n + 2)
        if st == TERMINATED or st == CANCELED:
            out["message"] = "Stopped with strategy 'Terminate'"
        elif st in (FAILED, ERROR):
            out["message"] = "child '%s' failed" % (self.fail_step or
                                                   (steps[-1][0] if steps else wf_name))
        nodes = self.nodes(wf_name, steps, root_type, pending, running)
        if nodes:
            out["nodes"] = nodes
            pods = [x for x in nodes.values() if x.get("type") == "Pod"]
            okc = sum(1 for x in pods if x["phase"] == "Succeeded")
            out["progress"] = f"{okc}/{max(len(steps), 1)}"
        return out
