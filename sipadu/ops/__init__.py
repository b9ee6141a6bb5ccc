"""Operations: retention, backup and restore, storage sweep."""
