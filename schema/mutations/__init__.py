"""Mutations: create, update and delete every entity. Each needs an API key with write scope
and returns a union of the changed object and typed errors."""
