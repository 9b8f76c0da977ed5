"""Storage: atomic writes into a local directory or a mounted volume, and output file naming."""

from voxray_runtime.storage.atomic import (
    DIR_MODE,
    FILE_MODE,
    TEMP_SUFFIX,
    atomic_write_bytes,
    clean_temp_files,
    fsync_dir,
    is_temp_name,
    make_dirs,
)
from voxray_runtime.storage.naming import (
    TEMPLATE_FIELDS,
    NamingError,
    check_relative_name,
    extension_for,
    render_name,
    template_fields,
)
from voxray_runtime.storage.paths import (
    SymlinkEscapeError,
    UnsafePathError,
    check_output_name,
    resolve_output_path,
    write_output,
)

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "TEMPLATE_FIELDS",
    "TEMP_SUFFIX",
    "NamingError",
    "SymlinkEscapeError",
    "UnsafePathError",
    "atomic_write_bytes",
    "check_output_name",
    "check_relative_name",
    "clean_temp_files",
    "extension_for",
    "fsync_dir",
    "is_temp_name",
    "make_dirs",
    "render_name",
    "resolve_output_path",
    "template_fields",
    "write_output",
]
