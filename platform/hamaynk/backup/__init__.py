"""Per-municipality backup and restore: `hamaynk municipality export|import` (docs/backup.md)."""
