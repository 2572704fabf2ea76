#!/usr/bin/env python3
"""A testee that misbehaves on purpose (docs/testee-protocol.md §6), for the runner's tests.

It forwards every request to a real testee (`regiontool serve`, given after `--`) and passes
the answer back, except for the cases named by its options (fnmatch patterns on the request's
`id`), where it:

  --crash-on P     kills itself with SIGSEGV before answering
  --hang-on P      never answers (sleeps)
  --garbage-on P   writes a frame whose body is not JSON
  --huge-on P      writes a length prefix over the protocol's 64 MiB limit
  --wrong-id-on P  answers with another case's id
  --reject-on P    answers a rejection (bad_magic at offset 0) instead
  --alter-on P     changes the first node of a graph answer (a wrong but well-formed graph)
  --exit-on P      exits with status 3 before answering
  --stderr TEXT    writes TEXT to stderr before each misbehaviour

Standard library only.
"""

import argparse
import fnmatch
import json
import os
import signal
import struct
import subprocess
import sys
import time


def read_frame(stream):
    header = stream.read(4)
    if len(header) < 4:
        return None
    (n,) = struct.unpack("<I", header)
    return stream.read(n)


def write_frame(stream, body):
    stream.write(struct.pack("<I", len(body)) + body)
    stream.flush()


def main():
    p = argparse.ArgumentParser()
    for opt in ("crash", "hang", "garbage", "huge", "wrong-id", "reject", "alter", "exit"):
        p.add_argument(f"--{opt}-on", default=[], action="append")
    p.add_argument("--stderr", default="")
    p.add_argument("inner", nargs=argparse.REMAINDER)
    args = p.parse_args()
    inner = args.inner[1:] if args.inner[:1] == ["--"] else args.inner
    child = subprocess.Popen(inner, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    def matches(patterns, case_id):
        return case_id and any(fnmatch.fnmatchcase(case_id, pat) for pat in patterns)

    while True:
        body = read_frame(stdin)
        if body is None:
            break
        request = json.loads(body)
        case_id = request.get("id", "")
        misbehaving = any(matches(getattr(args, f"{o}_on"), case_id)
                          for o in ("crash", "hang", "garbage", "huge", "wrong_id", "exit"))
        if misbehaving and args.stderr:
            sys.stderr.write(args.stderr + "\n")
            sys.stderr.flush()
        if matches(args.crash_on, case_id):
            os.kill(os.getpid(), signal.SIGSEGV)
        if matches(args.exit_on, case_id):
            sys.exit(3)
        if matches(args.hang_on, case_id):
            time.sleep(3600)
        if matches(args.garbage_on, case_id):
            write_frame(stdout, b"this is not json \xff")
            continue
        if matches(args.huge_on, case_id):
            stdout.write(struct.pack("<I", (64 << 20) + 1))
            stdout.flush()
            continue
        write_frame(child.stdin, body)
        answer = read_frame(child.stdout)
        if answer is None:
            break
        if matches(args.wrong_id_on, case_id):
            reply = json.loads(answer)
            reply["id"] = "some.other.case"
            answer = json.dumps(reply).encode()
        elif matches(args.reject_on, case_id):
            answer = json.dumps({"id": case_id, "ok": False,
                                 "error": {"class": "bad_magic", "offset": 0}}).encode()
        elif matches(args.alter_on, case_id):
            reply = json.loads(answer)
            if reply.get("graph", {}).get("nodes"):
                reply["graph"]["nodes"][0] = {"kind": "string", "value": "altered"}
            answer = json.dumps(reply).encode()
        write_frame(stdout, answer)
        if request.get("op") == "bye":
            break
    child.stdin.close()
    child.wait()


if __name__ == "__main__":
    main()
