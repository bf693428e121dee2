"""Authentication: passwords, access tokens (JWT), refresh-token families, the authorizer's checks."""
