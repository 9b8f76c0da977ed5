"""Access control, abuse limits and audit for the voxray API (settings in :mod:`.config`)."""
