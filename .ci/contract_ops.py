"""Exit 0 when the served schema has every Query and Mutation field of the contract, else 1
(printing the missing ones)."""
import re
import sys


def ops(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r'"""[\s\S]*?"""', "", text)
    text = re.sub(r'"[^"\n]*"', "", text)
    text = re.sub(r"#[^\n]*", "", text)
    found = set()
    for root in ("Query", "Mutation"):
        m = re.search(r"type\s+%s\s*\{([\s\S]*?)\n\}" % root, text)
        if not m:
            continue
        for line in m.group(1).splitlines():
            name = re.match(r"\s*(\w+)\s*[:(]", line)
            if name:
                found.add(f"{root}.{name.group(1)}")
    return found


contract, served = ops(sys.argv[1]), ops(sys.argv[2])
missing = sorted(contract - served)
if missing:
    print(f"{len(missing)} of {len(contract)} contract operations not served yet: {', '.join(missing)}")
    sys.exit(1)
print(f"all {len(contract)} contract operations are served")
