"""Convert a Loom decoder export to the "appended" KV layout (issue 13 §4, decision 032).

The standard (Optimum) layout returns the whole cache every step: present.N.key/value =
Concat(past_key_values.N.key/value, new keys/values) on the time axis, [batch, kv_heads,
past+seq, head_dim]. onnxruntime-node hands every output back as fresh memory, so a decode step
moves O(batch × context) bytes. The appended layout returns only the Concat's second input, the
keys/values of the positions this step ran:

    present_new.N.key / .value   [batch, kv_heads, sequence_length, head_dim]

and the engine appends them to the cache it owns (server/inference/kv-paged.ts). Nothing else in
the graph changes: the Concat stays (attention still reads past + new), only its result is no
longer a graph output, so logits are those of the original graph bit for bit.

    /usr/bin/python3 training/kv_layout.py models/loom-chat/onnx/model.onnx            # in place
    /usr/bin/python3 training/kv_layout.py IN.onnx --out OUT.onnx
    /usr/bin/python3 training/kv_layout.py IN.onnx --out OUT.onnx --to present         # and back

Back to the standard layout (for transformers.js, or the benchmark's before/after on one model):
the converted graph still computes present.N internally (the Concat's result, under its old
name), so that tensor becomes an output again and present_new.N stops being one.

Library use: export_onnx.export_decoder_onnx(..., kv_layout="appended") calls to_appended().
"""

import argparse
import os
import re
import sys

import onnx

PRESENT = re.compile(r"^present\.(\d+)\.(key|value)$")
PRESENT_NEW = re.compile(r"^present_new\.(\d+)\.(key|value)$")


class LayoutError(Exception):
    pass


def _rename_tensor(graph, old, new):
    for node in graph.node:
        node.output[:] = [new if o == old else o for o in node.output]
        node.input[:] = [new if i == old else i for i in node.input]
    for vi in graph.value_info:
        if vi.name == old:
            vi.name = new


def to_appended(model):
    """Rewrite `model` (an onnx.ModelProto, changed in place) to the appended layout."""
    graph = model.graph
    names = [o.name for o in graph.output]
    if any(n.startswith("present_new.") for n in names):
        raise LayoutError("the graph already has the appended layout (present_new.* outputs)")
    presents = [o for o in graph.output if PRESENT.match(o.name)]
    if not presents:
        raise LayoutError(f"no present.N.key/value outputs (outputs: {', '.join(names)})")
    producer = {out: node for node in graph.node for out in node.output}
    inputs = {i.name for i in graph.input}
    for out in presents:
        layer, kind = PRESENT.match(out.name).groups()
        node = producer.get(out.name)
        past = f"past_key_values.{layer}.{kind}"
        axis = next((a.i for a in node.attribute if a.name == "axis"), None) if node else None
        if node is None or node.op_type != "Concat" or len(node.input) != 2 or node.input[0] != past or axis != 2:
            raise LayoutError(
                f'{out.name} is not Concat({past}, new, axis=2): this graph is not a plain past+new export '
                "(GroupQueryAttention or fused-cache graphs need their own handling)"
            )
        new_name = f"present_new.{layer}.{kind}"
        fresh = node.input[1]
        if fresh in inputs:
            raise LayoutError(f"{out.name}: the new positions come straight from a graph input")
        _rename_tensor(graph, fresh, new_name)
        # Same type; the time axis is now the step's own length.
        out.name = new_name
        dims = out.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].Clear()
            dims[2].dim_param = "sequence_length"
    return model


def layout_of(path):
    """'appended' when the graph at `path` returns present_new.*, else 'present' (no weights read)."""
    outputs = [o.name for o in onnx.load(path, load_external_data=False).graph.output]
    return "appended" if any(PRESENT_NEW.match(n) for n in outputs) else "present"


def to_present(model):
    """Undo to_appended on `model` (changed in place): present.N outputs, no present_new.N."""
    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    news = [o for o in graph.output if PRESENT_NEW.match(o.name)]
    if not news:
        raise LayoutError("the graph has no present_new.* outputs (already the standard layout?)")
    for out in news:
        layer, kind = PRESENT_NEW.match(out.name).groups()
        name = f"present.{layer}.{kind}"
        node = producer.get(name)
        if node is None or node.op_type != "Concat" or list(node.input) != [f"past_key_values.{layer}.{kind}", out.name]:
            raise LayoutError(f"{out.name}: no Concat(past, new) named {name} inside the graph")
        out.name = name
        dims = out.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].Clear()
            dims[2].dim_param = "total_sequence_length"
    return model


def convert_file(src, dst=None, to="appended"):
    model = onnx.load(src)
    (to_appended if to == "appended" else to_present)(model)
    onnx.checker.check_model(model)
    target = dst or src
    tmp = target + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, target)  # nothing half-written: the old graph stays until the new one is whole
    return target


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("onnx", help="a decoder graph exported by training/export_onnx.py (present.N = Concat(past.N, new))")
    ap.add_argument("--out", help="write here instead of replacing the input")
    ap.add_argument("--to", choices=["appended", "present"], default="appended")
    args = ap.parse_args()
    try:
        print(f"wrote {convert_file(args.onnx, args.out, args.to)}")
    except LayoutError as e:
        print(f"kv_layout: {args.onnx}: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
