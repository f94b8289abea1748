"""The repository mixins that together make up `storage.session.SqlStoreSession`."""
