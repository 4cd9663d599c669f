"""The standard rule library, shipped as package data (YAML rule sets and their JSON Schema)."""
