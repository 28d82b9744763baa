#!/bin/sh
# SPDX-License-Identifier: MIT
# Directory outputs on the local runner, as Argo passes a directory artifact (archived, then
# unpacked at the reading step's path): kept whole as RUNDIR/outputs/STEP/NAME (modes kept,
# symbolic links kept as links and never followed), copied to the input path of each step that
# takes it; a retried step starts without its earlier attempt's tree. A directory as a
# parameter, a FIFO in one, a tree over the bounds (1 GiB, 64 levels) fails its step, saying so.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"

# Outside the tree: a file and a directory that links in it point to.
mkdir "$TMP/outside"
echo secret >"$TMP/outside/secret"
cat >"$TMP/dir.yaml" <<EOM
name: dir
steps:
  - name: make
    image: busybox:1.36
    command:
      - sh
      - -c
      - |
        set -e
        mkdir -p /tmp/model/sub /tmp/model/empty
        printf w >/tmp/model/weights; chmod 640 /tmp/model/weights
        printf s >/tmp/model/sub/x; chmod 751 /tmp/model/sub
        printf '#!/bin/sh\necho ran\n' >/tmp/model/run.sh; chmod 755 /tmp/model/run.sh
        ln -s weights /tmp/model/link
        ln -s $TMP/outside /tmp/model/away
        ln -s $TMP/outside/secret /tmp/model/secret
    outputs: [{name: model, path: /tmp/model, kind: artifact}]
  - name: use
    image: busybox:1.36
    command:
      - sh
      - -c
      - |
        cd /in/model || exit 1
        stat -c '%a %n' weights sub run.sh empty
        echo "link=\$(readlink link) away=\$(readlink away) via-link=\$(cat link) x=\$(cat sub/x)"
        ./run.sh
        printf scribbled >weights
    inputArtifacts: [{from: "{{steps.make.outputs.model}}", path: /in/model}]
  - name: again
    image: busybox:1.36
    after: use
    command: [sh, -c, 'echo "second reader: \$(cat /in/m/weights)"']
    inputArtifacts: [{from: "{{steps.make.outputs.model}}", path: /in/m}]
EOM
expect_exit 0 "a directory artifact" -- mpr "$TMP/dir.yaml"
expect_output '^use +\| 640 weights$' "a file's mode is kept"
expect_output '^use +\| 751 sub$' "a directory's mode is kept"
expect_output '^use +\| 755 run.sh$' "an executable stays executable"
expect_output '^use +\| [0-9]+ empty$' "an empty directory is kept"
expect_output "^use +\| link=weights away=$TMP/outside via-link=w x=s$" \
    "links are links with their targets as written; the nested file is there"
expect_output '^use +\| ran$' "the copied script runs"
expect_output '^again +\| second reader: w$' \
    "each reader gets its own copy: what the first one wrote is not in the second's"
run=$(last_run)
kept="$XDG_STATE_HOME/mnistpipe/runs/$run/outputs/make/model"
[ -L "$kept/away" ] && [ -L "$kept/secret" ] && [ -z "$(find "$kept" -name secret -type f)" ] &&
    pass "links out of the tree are kept as links, never followed" ||
    fail "a link out of the tree was followed: $(find "$kept" | tr '\n' ' ')"
[ "$(cat "$kept/weights")" = w ] && pass "the kept copy is not what a reader wrote" ||
    fail "the kept weights changed: $(cat "$kept/weights")"
expect_exit 0 "runs outputs" -- mp --plugin local runs outputs "$run" make
bytes=$(find "$kept" -type f -exec cat {} + | wc -c)
expect_output "^make +model +artifact +$kept/ \(a directory: 8 entries, $bytes bytes\)$" \
    "runs outputs: the kept directory, its entries and bytes"

# A retried producer starts without its failed attempt's tree; a retried reader gets a fresh copy.
cat >"$TMP/retry.yaml" <<EOM
name: retry
steps:
  - name: make
    image: busybox:1.36
    command: [sh, -c, "mkdir -p /tmp/d; if [ -f $TMP/made ]; then echo f >/tmp/d/fresh; exit 0; fi; touch $TMP/made; echo s >/tmp/d/stale; exit 3"]
    outputs: [{name: d, path: /tmp/d, kind: artifact}]
    retries: {limit: 1}
  - name: read
    image: busybox:1.36
    command: [sh, -c, "ls /in/d | tr '\\\\n' ' '; echo; if [ -f $TMP/read ]; then exit 0; fi; touch $TMP/read /in/d/added; exit 3"]
    inputArtifacts: [{from: "{{steps.make.outputs.d}}", path: /in/d}]
    retries: {limit: 1}
EOM
expect_exit 0 "retries with a directory" -- mpr "$TMP/retry.yaml"
[ "$(grep -Ec '^read +\| fresh $' "$TMP/out")" = 2 ] &&
    pass "both attempts of the reader saw only the second attempt's file" ||
    { fail "stale files in a retry:"; grep '^read ' "$TMP/out" >&2; }

# What fails the producer.
cat >"$TMP/bad.yaml" <<'EOM'
name: bad
parameters: [{name: mode, default: param}]
steps:
  - name: make
    image: busybox:1.36
    command:
      - sh
      - -c
      - |
        mkdir -p /tmp/d /tmp/p; echo a >/tmp/d/a
        case {{params.mode}} in
        fifo) mkfifo /tmp/d/f;;
        big) truncate -s 1G /tmp/d/huge;;
        deep) p=/tmp/d; for i in $(seq 65); do p=$p/n; done; mkdir -p $p;;
        esac
    outputs:
      - {name: d, path: /tmp/d, kind: artifact}
      - {name: p, path: /tmp/p}
EOM
expect_exit 1 "a directory as a parameter" -- mpr "$TMP/bad.yaml"
expect_output "^make: failed: output 'p': /tmp/p is a directory; a parameter is the content of a file \(declare it kind: artifact" \
    "fails, saying a parameter is a file's content"
sed -i 's|- {name: p, path: /tmp/p}|- {name: p, path: /tmp/d/a}|' "$TMP/bad.yaml"
expect_exit 1 "a FIFO in a directory artifact" -- mpr "$TMP/bad.yaml" -p mode=fifo
expect_output "^make: failed: output 'd': /tmp/d/f is not a regular file, directory or symbolic link" "names the FIFO"
expect_exit 1 "a directory over 1 GiB (a sparse file)" -- mpr "$TMP/bad.yaml" -p mode=big
expect_output "^make: failed: output 'd': /tmp/d holds more than 1073741824 bytes, the bound of a directory artifact" \
    "fails, naming the bound"
expect_exit 1 "a directory 65 levels deep" -- mpr "$TMP/bad.yaml" -p mode=deep
expect_output "^make: failed: output 'd': /tmp/d is nested more than 64 directories deep" "fails, naming the bound"
[ -z "$(find "$XDG_STATE_HOME/mnistpipe/runs/$(last_run)/outputs" -mindepth 2)" ] &&
    pass "nothing half-copied is left in the run's state" ||
    fail "left behind: $(find "$XDG_STATE_HOME/mnistpipe/runs/$(last_run)/outputs" -mindepth 2 | head -n 3)"
expect_exit 0 "within the bounds" -- mpr "$TMP/bad.yaml" -p mode=none
finish
