"""Generate the committed gRPC/event stubs and the events catalog from proto/.

    python scripts/gen_protos.py          # regenerate (what `make proto` runs)
    python scripts/gen_protos.py --check  # exit 1 if the committed output drifted

The .proto files live at proto/kontor/<package>/v1/*.proto so their import paths
match their proto packages. The Python modules, however, must live under
`kontor.protos` (libs/protos), because `kontor.<service>` is the service's own
package. protoc writes `from kontor.contacts.v1 import ...`, so after generating
we move every module one level down and rewrite those imports to
`kontor.protos.<package>...`. Nothing else is touched.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROTO_ROOT = REPO / "proto"
STUBS_ROOT = REPO / "libs" / "protos" / "src" / "kontor" / "protos"
EVENTS_DOC = REPO / "docs" / "events.md"

_IMPORT_RE = re.compile(r"^(from|import) kontor\.(?!protos\b)", re.MULTILINE)


def _protoc(out_dir: Path, descriptor_set: Path) -> None:
    import grpc_tools  # noqa: PLC0415 - only needed when generating

    include = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    cmd = [
        sys.executable, "-m", "grpc_tools.protoc",
        f"-I{PROTO_ROOT}", f"-I{include}",
        f"--python_out={out_dir}", f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}",
        f"--descriptor_set_out={descriptor_set}", "--include_source_info", "--include_imports",
        *protos,
    ]
    subprocess.run(cmd, check=True, cwd=PROTO_ROOT)


def _relocate(generated: Path, target: Path) -> None:
    """Move generated/kontor/<pkg>/... to target/<pkg>/... and rewrite imports."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "__init__.py").write_text('"""Generated from proto/ by scripts/gen_protos.py; do not edit."""\n')
    for src in sorted((generated / "kontor").rglob("*")):
        rel = src.relative_to(generated / "kontor")
        dst = target / rel
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
            (dst / "__init__.py").touch()
            continue
        text = _IMPORT_RE.sub(r"\1 kontor.protos.", src.read_text())
        dst.write_text(text)


def _leading_comments(fds) -> dict[tuple[str, tuple[int, ...]], str]:
    comments = {}
    for f in fds.file:
        for loc in f.source_code_info.location:
            if loc.leading_comments:
                comments[(f.name, tuple(loc.path))] = " ".join(
                    line.strip() for line in loc.leading_comments.strip().splitlines()
                )
    return comments


_SCALAR_NAMES = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string",
    12: "bytes", 13: "uint32", 17: "sint32", 18: "sint64",
}


def _field_type(field) -> str:
    base = field.type_name.lstrip(".") if field.type_name else _SCALAR_NAMES.get(field.type, str(field.type))
    return f"repeated {base}" if field.label == 3 else base


def _events_doc(descriptor_set: Path, stubs: Path) -> str:
    from google.protobuf import descriptor_pb2  # noqa: PLC0415

    # Register the `event` extension so the parsed options expose it.
    spec = importlib.util.spec_from_file_location(
        "_kontor_gen_event_options", stubs / "events" / "v1" / "options_pb2.py"
    )
    options = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(options)

    fds = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    comments = _leading_comments(fds)
    events = []
    for f in fds.file:
        if not f.name.startswith("kontor/events/"):
            continue
        for mi, msg in enumerate(f.message_type):
            if not msg.options.HasExtension(options.event):
                continue
            ev = msg.options.Extensions[options.event]
            fields = [
                (fld.json_name, fld.name, _field_type(fld), comments.get((f.name, (4, mi, 2, fi)), ""))
                for fi, fld in enumerate(msg.field)
            ]
            events.append((ev.type, ev.producer, f"{f.package}.{msg.name}", f.name,
                           comments.get((f.name, (4, mi)), ""), fields))

    out = [
        "# Kontor events catalog",
        "",
        "<!-- Generated from proto/kontor/events/v1 by `make proto`; do not edit by hand. -->",
        "",
        "Every Kontor service publishes facts as [CloudEvents 1.0](https://github.com/cloudevents/spec) "
        "in JSON to NATS JetStream. Partners subscribe to the subjects below.",
        "",
        "- **Subject:** `kontor.<tenant>.<type>`, e.g. `kontor.<tenant>.contacts.company.created`.",
        "- **Envelope:** `specversion` 1.0, `id` (a UUID, also the `Nats-Msg-Id` header, so a "
        "re-publish within the stream's duplicate window is dropped), `source` "
        "(`/kontor/<producer>`), `type` (`kontor.<type>`), `subject` (the entity id), `time`, "
        "`datacontenttype` `application/json`, `dataschema` (`proto:<message>`), and the "
        "extensions `tenantid` and `traceparent` (W3C trace context).",
        "- **Data:** the proto message below in its canonical JSON mapping (lowerCamelCase field "
        "names, int64 as strings).",
        "- **Streams:** one per producing domain, `KONTOR_<DOMAIN>` (e.g. `KONTOR_CONTACTS`, "
        "subjects `kontor.*.contacts.>`). Messages that a consumer cannot process go to "
        "`KONTOR_DLQ` (subjects `kontor-dlq.<consumer>`) with the headers `Kontor-Dlq-Reason`, "
        "`Kontor-Dlq-Subject` and `Kontor-Dlq-Consumer`.",
        "- Delivery is at least once; every event carries a unique `id` for de-duplication.",
        "",
        "| Type | Producer | Schema |",
        "|---|---|---|",
    ]
    for etype, producer, full_name, _file, _doc, _fields in sorted(events):
        out.append(f"| [`{etype}`](#{etype.replace('.', '')}) | {producer} | `{full_name}` |")
    for etype, producer, full_name, file_name, doc, fields in sorted(events):
        out += [
            "",
            f"## {etype}",
            "",
            doc or "(undocumented)",
            "",
            f"- Subject: `kontor.<tenant>.{etype}`",
            f"- CloudEvents type: `kontor.{etype}`",
            f"- Producer: {producer}",
            f"- Schema: `{full_name}` in `proto/{file_name}`",
            "",
            "| JSON field | Proto field | Type | Meaning |",
            "|---|---|---|---|",
        ]
        out += [f"| `{jname}` | `{name}` | {ftype} | {fdoc} |" for jname, name, ftype, fdoc in fields]
    return "\n".join(out) + "\n"


def generate(stubs_dir: Path, events_doc: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        raw = tmp_path / "raw"
        raw.mkdir()
        descriptor_set = tmp_path / "descriptors.pb"
        _protoc(raw, descriptor_set)
        if stubs_dir.exists():
            shutil.rmtree(stubs_dir)
        _relocate(raw, stubs_dir)
        events_doc.parent.mkdir(parents=True, exist_ok=True)
        events_doc.write_text(_events_doc(descriptor_set, stubs_dir))


def _drift(expected: Path, actual: Path) -> list[str]:
    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    exp, act = files(expected), files(actual)
    drift = [f"missing: {p}" for p in sorted(exp - act)]
    drift += [f"unexpected: {p}" for p in sorted(act - exp)]
    drift += [
        f"differs: {p}" for p in sorted(exp & act) if not filecmp.cmp(expected / p, actual / p, shallow=False)
    ]
    return drift


def check() -> list[str]:
    """Regenerate into a temp dir and list every difference from the committed output."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        stubs, doc = tmp_path / "stubs", tmp_path / "events.md"
        generate(stubs, doc)
        drift = _drift(stubs, STUBS_ROOT)
        if not EVENTS_DOC.exists() or EVENTS_DOC.read_text() != doc.read_text():
            drift.append(f"differs: {EVENTS_DOC.relative_to(REPO)}")
        return drift


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed output differs")
    args = parser.parse_args()
    if args.check:
        drift = check()
        if drift:
            print("Generated code drifted from proto/. Run `make proto` and commit:", *drift, sep="\n  ")
            return 1
        print("generated stubs and docs/events.md match proto/")
        return 0
    generate(STUBS_ROOT, EVENTS_DOC)
    print(f"wrote {STUBS_ROOT.relative_to(REPO)} and {EVENTS_DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
