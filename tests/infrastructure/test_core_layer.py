"""The core Lambda layer as `cdk synth` builds it (the asset directory it uploads): the `tradetrack`
package and nothing that only the local stack uses (the simulated broker lives in local/simulated/)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.infrastructure.conftest import Synthesized

LOCAL_IMPORT = re.compile(r"^\s*(from|import)\s+local(\.|\s)", re.MULTILINE)


def core_layer_dir(app: Synthesized) -> Path:
    """The asset directory (cdk.out/asset.<hash>) of the layer holding the `tradetrack` package: the
    layer's Content.S3Key is <hash>.zip, the zip CDK makes of that directory."""
    for resource in app.resources("AWS::Lambda::LayerVersion").values():
        key = resource["Properties"]["Content"]["S3Key"]
        directory = app.assembly_dir / f"asset.{str(key).removesuffix('.zip')}"
        if (directory / "python" / "tradetrack").is_dir():
            return directory
    raise AssertionError("no layer asset holds python/tradetrack")


def test_the_built_core_layer_has_the_broker_clients_but_not_the_simulator(dev_app: Synthesized) -> None:
    # Given the core layer `cdk synth` built for a deployment
    package = core_layer_dir(dev_app) / "python" / "tradetrack"
    sources = {path.relative_to(package).as_posix(): path for path in package.rglob("*.py")}
    # Then it ships the broker clients, their registry and the account logic
    shipped = {"brokers/registry.py", "brokers/kite.py", "brokers/upstox.py", "accounts/oauth.py"}
    assert shipped <= set(sources)
    # And no part of the simulated broker: no package of it, no module defining or importing it
    assert not [name for name in sources if "simulated" in name.split("/")[:-1]]
    assert not (package / "brokers" / "simulated").exists()
    defining = [name for name, path in sources.items() if "class SimulatedBroker" in path.read_text()]
    assert defining == []
    # And nothing in it imports the local stack (which is not deployed)
    assert [name for name, path in sources.items() if LOCAL_IMPORT.search(path.read_text())] == []
