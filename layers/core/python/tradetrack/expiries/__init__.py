"""Expired derivative contracts: settlement prices the user gives, positions closed at expiry."""
