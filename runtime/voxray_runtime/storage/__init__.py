"""Storage: atomic writes into a local directory or a mounted volume, and output file naming."""

from voxray_runtime.storage.atomic import (
    TEMP_SUFFIX,
    atomic_write_bytes,
    clean_temp_files,
    fsync_dir,
    is_temp_name,
)
from voxray_runtime.storage.naming import (
    TEMPLATE_FIELDS,
    NamingError,
    check_relative_name,
    extension_for,
    render_name,
    template_fields,
)

__all__ = [
    "TEMPLATE_FIELDS",
    "TEMP_SUFFIX",
    "NamingError",
    "atomic_write_bytes",
    "check_relative_name",
    "clean_temp_files",
    "extension_for",
    "fsync_dir",
    "is_temp_name",
    "render_name",
    "template_fields",
]
