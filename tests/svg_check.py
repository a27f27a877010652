#!/usr/bin/python3
"""svg_check.py FILE... — the end-to-end tests' check that a training program's pictures are
standalone SVG: well-formed XML, an <svg> root with a size and a viewBox, no scripts and no
external resources. Prints `FILE: error: ...` and exits 1 on the first failure; 2 on bad usage."""
import re
import sys
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def local(tag):
    return tag[len(SVG_NS):] if tag.startswith(SVG_NS) else tag


def check(path):
    """Returns None when the file passes, else what is wrong with it."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return str(e)
    if root.tag != SVG_NS + "svg":
        return f"root element is <{root.tag}>, not an SVG <svg>"
    for attr in ("width", "height"):
        v = root.get(attr)
        if v is None:
            return f"<svg> has no {attr}"
        m = re.fullmatch(rf"({NUMBER})(px)?", v.strip())
        if not m or not float(m.group(1)) > 0:
            return f"<svg> {attr}=\"{v}\" is not a positive size"
    box = root.get("viewBox")
    if box is None:
        return "<svg> has no viewBox"
    parts = re.split(r"[\s,]+", box.strip())
    if len(parts) != 4 or not all(re.fullmatch(NUMBER, p) for p in parts):
        return f"viewBox=\"{box}\" is not four numbers"
    if not (float(parts[2]) > 0 and float(parts[3]) > 0):
        return f"viewBox=\"{box}\" has no area"
    for el in root.iter():
        name = local(el.tag)
        if name in ("script", "foreignObject"):
            return f"contains <{name}>"
        for key, value in el.attrib.items():
            if key.startswith("on"):
                return f"<{name}> has an event handler {key}"
            # Only references inside the file: a standalone picture loads nothing.
            if local(key) == "href" or key.endswith("}href"):
                if not value.startswith("#"):
                    return f"<{name}> refers to an external resource {value!r}"
            if "url(" in value and not re.fullmatch(r"\s*url\(\s*#[^)]*\)\s*", value):
                return f"<{name}> {key}=\"{value}\" refers outside the file"
    if len(root) == 0:
        return "<svg> is empty"
    return None


def main(argv):
    if len(argv) < 2:
        print("usage: svg_check.py FILE...", file=sys.stderr)
        return 2
    for path in argv[1:]:
        why = check(path)
        if why is not None:
            print(f"{path}: error: {why}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
