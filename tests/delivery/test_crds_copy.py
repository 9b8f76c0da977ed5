"""The chart ships the CRDs generated into crds/ (python -m voxray_operator.crdgen --out crds/),
byte for byte: a regenerated CRD that was not copied into the chart fails here."""

from __future__ import annotations

from delivery_lib import CHART, CRDS


def test_chart_crds_are_the_generated_ones() -> None:
    generated = {p.name: p.read_bytes() for p in sorted(CRDS.glob("*.yaml"))}
    shipped = {p.name: p.read_bytes() for p in sorted((CHART / "crds").glob("*.yaml"))}
    assert generated, "crds/ is empty: run make crds"
    assert sorted(shipped) == sorted(generated), "copy crds/*.yaml into charts/voxray/crds/"
    stale = [name for name in generated if shipped[name] != generated[name]]
    assert not stale, (
        f"charts/voxray/crds/ differs from crds/ for {stale}: cp crds/*.yaml charts/voxray/crds/"
    )
