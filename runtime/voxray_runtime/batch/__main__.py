"""``python -m voxray_runtime.batch -f speechbatch.yaml``: the batch driver without the voxray CLI."""

from voxray_runtime.batch.cli import main

raise SystemExit(main())
